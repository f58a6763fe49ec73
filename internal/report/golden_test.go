package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the output of findings that are not from git history
// byte for byte, so that fields added for other sources (such as
// Location.Repo) never change what tools already parse; and shows where a
// git finding names its repository.
func TestGolden(t *testing.T) {
	when := time.Date(2024, 3, 1, 10, 30, 0, 0, time.UTC)
	gitFinding := finding.Finding{
		Rule: "hf-user-token", Description: "Hugging Face user access token",
		Fingerprint: "9a" + fixture()[0].Fingerprint[2:], Redacted: "hf_GITx…XXXX",
		Confidence: "high", Source: "git", Encodings: []string{},
		Location: finding.Location{Path: "train.py", Line: 2, Column: 10, Offset: 19, Field: "blob",
			Repo: "/srv/repos/trainer", Commit: "0123456789abcdef0123456789abcdef01234567", Object: "89abcdef0123456789abcdef0123456789abcdef"},
		Time: &when, CommitDate: &when, Author: "Ada", Email: "ada@example.com", Refs: []string{"refs/heads/main"},
	}
	cases := []struct {
		name     string
		format   Format
		findings []finding.Finding
	}{
		{"nongit.json", JSON, fixture()},
		{"nongit.jsonl", JSONL, fixture()},
		{"nongit.txt", Text, fixture()},
		{"git.json", JSON, []finding.Finding{gitFinding}},
		{"git.txt", Text, []finding.Finding{gitFinding}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.format, c.findings, fixtureStats(), Options{})
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}
