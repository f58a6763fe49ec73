package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/store"
)

// testFactory is a factory for option tests: no streams to speak of, an
// empty environment, and a store and Hub that fail if a test reaches them.
func testFactory() *factory {
	f := newFactory(strings.NewReader(""), io.Discard, io.Discard, func(string) string { return "" },
		func() (string, error) { return "/home/test", nil })
	f.Store = func(context.Context, dbFlags, storeMode) (store.Store, error) {
		return nil, errors.New("an option test opened the store")
	}
	f.HubClient = func(hubFlags) (*hub.Client, error) { return nil, errors.New("an option test made a Hub client") }
	return f
}

// execute runs cmd with args under a parent holding the store flags, as
// "incidents" does, and returns the command's error.
func execute(cmd *cobra.Command, db *dbFlags, args ...string) error {
	parent := &cobra.Command{Use: "incidents", SilenceErrors: true, SilenceUsage: true}
	addDBFlags(parent.PersistentFlags(), db)
	parent.AddCommand(cmd)
	parent.SetArgs(append([]string{cmd.Name()}, args...))
	parent.SetOut(io.Discard)
	parent.SetErr(io.Discard)
	return parent.Execute()
}

// checkOptions compares what runF got with want, or the error with wantErr.
func checkOptions[T any](t *testing.T, err error, got *T, want *T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", err, wantErr)
		}
		if got != nil {
			t.Fatalf("the command ran with %+v despite the error", *got)
		}
		return
	}
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if got == nil {
		t.Fatal("runF was not called")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options\n got %+v\nwant %+v", *got, *want)
	}
}

func TestIncidentsListOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    incidentsListOptions
		wantErr string
	}{
		{"defaults", nil, incidentsListOptions{filter: incident.Filter{Limit: 1000}, format: "text"}, ""},
		{"filters", []string{"--db", "x.db", "--state", "open", "--severity", "high", "--owner", "al", "--org", "acme", "--limit", "5", "-f", "json"},
			incidentsListOptions{db: dbFlags{dsn: "x.db"}, filter: incident.Filter{State: incident.Open, Severity: "high", Owner: "al", Org: "acme", Limit: 5}, format: "json"}, ""},
		{"no arguments", []string{"3"}, incidentsListOptions{}, "unknown command"},
		{"bad limit", []string{"--limit", "x"}, incidentsListOptions{}, "invalid argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var db dbFlags
			var got *incidentsListOptions
			err := execute(newCmdIncidentsList(f, &db, func(o *incidentsListOptions) error { got = o; return nil }), &db, tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

func TestIncidentsShowOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    incidentsShowOptions
		wantErr string
	}{
		{"id", []string{"#7"}, incidentsShowOptions{id: 7, format: "text"}, ""},
		{"json", []string{"7", "-f", "json", "--key-file", "k"}, incidentsShowOptions{id: 7, format: "json", db: dbFlags{keyFile: "k"}}, ""},
		{"not a number", []string{"seven"}, incidentsShowOptions{}, `"seven" is not an incident number`},
		{"zero", []string{"0"}, incidentsShowOptions{}, `"0" is not an incident number`},
		{"none", nil, incidentsShowOptions{}, "accepts 1 arg(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var db dbFlags
			var got *incidentsShowOptions
			err := execute(newCmdIncidentsShow(f, &db, func(o *incidentsShowOptions) error { got = o; return nil }), &db, tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

func TestIncidentsNoteOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    incidentsNoteOptions
		wantErr string
	}{
		{"message", []string{"3", "-m", "rotated"}, incidentsNoteOptions{id: 3, message: "rotated"}, ""},
		{"used", []string{"3", "--used", "carol/m=read,dataset:carol/d"}, incidentsNoteOptions{id: 3, used: []string{"carol/m=read", "dataset:carol/d"}}, ""},
		{"neither", []string{"3"}, incidentsNoteOptions{}, "--message or --used is required"},
		{"blank message", []string{"3", "-m", "  "}, incidentsNoteOptions{}, "--message or --used is required"},
		// The flags are checked before the incident number.
		{"neither, bad id", []string{"x"}, incidentsNoteOptions{}, "--message or --used is required"},
		{"bad used", []string{"3", "--used", "nope"}, incidentsNoteOptions{}, "--used: "},
		{"bad id", []string{"x", "-m", "hi"}, incidentsNoteOptions{}, `"x" is not an incident number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var db dbFlags
			var got *incidentsNoteOptions
			err := execute(newCmdIncidentsNote(f, &db, func(o *incidentsNoteOptions) error { got = o; return nil }), &db, tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

func TestIncidentsAssignOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    incidentsAssignOptions
		wantErr string
	}{
		{"assign", []string{"2", "bob"}, incidentsAssignOptions{id: 2, person: "bob"}, ""},
		{"one argument", []string{"2"}, incidentsAssignOptions{}, "accepts 2 arg(s)"},
		{"bad id", []string{"two", "bob"}, incidentsAssignOptions{}, `"two" is not an incident number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var db dbFlags
			var got *incidentsAssignOptions
			err := execute(newCmdIncidentsAssign(f, &db, func(o *incidentsAssignOptions) error { got = o; return nil }), &db, tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

func TestIncidentsResolveOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    incidentsResolveOptions
		wantErr string
	}{
		{"default state", []string{"4"}, incidentsResolveOptions{id: 4, as: "resolved"}, ""},
		{"as", []string{"4", "--as", "false-positive", "--reason", "test key"}, incidentsResolveOptions{id: 4, as: "false-positive", reason: "test key"}, ""},
		{"force", []string{"4", "--force", "--reason", "dead"}, incidentsResolveOptions{id: 4, as: "resolved", reason: "dead", force: true}, ""},
		{"force without reason", []string{"4", "--force"}, incidentsResolveOptions{}, "--force needs --reason"},
		// --force is checked before the incident number.
		{"force without reason, bad id", []string{"x", "--force"}, incidentsResolveOptions{}, "--force needs --reason"},
		{"bad id", []string{"x"}, incidentsResolveOptions{}, `"x" is not an incident number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var db dbFlags
			var got *incidentsResolveOptions
			err := execute(newCmdIncidentsResolve(f, &db, func(o *incidentsResolveOptions) error { got = o; return nil }), &db, tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

// run executes cmd alone with args and returns its error.
func run(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

func TestAuditOptions(t *testing.T) {
	f := testFactory()
	defaults := func(o auditOptions) auditOptions {
		o.hub.rate = hub.DefaultRatePerSecond
		if o.format == "" {
			o.format = "text"
		}
		if o.lock == "" {
			o.lock = defaultLock
		}
		if o.maxDownload == "" {
			o.maxDownload = "2GB"
		}
		return o
	}
	for _, tc := range []struct {
		name    string
		args    []string
		want    auditOptions
		wantErr string
	}{
		{"token", []string{"--since", "2026-01-02", "--token-env", "TOK"}, auditOptions{since: "2026-01-02", token: tokenSource{env: "TOK"}}, ""},
		{"incident", []string{"#7", "--until", "2026-02-01T10:00:00Z", "--known-author", "al,bo", "--known-author", "cy", "-f", "json"},
			auditOptions{incident: 7, until: "2026-02-01T10:00:00Z", knownAuthors: []string{"al", "bo", "cy"}, format: "json"}, ""},
		{"lock named", []string{"--lock", "my.lock", "--max-download", "1MB", "--audit-log", "log.json", "--db", "s.db", "--endpoint", "http://hub", "--rate", "3"},
			auditOptions{lock: "my.lock", lockNamed: true, maxDownload: "1MB", auditLog: "log.json", db: dbFlags{dsn: "s.db"}, hub: hubFlags{endpoint: "http://hub", rate: 3}}, ""},
		{"bad format", []string{"-f", "xml"}, auditOptions{}, "--format must be text or json"},
		{"two incidents", []string{"1", "2"}, auditOptions{}, "audit takes at most one incident number"},
		// An argument that is not a number may be a token: never echoed.
		{"token argument", []string{"hf_notatoken"}, auditOptions{}, "audit's argument must be an incident number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *auditOptions
			err := run(newCmdAudit(f, func(o *auditOptions) error { got = o; return nil }), tc.args...)
			want := defaults(tc.want)
			if tc.want.hub.rate != 0 {
				want.hub.rate = tc.want.hub.rate
			}
			want.f = f
			if tc.wantErr != "" && strings.Contains(fmt.Sprint(err), "hf_notatoken") {
				t.Errorf("the error echoes the argument: %v", err)
			}
			checkOptions(t, err, got, &want, tc.wantErr)
		})
	}
}

func TestDemoOptions(t *testing.T) {
	f := testFactory()
	for _, tc := range []struct {
		name    string
		args    []string
		want    demoOptions
		wantErr string
	}{
		{"temporary directory", nil, demoOptions{}, ""},
		{"out", []string{"--out", "/tmp/d"}, demoOptions{out: "/tmp/d"}, ""},
		{"no arguments", []string{"x"}, demoOptions{}, `unknown command "x"`},
		{"unknown flag", []string{"--db", "x"}, demoOptions{}, "unknown flag: --db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *demoOptions
			err := run(newCmdDemo(f, func(o *demoOptions) error { got = o; return nil }), tc.args...)
			tc.want.f = f
			checkOptions(t, err, got, &tc.want, tc.wantErr)
		})
	}
}

func TestScanOptions(t *testing.T) {
	f := testFactory()
	defaults := func(o scanFlags) scanFlags {
		o.format, o.exitCode, o.maxFileSize = "text", ExitFindings, "0"
		o.verifyLimit = defaultVerifyTimeout
		o.hub.rate = hub.DefaultRatePerSecond
		o.maxDepth, o.maxRatio = source.DefaultLimits().MaxDepth, source.DefaultLimits().MaxRatio
		return o
	}
	for _, tc := range []struct {
		name    string
		args    []string
		edit    func(*scanFlags)
		wantErr string
	}{
		{"paths", []string{"a", "b"}, func(o *scanFlags) { o.paths = []string{"a", "b"} }, ""},
		{"stdin", []string{"-"}, func(o *scanFlags) { o.paths = []string{"-"} }, ""},
		{"git", []string{"--git", "--full", "--cache-dir", "/c", "repo"}, func(o *scanFlags) {
			o.paths, o.git, o.full, o.cacheDir = []string{"repo"}, true, true, "/c"
		}, ""},
		{"report flags", []string{"-f", "sarif", "-o", "r.sarif", "--exit-code", "3", "-q", "--no-decode", "--no-linked", "--exclude", "*.md", "--exclude", "vendor/**", "."},
			func(o *scanFlags) {
				o.paths, o.format, o.output, o.exitCode, o.quiet, o.noDecode, o.noLinked = []string{"."}, "sarif", "r.sarif", 3, true, true, true
				o.exclude = []string{"*.md", "vendor/**"}
			}, ""},
		{"verify and store", []string{"--verify", "--verify-timeout", "5s", "--no-cache", "--endpoint", "http://hub", "--store", "--db", "s.db", "x"},
			func(o *scanFlags) {
				o.paths, o.verify, o.verifyLimit, o.noCache, o.hub.endpoint, o.store, o.db.dsn = []string{"x"}, true, 5e9, true, "http://hub", true, "s.db"
			}, ""},
		{"images", []string{"--image", "r/a:1", "--image", "r/b"}, func(o *scanFlags) { o.paths, o.images = []string{}, []string{"r/a:1", "r/b"} }, ""},
		{"archives", []string{"--max-depth", "0", "--max-ratio", "10", "--workers", "2", "--max-file-size", "5MB", "p"},
			func(o *scanFlags) {
				o.paths, o.maxDepth, o.maxRatio, o.workers, o.maxFileSize = []string{"p"}, 0, 10, 2, "5MB"
			}, ""},
		{"no path", nil, nil, "requires at least 1 path (or --image REF)"},
		{"image and paths", []string{"--image", "r/a", "p"}, nil, "--image scans registry images only"},
		{"image and git", []string{"--image", "r/a", "--git"}, nil, "--image and --git cannot be combined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *scanFlags
			err := run(newCmdScan(f, func(o *scanFlags) error { got = o; return nil }), tc.args...)
			want := defaults(scanFlags{})
			if tc.edit != nil {
				tc.edit(&want)
			}
			checkOptions(t, err, got, &want, tc.wantErr)
		})
	}
}
