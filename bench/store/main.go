// Command store benchmarks the incident store: it records many findings
// over many distinct secrets, in batches as scans would, then times the
// incident listings.
//
//	go run ./bench/store [-db PATH|postgres://…] [-occurrences 1000000] [-incidents 100000]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/seal"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/store"
)

func main() {
	var (
		dsn        = flag.String("db", "", "SQLite path or postgres:// URL (default: a fresh SQLite file in a temporary directory)")
		nOcc       = flag.Int("occurrences", 1_000_000, "findings to record")
		nInc       = flag.Int("incidents", 100_000, "distinct secrets")
		batch      = flag.Int("batch", 10_000, "findings per RecordScan call")
		interleave = flag.Bool("interleave", false, "spread each secret's places over every batch (each batch touches up to -batch incidents) instead of keeping them together")
		assessN    = flag.Int("assessments", 2_000, "incidents to give an assessment (for the filtered listings)")
		keep       = flag.Bool("keep", false, "keep the PostgreSQL schema / SQLite file")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the run")
	)
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "bench: writing the CPU profile:", err)
			}
		}()
	}
	ctx := context.Background()
	if err := run(ctx, *dsn, *nOcc, *nInc, *batch, *interleave, *assessN, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func run(ctx context.Context, dsn string, nOcc, nInc, batch int, interleave bool, assessN int, keep bool) (err error) {
	backend := "sqlite"
	switch {
	case store.IsPostgres(dsn):
		backend = "postgres"
		// A schema of its own, so that runs do not collide.
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer func() { _ = db.Close() }() // it only made and drops the schema: nothing of the run is in it
		schema := fmt.Sprintf("hfw_bench_%d", time.Now().UnixNano())
		if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			return err
		}
		if !keep {
			defer func() {
				if _, derr := db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); derr != nil {
					fmt.Fprintf(os.Stderr, "bench: warning: schema %s left behind: %v\n", schema, derr)
				}
			}()
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "search_path=" + schema
	case dsn == "":
		dir, err := os.MkdirTemp("", "hfwarden-bench-")
		if err != nil {
			return err
		}
		if !keep {
			defer func() {
				if rerr := os.RemoveAll(dir); rerr != nil {
					fmt.Fprintf(os.Stderr, "bench: warning: %s left behind: %v\n", dir, rerr)
				}
			}()
		}
		dsn = filepath.Join(dir, "hfwarden.db")
	}
	sealer, err := seal.New(make([]byte, seal.KeySize))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, dsn, sealer)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the store: %w", cerr)
		}
	}()

	r := rand.New(rand.NewPCG(1, 2))
	tokens := make([]string, nInc)
	for i := range tokens {
		b := make([]byte, 34)
		for j := range b {
			b[j] = letters[r.IntN(len(letters))]
		}
		tokens[i] = "hf_" + string(b)
	}
	fps := make([]string, nInc)
	reds := make([]string, nInc)
	for i, t := range tokens {
		fps[i], reds[i] = secret.Fingerprint(t), secret.Redact(t)
	}
	perSecret := max(1, nOcc/nInc)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Printf("backend %s: %d findings over %d secrets, %d per RecordScan call\n", backend, nOcc, nInc, batch)

	var ingest time.Duration
	newInc, newOcc := 0, 0
	fs := make([]finding.Finding, 0, batch)
	for lo := 0; lo < nOcc; lo += batch {
		fs = fs[:0]
		for j := lo; j < min(lo+batch, nOcc); j++ {
			s := j / perSecret % nInc
			if interleave {
				s = j % nInc
			}
			when := base.Add(time.Duration(j) * time.Second)
			fs = append(fs, finding.Finding{
				Rule: "hf-user-token", Description: "Hugging Face user access token",
				Fingerprint: fps[s], Redacted: reds[s], Secret: tokens[s], Confidence: "high",
				Source: "file", Encodings: []string{},
				Location: finding.Location{Path: fmt.Sprintf("repo%d/src/module%d/file%d.py", j%97, j%13, j), Line: 1 + j%400, Column: 9},
				Time:     &when,
			})
		}
		t := time.Now()
		res, err := st.RecordScan(ctx, fmt.Sprintf("scan-%d", lo/batch), fs, base.Add(time.Duration(lo)*time.Millisecond))
		if err != nil {
			return err
		}
		ingest += time.Since(t)
		newInc += res.NewIncidents
		newOcc += res.NewOccurrences
	}
	fmt.Printf("ingest: %d occurrences, %d incidents in %.2fs: %.0f occurrences/s\n",
		newOcc, newInc, ingest.Seconds(), float64(newOcc)/ingest.Seconds())

	// Assess some incidents so that the filtered listings have something
	// to find.
	t := time.Now()
	some, err := st.Incidents(ctx, incident.Filter{Limit: assessN})
	if err != nil {
		return err
	}
	sev := []string{"critical", "high", "medium", "low"}
	for i, in := range some {
		rep := &assess.Report{Status: "live", Fingerprint: in.Fingerprint, Redacted: in.Redacted, CheckedAt: base,
			Owner: fmt.Sprintf("user%d", i%50), Severity: sev[i%len(sev)],
			Orgs: []assess.Org{{Name: fmt.Sprintf("org%d", i%20), Role: "write"}}}
		if err := st.SaveAssessment(ctx, in.ID, rep, base); err != nil {
			return err
		}
	}
	fmt.Printf("assessments: %d saved in %.2fs\n", len(some), time.Since(t).Seconds())

	for _, q := range []struct {
		name string
		f    incident.Filter
	}{
		{"Incidents(Limit 100)", incident.Filter{Limit: 100}},
		{"Incidents(State open, Severity critical, Limit 100)", incident.Filter{State: incident.Open, Severity: "critical", Limit: 100}},
		{"Incidents(Org org7, Limit 100)", incident.Filter{Org: "org7", Limit: 100}},
		{"Incidents(Owner user3)", incident.Filter{Owner: "user3"}},
		{"Incidents(all)", incident.Filter{}},
	} {
		t := time.Now()
		list, err := st.Incidents(ctx, q.f)
		if err != nil {
			return err
		}
		fmt.Printf("%-55s %6d incidents in %8.2fms\n", q.name, len(list), float64(time.Since(t).Microseconds())/1000)
	}
	return nil
}
