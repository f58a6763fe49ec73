package incidentreport

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
)

func TestBottomLine(t *testing.T) {
	noAssess := fresh()
	requested := fresh()
	requested.Incident.RevokeRequestedAt = tp(30 * time.Minute)
	audited := Sample()
	audited.Audit = &AuditSection{Done: true, Attention: true, At: tp(time.Hour), Checked: 9, Kinds: map[string]int{"unsafe-pickle": 1, "new-webhook": 2}}
	auditedNothing := Sample()
	auditedNothing.Audit = &AuditSection{Done: true, At: tp(time.Hour), Checked: 0}
	for _, tc := range []struct {
		name string
		d    Data
		want BottomLine
	}{
		{"sample: contained, no audit", Sample(), BottomLine{
			What: "Write token of alice", Exposure: "exposed for 12 days (since 2025-05-28) in 5 places (2 file, 2 git, 1 notebook)",
			Reach: "could write 9 repos (6 public)", Done: "revoked and confirmed 09:20 UTC", Audit: "no audit yet",
			Open: []string{"CI runners and images not checked", "4 copies not purged", "6 public repos to notify", "replacement not issued"},
			Text: "Write token of alice, exposed for 12 days (since 2025-05-28) in 5 places (2 file, 2 git, 1 notebook), could write 9 repos (6 public); " +
				"revoked and confirmed 09:20 UTC; no audit yet; still open: CI runners and images not checked, 4 copies not purged, 6 public repos to notify, replacement not issued"}},
		{"audited", audited, BottomLine{Audit: "audit found 2 new webhook, 1 unsafe pickle"}},
		// An audit of no repository found nothing because it looked at
		// nothing: the bottom line says so, never "nothing high or worse".
		{"audit of nothing", auditedNothing, BottomLine{Audit: "audit checked no repository"}},
		// Nothing known beyond one file: the parts say what is unknown.
		{"fresh, no assessment", noAssess, BottomLine{What: "Hugging Face token of an unknown owner", Exposure: "exposed since an unknown time in 1 place (1 file)",
			Reach: "reach unknown (no assessment)", Done: "not revoked", Audit: "no audit yet"}},
		{"requested only", requested, BottomLine{Done: "revocation requested 08:30 UTC, not confirmed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := build(tc.d).BottomLine
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("What", got.What, tc.want.What)
			check("Exposure", got.Exposure, tc.want.Exposure)
			check("Reach", got.Reach, tc.want.Reach)
			check("Done", got.Done, tc.want.Done)
			check("Audit", got.Audit, tc.want.Audit)
			check("Text", got.Text, tc.want.Text)
			if tc.want.Open != nil && !slices.Equal(got.Open, tc.want.Open) {
				t.Errorf("Open = %q, want %q", got.Open, tc.want.Open)
			}
			h := htmlOf(t, tc.d)
			if i, j := strings.Index(h, `id="bottom-line"`), strings.Index(h, `id="summary"`); i < 0 || i > j {
				t.Errorf("the bottom line is not above the summary")
			}
		})
	}
}

func TestVerificationAfterRevocation(t *testing.T) {
	if got := build(Sample()).Verification; !strings.HasPrefix(got, "revoked (confirmed 2025-06-10 09:20 UTC)") {
		t.Errorf("verification = %q", got)
	}
	// Invalid without a revocation hfwarden made: the Hub's word only.
	d := fresh()
	d.Incident.Verification = &finding.Verification{Status: "invalid", CheckedAt: t0}
	if got := build(d).Verification; !strings.HasPrefix(got, "invalid") {
		t.Errorf("verification = %q", got)
	}
}

// leakData is an incident found in a git history, an image and a Slack
// export, beside a linked OpenAI key.
func leakData() Data {
	d := Sample()
	d.Occurrences = []incident.Occurrence{
		{ID: 1, Finding: finding.Finding{Source: "git", CommitDate: tp(-48 * time.Hour), Refs: []string{"refs/heads/main", "HEAD"},
			Location: finding.Location{Repo: "/src/app", Path: "my config.py", Line: 2, Commit: "0123456789abcdef0123"},
			Commits:  []finding.Introduction{{Commit: "0123456789abcdef0123", Path: "my config.py"}, {Commit: "fedcba9876543210fedc", Path: "old/config.py"}}}},
		{ID: 2, Finding: finding.Finding{Source: "image-layer", Location: finding.Location{Path: "/tmp/trainer.tar!layer/root/.env",
			Attrs: map[string]string{"image": "acme/trainer:1.2", "layer": "sha256:dddd", "layer_digest": "sha256:dddd", "diff_id": "sha256:ffff", "layer_index": "3", "path": "root/.env"}}}},
		{ID: 3, Finding: finding.Finding{Source: "slack", Location: finding.Location{Path: "/exports/slack/ml-ops/2024-06-01.json", Line: 14,
			Attrs: map[string]string{"channel": "ml-ops", "ts": "1717236000.000100", "user": "alice"}}}},
	}
	d.Linked = []LinkedSecret{
		{IncidentID: 7, Rule: "openai-api-key", Redacted: "sk-p…9xQ", State: incident.Open, Where: "same file my config.py", Rotate: "OpenAI: delete the key at https://platform.openai.com/api-keys"},
		{IncidentID: 8, Rule: "wandb-api-key", Redacted: "ab12…ff", State: incident.Contained, Where: "same commit 0123456789ab", Rotate: "Weights & Biases: delete it"},
	}
	return d
}

func TestNextSteps(t *testing.T) {
	purged := leakData()
	purged.Scans = []incident.ScanRun{
		{ID: "s-git", At: purged.Incident.LastSeen.Add(time.Hour), Kinds: []string{"git"}, Targets: []string{"/src/app"}, Complete: true},
		// Incomplete, or before the last sighting: proves nothing.
		{ID: "s-img", At: purged.Incident.LastSeen.Add(time.Hour), Kinds: []string{"image"}, Targets: []string{"acme/trainer:1.2"}},
		{ID: "s-old", At: purged.Incident.LastSeen.Add(-time.Hour), Kinds: []string{"file"}, Targets: []string{"/exports"}, Complete: true},
	}
	noted := leakData()
	noted.Events = append(noted.Events,
		incident.Event{Kind: "note", Actor: "bob", At: *tp(24 * time.Hour), Message: "Notified the owners of the 6 public repositories"},
		incident.Event{Kind: "note", Actor: "bob", At: *tp(25 * time.Hour), Message: "replaced with a fine-grained token"})
	noted.Linked[0].State = incident.Resolved
	fp := leakData()
	fp.Incident.State = incident.FalsePositive

	type step struct {
		status string
		acts   []string // action statuses
	}
	for _, tc := range []struct {
		name                           string
		d                              Data
		purge, notify, replace, rotate step
	}{
		{"nothing done", leakData(),
			step{StatusPending, []string{"pending", "pending", "pending"}},
			step{StatusPending, slices.Repeat([]string{"pending"}, 6)},
			step{StatusPending, slices.Repeat([]string{"pending"}, 3)},
			step{StatusPending, []string{"pending", "done"}}},
		{"git history rescanned", purged,
			step{StatusPending, []string{"done", "pending", "pending"}}, step{StatusPending, nil}, step{StatusPending, nil}, step{StatusPending, nil}},
		{"notes and linked closed", noted,
			step{StatusPending, nil},
			step{StatusDone, slices.Repeat([]string{"done"}, 6)},
			step{StatusDone, slices.Repeat([]string{"done"}, 3)},
			step{StatusDone, []string{"done", "done"}}},
		{"false positive", fp, step{StatusNotApplicable, nil}, step{StatusNotApplicable, nil}, step{StatusNotApplicable, nil}, step{StatusNotApplicable, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := build(tc.d).Checklist
			if len(cl) != 9 {
				t.Fatalf("%d steps", len(cl))
			}
			for i, w := range []step{tc.purge, tc.notify, tc.replace, tc.rotate} {
				s := cl[5+i]
				if s.Step != 6+i || s.Status != w.status {
					t.Errorf("step %d %q: status %s, want %s (%s)", s.Step, s.Title, s.Status, w.status, s.Detail)
				}
				if w.acts == nil {
					continue
				}
				var got []string
				for _, a := range s.Actions {
					got = append(got, a.Status)
				}
				if !slices.Equal(got, w.acts) {
					t.Errorf("step %d actions %v, want %v: %+v", s.Step, got, w.acts, s.Actions)
				}
			}
		})
	}

	cl := build(purged).Checklist
	purge, rotate := cl[5].Actions, cl[8].Actions
	for i, want := range []string{
		// The history rewrite names the repository, each path with its
		// commits, quotes what needs it, and pushes the branches (not HEAD).
		"git -C /src/app filter-repo --replace-text FILE",
		"my config.py (commit 0123456789ab), old/config.py (commit fedcba987654)",
		"filter-repo --invert-paths --path 'my config.py' --path old/config.py",
		"then force-push refs/heads/main,",
	} {
		if !strings.Contains(purge[0].Text, want) {
			t.Errorf("git purge %d: want %q in %q", i, want, purge[0].Text)
		}
	}
	if !strings.Contains(purge[0].Proof, "scan s-git") {
		t.Errorf("git purge proof %q", purge[0].Proof)
	}
	// The image's layer by its registry digest and its diff id, both.
	for _, want := range []string{"image acme/trainer:1.2: rebuild", "layer #3 (registry digest sha256:dddd, diff id sha256:ffff) file root/.env"} {
		if !strings.Contains(purge[1].Text, want) {
			t.Errorf("image purge: want %q in %q", want, purge[1].Text)
		}
	}
	for _, want := range []string{"slack channel ml-ops: delete message ts 1717236000.000100 by alice (2024-06-01.json line 14)"} {
		if !strings.Contains(purge[2].Text, want) {
			t.Errorf("slack purge: want %q in %q", want, purge[2].Text)
		}
	}
	if !strings.Contains(rotate[0].Text, "openai-api-key sk-p…9xQ (incident #7, same file my config.py) — OpenAI: delete the key at https://platform.openai.com/api-keys") {
		t.Errorf("rotate: %q", rotate[0].Text)
	}
	if !strings.Contains(cl[0].Detail, "hfwarden revoke") && cl[0].Status != StatusDone {
		t.Errorf("revoke step: %q", cl[0].Detail)
	}
	if f := fresh(); !strings.Contains(build(f).Checklist[0].Detail, "hfwarden revoke 1") {
		t.Errorf("revoke step does not name the command: %q", build(f).Checklist[0].Detail)
	}
	// A token in a commit message is rewritten with --replace-message, not
	// dropped as a path called "commit message".
	var git string
	for _, a := range build(Sample()).Checklist[5].Actions {
		if strings.HasPrefix(a.Text, "git history of") {
			git = a.Text
		}
	}
	if !strings.Contains(git, "the message of commit c0ffee00dead holds it too: add --replace-message FILE") || strings.Contains(git, "'commit message'") {
		t.Errorf("commit message purge: %q", git)
	}
	// The bottom line counts what is still open from these steps.
	bl := build(purged).BottomLine
	if !slices.Contains(bl.Open, "2 copies not purged") || !slices.Contains(bl.Open, "1 linked secret not rotated") {
		t.Errorf("open: %q", bl.Open)
	}
}

func TestStatedUse(t *testing.T) {
	msg, err := incident.UsedMessage([]string{"vision-lab/detr-finetuned", "dataset:vision-lab/coco-subset=read"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := incident.UsedMessage([]string{"model:a/b=WRITE", "space:a/c=write", "a/d.e_f-1"}); err != nil {
		t.Errorf("valid items refused: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	d := Sample()
	d.Used = nil
	d.Events = append(d.Events, incident.Event{Kind: incident.EventUsed, At: *tp(time.Hour), Actor: "bob", Message: msg})
	v := build(d)
	if v.Scope.Fallback || len(v.Scope.Entries) != 2 || !slices.Equal(v.Used, []string{"vision-lab/detr-finetuned", "dataset:vision-lab/coco-subset=read"}) {
		t.Errorf("scope from the used event: %+v (used %v)", v.Scope, v.Used)
	}
	if strings.Contains(htmlOf(t, d), "nobody stated which repositories") {
		t.Errorf("the report still says nobody stated the use")
	}
	d.Events = d.Events[:len(d.Events)-1]
	if v := build(d); !v.Scope.Fallback {
		t.Errorf("without a used event the scope must fall back")
	}
	for _, bad := range [][]string{nil, {""}, {"no-slash"}, {"a/b c"}, {"a/b,c/d"}, {"a/b=wrte"}, {"a/b=admin"}, {"bogus:a/b"}, {"a/"}, {"/b"}, {"a/b/c"}, {"x/y", "space:a/b=rw"}} {
		if _, err := incident.UsedMessage(bad); err == nil {
			t.Errorf("UsedMessage(%q) accepted", bad)
		}
	}
}

// TestOccurrenceTableImageLayer: the HTML and Markdown occurrence tables
// give an image occurrence's image reference, the layer's registry digest
// and its diff id; a record with only the layer attr names it as an id.
func TestOccurrenceTableImageLayer(t *testing.T) {
	d := leakData()
	want := "image acme/trainer:1.2, layer #3 (registry digest sha256:dddd, diff id sha256:ffff)"
	var md bytes.Buffer
	if err := Markdown(&md, d); err != nil {
		t.Fatal(err)
	}
	if h := htmlOf(t, d); !strings.Contains(h, "<td>"+want+"</td>") {
		t.Errorf("HTML occurrence table lacks %q", want)
	}
	if !strings.Contains(md.String(), "| "+strings.Replace(want, "#", `\#`, 1)+" |") {
		t.Errorf("Markdown occurrence table lacks %q:\n%s", want, md.String())
	}
	for _, tc := range []struct {
		attrs map[string]string
		want  string
	}{
		{map[string]string{"layer": "sha256:aa", "layer_index": "2"}, "layer #2 (id sha256:aa)"},
		{map[string]string{"layer": "sha256:ff", "diff_id": "sha256:ff", "layer_index": "1"}, "layer #1 (diff id sha256:ff)"},
		{map[string]string{"image_id": "sha256:cc"}, ""},
	} {
		if got := imageLayerText(tc.attrs); got != tc.want {
			t.Errorf("imageLayerText(%v) = %q, want %q", tc.attrs, got, tc.want)
		}
	}
}
