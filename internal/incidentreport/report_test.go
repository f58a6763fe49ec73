package incidentreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
)

var t0 = time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC)

func tp(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// fresh is an incident just detected: one file occurrence, nothing done.
func fresh() Data {
	return Data{
		Incident: incident.Incident{ID: 1, Fingerprint: "ab12", Rule: "hf-user-token", Redacted: "hf_ab…yz",
			State: incident.Open, FirstSeen: t0, LastSeen: t0, Occurrences: 1},
		Occurrences: []incident.Occurrence{{ID: 1, IncidentID: 1, SeenAt: t0,
			Finding: finding.Finding{Rule: "hf-user-token", Source: "file", Redacted: "hf_ab…yz", Location: finding.Location{Path: "app.py", Line: 3, Column: 9}}}},
		Generated: t0.Add(time.Hour),
	}
}

func render(t *testing.T, f func(*bytes.Buffer, Data) error, d Data) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func htmlOf(t *testing.T, d Data) string {
	return render(t, func(b *bytes.Buffer, d Data) error { return HTML(b, d) }, d)
}

var statusRe = regexp.MustCompile(`<li class="([a-z-]+)" id="step-(\d)" data-status="([a-z-]+)">`)

func statuses(t *testing.T, html string) []string {
	t.Helper()
	i := strings.Index(html, `id="checklist"`)
	if i < 0 {
		t.Fatal("no checklist")
	}
	var out []string
	for _, m := range statusRe.FindAllStringSubmatch(html[i:], -1) {
		if m[1] != m[3] {
			t.Errorf("step %s: class %s, data-status %s", m[2], m[1], m[3])
		}
		out = append(out, m[1])
	}
	return out
}

func TestChecklist(t *testing.T) {
	revokeOnly := fresh()
	revokeOnly.Incident.State = incident.RevokeRequested
	revokeOnly.Incident.RevokeRequestedAt = tp(time.Hour)

	cached := Sample()
	cached.Occurrences = append(cached.Occurrences, incident.Occurrence{ID: 9, Finding: finding.Finding{Source: "image", Location: finding.Location{Path: "ghcr.io/acme/trainer:latest//root/.cache/huggingface/token"}}})
	cached.Audit = &AuditSection{Done: true, At: tp(5 * time.Hour), Summary: "no changes during the window", Checked: 3, Until: tp(5 * time.Hour)}

	fp := fresh()
	fp.Incident.State = incident.FalsePositive

	auditOpen := Sample()
	auditOpen.Audit = &AuditSection{Summary: "access logs requested"}

	for _, tc := range []struct {
		name   string
		d      Data
		want   []string
		labels map[int]string
	}{
		// Steps 6 to 9 (purge, notify, replace, rotate linked) follow the
		// revocation; nothing here proves them done, and no linked secret
		// was recorded.
		{"fresh", fresh(), []string{"pending", "pending", "pending", "pending", "pending", "pending", "pending", "pending", "not-applicable"}, map[int]string{6: "unknown", 7: "unknown"}},
		{"revoke requested only", revokeOnly, []string{"pending", "pending", "pending", "pending", "pending", "pending", "pending", "pending", "not-applicable"}, map[int]string{0: "requested, not confirmed"}},
		{"contained and assessed", Sample(), []string{"done", "done", "done", "pending", "pending", "pending", "pending", "pending", "not-applicable"}, map[int]string{5: "4 of 4 not purged"}},
		{"swept and audited", cached, []string{"done", "done", "done", "done", "done", "pending", "pending", "pending", "not-applicable"}, nil},
		{"audit not finished", auditOpen, []string{"done", "done", "done", "pending", "pending", "pending", "pending", "pending", "not-applicable"}, nil},
		{"false positive", fp, slices.Repeat([]string{"not-applicable"}, 9), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := htmlOf(t, tc.d)
			if got := statuses(t, h); !slices.Equal(got, tc.want) {
				t.Errorf("statuses = %v, want %v", got, tc.want)
			}
			items := build(tc.d).Checklist
			for i, l := range tc.labels {
				if items[i].Label != l {
					t.Errorf("step %d label = %q, want %q", i+1, items[i].Label, l)
				}
			}
		})
	}
	// The pending revoke step names the command that does it.
	f := fresh()
	if d, want := build(f).Checklist[0].Detail, fmt.Sprintf("hfwarden revoke %d", f.Incident.ID); !strings.Contains(d, want) {
		t.Errorf("step 1 detail = %q, want it to name %q", d, want)
	}
	// Where to revoke by hand follows the rule's hint: an OAuth token is
	// revoked with its app, not in the token settings.
	for rule, want := range map[string]string{
		"hf-user-token":          "huggingface.co/settings/tokens",
		"hf-oauth-token":         "huggingface.co/settings/connected-applications",
		"hf-oauth-refresh-token": "huggingface.co/settings/connected-applications",
	} {
		f := fresh()
		f.Incident.Rule = rule
		d := build(f).Checklist[0].Detail
		if !strings.Contains(d, want) || (want != "huggingface.co/settings/tokens" && strings.Contains(d, "settings/tokens")) {
			t.Errorf("%s: step 1 detail = %q, want %q", rule, d, want)
		}
	}
	// Step 3 says what was searched.
	if d := build(Sample()).Checklist[2].Detail; !strings.Contains(d, "3 file") && !strings.Contains(d, "2 git") {
		t.Errorf("step 3 detail does not count sources: %q", d)
	}
}

// TestChecklistFromRecords: steps 3 to 5 follow what was recorded, per
// kind of source — image findings are an image scan, a git history or
// image scan that found nothing is a search done (a scan that could not
// read everything, or ran before the token was seen, is not), and an
// audit of no repository, or whose window ended before the containment
// (or that ran before any), does not complete step 5.
func TestChecklistFromRecords(t *testing.T) {
	run := func(d time.Duration, complete bool, kinds ...string) incident.ScanRun {
		return incident.ScanRun{ID: fmt.Sprint(d), At: t0.Add(d), Kinds: kinds, Targets: []string{"/srv/app"}, Complete: complete}
	}
	withScans := func(runs ...incident.ScanRun) Data { d := fresh(); d.Scans = runs; return d }
	image := fresh()
	image.Occurrences = append(image.Occurrences, incident.Occurrence{ID: 2, Finding: finding.Finding{Source: "image-layer",
		Location: finding.Location{Path: "acme.tar!layer 2/root/.cache/huggingface/token"}}})
	config := fresh()
	config.Occurrences[0].Finding.Source = "image-config"
	fileAndConfig := fresh()
	fileAndConfig.Occurrences = append(fileAndConfig.Occurrences, incident.Occurrence{ID: 2, Finding: finding.Finding{Source: "image-config",
		Location: finding.Location{Path: "acme.tar!config", Field: "Env"}}})
	imageOnly := fresh()
	imageOnly.Occurrences[0].Finding.Source = "image-config"
	imageOnly.Occurrences = append(imageOnly.Occurrences, incident.Occurrence{ID: 2, Finding: finding.Finding{Source: "image-layer",
		Location: finding.Location{Path: "acme.tar!layer 2/app/.env"}}})
	contained := Sample() // contained 2025-06-10 09:20
	audited := func(checked int, until time.Duration) Data {
		d := contained
		d.Audit = &AuditSection{Done: true, At: tp(6 * time.Hour), Summary: "no findings", Checked: checked, Until: tp(until)}
		return d
	}
	// Audited complete while the token is still live (never contained).
	auditedLive := audited(3, 6*time.Hour)
	auditedLive.Incident.ContainedAt, auditedLive.Incident.State = nil, incident.Open
	for _, tc := range []struct {
		name   string
		d      Data
		step   int // 3, 4 or 5
		status string
		detail string
	}{
		{"git not scanned", fresh(), 3, StatusPending, "git history not scanned"},
		{"git scanned, token absent", withScans(run(time.Hour, true, "git")), 3, StatusDone, "git history of /srv/app scanned 2025-06-10 09:00 UTC, token absent"},
		{"git scan incomplete", withScans(run(time.Hour, false, "git")), 3, StatusPending, "could not read everything"},
		{"git scanned before the token was seen", withScans(run(-time.Hour, true, "git")), 3, StatusPending, "git history not scanned"},
		{"a file scan is no git scan", withScans(run(time.Hour, true, "file")), 3, StatusPending, "git history not scanned"},
		{"file and image config findings, no git scan", fileAndConfig, 3, StatusPending, "git history not scanned"},
		{"image findings only, no git scan", imageOnly, 3, StatusPending, "git history not scanned"},
		{"image layer finding", image, 4, StatusDone, "1 occurrence(s) from runner sweeps or container images"},
		{"image config finding", config, 4, StatusDone, "1 occurrence(s)"},
		{"image scanned, token absent", withScans(run(time.Hour, true, "image")), 4, StatusDone, "image scan of /srv/app 2025-06-10 09:00 UTC: token absent"},
		{"sweep ran, token absent", withScans(run(time.Hour, true, "sweep")), 4, StatusDone, "runner sweep of /srv/app"},
		{"sweep incomplete", withScans(run(time.Hour, false, "sweep")), 4, StatusPending, "no runner sweep or image scan recorded"},
		{"audit of no repository", audited(0, 6*time.Hour), 5, StatusPending, "checked no repositories"},
		{"audit window ended before containment", audited(3, time.Hour), 5, StatusPending, "before the containment 2025-06-10 09:20 UTC"},
		{"audit past containment", audited(3, 6*time.Hour), 5, StatusDone, "audit complete"},
		{"audit before containment", auditedLive, 5, StatusPending, "audited while still live: audit again after containment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := build(tc.d).Checklist[tc.step-1]
			if it.Status != tc.status || !strings.Contains(it.Detail, tc.detail) {
				t.Errorf("step %d = %s %q, want %s with %q", tc.step, it.Status, it.Detail, tc.status, tc.detail)
			}
		})
	}
}

var (
	externalRe = regexp.MustCompile(`(?i)(src|href|xlink:href)\s*=\s*["']?\s*(https?:|//)`)
	urlCSSRe   = regexp.MustCompile(`(?i)url\(|@import`)
)

func TestHTMLSelfContained(t *testing.T) {
	for name, d := range map[string]Data{"fresh": fresh(), "sample": Sample()} {
		h := htmlOf(t, d)
		if externalRe.MatchString(h) {
			t.Errorf("%s: external reference: %s", name, externalRe.FindString(h))
		}
		if strings.Contains(strings.ToLower(h), "<script") {
			t.Errorf("%s: has a script", name)
		}
		if urlCSSRe.MatchString(h) {
			t.Errorf("%s: CSS loads something", name)
		}
		for _, want := range []string{`id="summary"`, `id="severity"`, `id="occurrences"`, `id="timeline"`, `id="checklist"`, `id="mappings"`, `id="replacement"`} {
			if !strings.Contains(h, want) {
				t.Errorf("%s: no %s", name, want)
			}
		}
	}
}

var repoNodeRe = regexp.MustCompile(`<g class="node repo access-([a-z]+)" id="repo-\d+" data-access="[a-z]+"><title>[^<]*</title>\s*<rect [^>]*stroke="(#[0-9a-f]{6})"`)

func manyRepos(n int) *assess.Report {
	a := &assess.Report{Status: "live", Owner: "alice", Redacted: "hf_ab…yz", Severity: "critical",
		Orgs: []assess.Org{{Name: "acme", Role: "admin"}, {Name: "lab", Role: "write"}}}
	acc := []assess.Access{assess.Admin, assess.Write, assess.Read}
	owners := []string{"alice", "acme", "lab"}
	for i := 0; i < n; i++ {
		o := owners[i%3]
		a.Repos = append(a.Repos, assess.Repo{ID: fmt.Sprintf("%s/repo-%03d", o, i), Type: "model", Owner: o, Access: acc[i%3], Basis: "test"})
	}
	return a
}

func TestBlastRadiusGraph(t *testing.T) {
	for _, tc := range []struct {
		repos, drawn int
		more         bool
	}{{0, 0, false}, {1, 1, false}, {12, 12, false}, {40, 40, false}, {41, 40, true}, {250, 40, true}} {
		t.Run(fmt.Sprint(tc.repos), func(t *testing.T) {
			d := fresh()
			d.Assessment = manyRepos(tc.repos)
			h := htmlOf(t, d)
			if strings.Count(h, `<svg id="blast-radius"`) != 1 {
				t.Fatal("no svg#blast-radius")
			}
			nodes := repoNodeRe.FindAllStringSubmatch(h, -1)
			if len(nodes) != tc.drawn {
				t.Errorf("%d repo nodes, want %d", len(nodes), tc.drawn)
			}
			for _, n := range nodes {
				if accessColor[n[1]] != n[2] {
					t.Errorf("node of access %s coloured %s", n[1], n[2])
				}
			}
			hasMore := strings.Contains(h, `class="node more access-more"`)
			if hasMore != tc.more {
				t.Errorf("more node = %v, want %v", hasMore, tc.more)
			}
			if tc.more && !strings.Contains(h, fmt.Sprintf("&#43;%d more", tc.repos-tc.drawn)) { // html/template escapes +
				t.Errorf("no +%d more", tc.repos-tc.drawn)
			}
			// The table lists every repository, drawn or not.
			if got := strings.Count(h, `<td class="acc acc-`); got != tc.repos {
				t.Errorf("table rows = %d, want %d", got, tc.repos)
			}
			// The strongest access is drawn first when capped.
			if tc.more {
				for _, n := range nodes {
					if n[1] == "read" && tc.repos >= 3*tc.drawn {
						t.Errorf("read repo drawn while stronger ones were cut")
					}
				}
			}
		})
	}
	// Deterministic.
	d := Sample()
	if first, second := htmlOf(t, d), htmlOf(t, d); first != second {
		t.Error("HTML not deterministic")
	}
	// No assessment: no graph, no failure.
	if h := htmlOf(t, fresh()); strings.Contains(h, `id="blast-radius"`) {
		t.Error("graph drawn without an assessment")
	}
}

// TestHTMLNoTerminalControls: control characters, C1 controls and bidi
// overrides in any string of the data (file names, Hub owner, org and
// token names, notes) never reach the HTML bytes raw; before, `report N`
// on a terminal emitted ESC ] 0 ; title sequences.
func TestHTMLNoTerminalControls(t *testing.T) {
	const osc = "\x1b]0;pwned\x07"
	d := Sample()
	d.Occurrences[0].Finding.Location.Path = "evil" + osc + "\u202etxt.py"
	d.Occurrences[0].Finding.Location.Chain = []string{"a.zip", "m\u009b2J"}
	d.Incident.Owner = "own" + osc
	d.Incident.Orgs = []string{"org\x1b[2J"}
	d.Assessment.Owner = "own" + osc
	d.Assessment.Token.Name = "name\u2066\u202e"
	d.Events[0].Message = "note\r\x1b[1A"
	h := htmlOf(t, d)
	for i, r := range h {
		if r == 0x1b || r == 0x9b || r == 0x07 || r == '\r' || r == 0x202e || r == 0x2066 || r == 0x9d {
			t.Fatalf("raw %U at byte %d: %q", r, i, h[max(0, i-40):min(len(h), i+40)])
		}
	}
	if strings.IndexByte(h, 0x1b) >= 0 {
		t.Fatal("raw ESC byte in the HTML")
	}
	for _, want := range []string{`evil\x1b]0;pwned\a\u202etxt.py`, `own\x1b]0;pwned\a`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML does not show %q escaped", want)
		}
	}
}

func TestEscaping(t *testing.T) {
	const evil = `<img src=x onerror=alert(1)>`
	d := Sample()
	d.Occurrences[0].Finding.Location.Path = evil
	d.Occurrences[0].Finding.Author = `"><script>alert(2)</script>`
	d.Events[0].Message = evil + " | **bold** [x](http://evil.example)"
	d.Assessment.Repos[0].ID = `acme-ai/<svg onload=alert(3)>`
	d.Assessment.Repos[0].Basis = evil
	d.Incident.Assignee = `</td><img src=x>`
	d.Used = []string{`acme-ai/<svg onload=alert(3)>`}
	const secret = "hf_RAWSECRETRAWSECRETRAWSECRETRAWSE"
	d.Occurrences[1].Finding.Secret = secret

	h := htmlOf(t, d)
	for _, bad := range []string{"<img", "<script", "<svg onload", "onerror=alert(1)>", secret} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if !strings.Contains(h, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("escaped path not shown")
	}

	m := render(t, func(b *bytes.Buffer, d Data) error { return Markdown(b, d) }, d)
	for _, bad := range []string{"<img", "<script", "<svg", "[x](http", secret} {
		if strings.Contains(m, bad) {
			t.Errorf("Markdown contains %q", bad)
		}
	}
	j := render(t, func(b *bytes.Buffer, d Data) error { return JSON(b, d) }, d)
	if strings.Contains(j, secret) {
		t.Error("JSON contains the raw secret")
	}
	if d.Occurrences[1].Finding.Secret != secret {
		t.Error("rendering changed the caller's data")
	}
}

func TestRecommendScope(t *testing.T) {
	a := &assess.Report{Owner: "alice", Repos: []assess.Repo{
		{ID: "acme/model-a", Type: "model", Owner: "acme", Access: assess.Admin},
		{ID: "acme/data-b", Type: "dataset", Owner: "acme", Access: assess.Write, Private: true},
		{ID: "lab/gated-c", Type: "dataset", Owner: "lab", Access: assess.Read, Gated: "manual"},
		{ID: "lab/public-d", Type: "model", Owner: "lab", Access: assess.Read},
		{ID: "lab/private-e", Type: "space", Owner: "lab", Access: assess.Read, Private: true},
		{ID: "same", Type: "model", Owner: "alice", Access: assess.Write},
		{ID: "same", Type: "space", Owner: "alice", Access: assess.Write},
	}}
	rw := []string{PermRead, PermWrite}
	r := []string{PermRead}
	type e struct {
		typ, name string
		perms     []string
	}
	for _, tc := range []struct {
		name     string
		a        *assess.Report
		used     []string
		want     []e
		fallback bool
		gated    bool
	}{
		{"nil assessment", nil, nil, nil, true, false},
		{"fallback: writable only", a, nil, []e{{"dataset", "acme/data-b", rw}, {"model", "acme/model-a", rw}, {"model", "same", rw}, {"space", "same", rw}}, true, false},
		{"used write keeps write, admin capped", a, []string{"acme/model-a"}, []e{{"model", "acme/model-a", rw}}, false, false},
		{"used =read downgrades", a, []string{"acme/data-b=read"}, []e{{"dataset", "acme/data-b", r}}, false, false},
		{"public read needs nothing even if writable", a, []string{"acme/model-a=read"}, nil, false, false},
		{"write never escalates", a, []string{"lab/private-e=write"}, []e{{"space", "lab/private-e", r}}, false, false},
		{"gated read sets canReadGated", a, []string{"lab/gated-c"}, []e{{"dataset", "lab/gated-c", r}}, false, true},
		{"public read needs nothing", a, []string{"lab/public-d"}, nil, false, false},
		{"unknown repo left out", a, []string{"nobody/nothing"}, nil, false, false},
		{"type prefix disambiguates", a, []string{"space:same"}, []e{{"space", "same", rw}}, false, false},
		{"duplicates once", a, []string{"acme/data-b", "acme/data-b=write"}, []e{{"dataset", "acme/data-b", rw}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RecommendScope(tc.a, tc.used)
			var g []e
			for _, x := range got {
				g = append(g, e{x.Type, x.Name, x.Permissions})
				if x.Reason == "" {
					t.Errorf("%s: no reason", x.Name)
				}
			}
			if fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", g, tc.want)
			}
			rec := Recommend(tc.a, tc.used, t0)
			if rec.Fallback != tc.fallback || rec.CanReadGatedRepos != tc.gated {
				t.Errorf("fallback %v gated %v, want %v %v", rec.Fallback, rec.CanReadGatedRepos, tc.fallback, tc.gated)
			}
			if len(rec.Global) != 0 || rec.ExpiresInDays != ExpiryDays || !rec.RotateBy.After(t0) {
				t.Errorf("token-level settings wrong: %+v", rec)
			}
			var p struct {
				CanReadGatedRepos bool     `json:"canReadGatedRepos"`
				Global            []string `json:"global"`
				Scoped            []struct {
					Entity      struct{ Type, Name string } `json:"entity"`
					Permissions []string                    `json:"permissions"`
				} `json:"scoped"`
				ExpiresAt string `json:"expiresAt"`
			}
			if err := json.Unmarshal([]byte(rec.PasteJSON()), &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Scoped) != len(tc.want) || p.Global == nil || len(p.Global) != 0 || p.CanReadGatedRepos != tc.gated || p.ExpiresAt == "" {
				t.Errorf("paste JSON wrong: %s", rec.PasteJSON())
			}
		})
	}
}

func TestJSON(t *testing.T) {
	for name, d := range map[string]Data{"fresh": fresh(), "sample": Sample(), "empty": {}} {
		j := render(t, func(b *bytes.Buffer, d Data) error { return JSON(b, d) }, d)
		var v map[string]json.RawMessage
		if err := json.Unmarshal([]byte(j), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range []string{"incident", "occurrences", "events", "assessment", "checklist", "mappings", "recommended_scope"} {
			if _, ok := v[k]; !ok {
				t.Errorf("%s: no %q", name, k)
			}
		}
		var cl []struct {
			Step           int
			Status, Detail string
		}
		if err := json.Unmarshal(v["checklist"], &cl); err != nil || len(cl) != 9 {
			t.Errorf("%s: checklist %v %v", name, cl, err)
		}
		for _, c := range cl {
			if c.Step == 0 || c.Status == "" || c.Detail == "" {
				t.Errorf("%s: incomplete step %+v", name, c)
			}
		}
	}
	var v struct {
		Mappings []Mapping `json:"mappings"`
	}
	j := render(t, func(b *bytes.Buffer, d Data) error { return JSON(b, d) }, Sample())
	if err := json.Unmarshal([]byte(j), &v); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, m := range v.Mappings {
		ids[m.ID] = m.Why
	}
	for _, id := range []string{"NHI2:2025", "NHI5:2025", "NHI7:2025", "MANAGE 4.1 / 4.3"} {
		if ids[id] == "" {
			t.Errorf("no mapping %s", id)
		}
	}
	if !strings.Contains(ids["NHI7:2025"], "2024-03-02") || !strings.Contains(ids["NHI7:2025"], "days old") {
		t.Errorf("NHI7 does not give the token's age: %q", ids["NHI7:2025"])
	}
}

func TestMarkdown(t *testing.T) {
	for name, d := range map[string]Data{"fresh": fresh(), "sample": Sample()} {
		m := render(t, func(b *bytes.Buffer, d Data) error { return Markdown(b, d) }, d)
		for _, s := range []string{"## Summary", "## Severity", "## Blast radius", "## Occurrences", "## Timeline", "### Event log",
			"## Response checklist", "## Framework mapping", "## Recommended replacement token", "```json"} {
			if !strings.Contains(m, s) {
				t.Errorf("%s: no %q", name, s)
			}
		}
		if name == "sample" {
			for _, s := range []string{"see the HTML report for the graph", "1. [x] **Revoke the token**", "4. [ ] **Check CI runners", "NHI2:2025"} {
				if !strings.Contains(m, s) {
					t.Errorf("sample: no %q", s)
				}
			}
		}
	}
}

func TestTimeline(t *testing.T) {
	tl := build(Sample()).Timeline
	if len(tl) != 4 {
		t.Fatalf("%d entries", len(tl))
	}
	for _, e := range tl {
		if e.At == nil {
			t.Errorf("%s not recorded", e.Milestone)
		}
	}
	// From events only, and exposure from the commit date.
	d := fresh()
	d.Occurrences[0].Finding.CommitDate = tp(-48 * time.Hour)
	d.Events = []incident.Event{{At: t0.Add(time.Hour), Actor: "bob", Kind: "transition", From: incident.Open, To: incident.RevokeRequested}}
	tl = build(d).Timeline
	if tl[0].At == nil || !tl[0].At.Equal(*tp(-48 * time.Hour)) || tl[2].At == nil || tl[3].At != nil {
		t.Errorf("timeline %+v", tl)
	}
	// Re-opened after the containment (live again): not confirmed.
	d.Events = append(d.Events,
		incident.Event{At: t0.Add(2 * time.Hour), Actor: "hfwarden", Kind: "transition", From: incident.RevokeRequested, To: incident.Contained},
		incident.Event{At: t0.Add(3 * time.Hour), Actor: "hfwarden", Kind: "transition", From: incident.Contained, To: incident.Open})
	if tl = build(d).Timeline; tl[3].At != nil || !strings.Contains(tl[3].Detail, "re-opened after the containment") {
		t.Errorf("re-opened: containment %+v", tl[3])
	}
}

// TestNHI5TokenKind: the overprivilege mapping describes the token as the
// assessment proved it, never a classic token for an app or OAuth one.
func TestNHI5TokenKind(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	repos := []assess.Repo{{ID: "corp/m", Type: "model", Owner: "corp", Access: assess.Write}}
	for _, tt := range []struct {
		name      string
		a         assess.Report
		want, not string
	}{
		{"classic", assess.Report{Status: "live", OwnerType: "user", Token: assess.Token{Role: "write", Type: "access_token", Scopes: []string{}}},
			"a classic write token: all of the owner's namespaces", "app token"},
		{"app", assess.Report{Status: "live", OwnerType: "app", Token: assess.Token{Role: "write", Type: "app_token", Scopes: []string{}}},
			"an app token with role write", "classic"},
		{"oauth", assess.Report{Status: "live", OwnerType: "user", Token: assess.Token{Type: "oauth", Scopes: []string{"oauth:write-repos"}}},
			"an OAuth access token", "classic"},
		{"fine-grained", assess.Report{Status: "live", OwnerType: "user", Token: assess.Token{Role: "fineGrained", Type: "access_token", Scopes: []string{"model:corp/m:repo.write"}}},
			"a fine-grained token", "classic"},
		{"viewed through another credential", assess.Report{Status: "live", OwnerType: "user", Token: assess.Token{Scopes: []string{}}, ViewedBy: &assess.Credential{}},
			"it can write to 1", "token:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			a.Repos = repos
			var why string
			for _, m := range mappings(incident.Incident{ID: 1}, &a, nil, Recommendation{}, now) {
				if m.ID == "NHI5:2025" {
					why = m.Why
				}
			}
			if !strings.Contains(why, tt.want) || strings.Contains(why, tt.not) {
				t.Errorf("NHI5 %q, want it to say %q and not %q", why, tt.want, tt.not)
			}
		})
	}
}
