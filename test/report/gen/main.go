// Command gen writes the sample incident report (incidentreport.Sample) as
// HTML, Markdown and JSON, for the screenshot check in test/report.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hfwarden/hfwarden/internal/incidentreport"
)

func main() {
	dir := flag.String("out", ".", "directory to write report.html, report.md and report.json to")
	flag.Parse()
	d := incidentreport.Sample()
	for name, f := range map[string]func(io.Writer, incidentreport.Data) error{
		"report.html": incidentreport.HTML, "report.md": incidentreport.Markdown, "report.json": incidentreport.JSON,
	} {
		if err := write(filepath.Join(*dir, name), d, f); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func write(path string, d incidentreport.Data, f func(io.Writer, incidentreport.Data) error) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f(out, d); err != nil {
		_ = out.Close() // the write error is the one to report
		return err
	}
	return out.Close()
}
