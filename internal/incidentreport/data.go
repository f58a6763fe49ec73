// Package incidentreport renders one incident — the leaked token, where it
// was seen, what it can reach, what was done — as a self-contained HTML
// file, as Markdown and as JSON, with the response checklist filled from
// what was recorded, the mapping to OWASP and NIST guidance, and the
// least-privilege scope of a replacement token.
//
// The raw secret is never part of a report: Data holds only redacted
// previews and fingerprints, and any Finding.Secret that slipped in is
// dropped before rendering.
package incidentreport

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
)

// Data is everything a report shows.
type Data struct {
	Incident    incident.Incident
	Occurrences []incident.Occurrence
	Events      []incident.Event
	// Assessment is the blast radius; nil falls back to
	// Incident.Assessment.
	Assessment *assess.Report
	// Generated is when the report was made (zero: now).
	Generated time.Time
	// Audit is the post-containment audit (model integrity, repository
	// history, access logs); nil until one was run.
	Audit *AuditSection
	// Used lists the repositories the token was actually used for, as the
	// responder states them (see RecommendScope); empty: the latest "used"
	// event of Events, and without one the repositories it can write.
	Used []string
	// Scans are the scan runs recorded since the incident was first seen,
	// whatever they found: a git history or image scan that ran without
	// finding the token is a search done, not one missing.
	Scans []incident.ScanRun
	// Linked are the other secrets recorded in the same files or commits
	// (see LinkedSecret); the checklist asks to rotate them.
	Linked []LinkedSecret
}

// AuditSection is the outcome of the post-containment audit. It is
// reserved for the audit work; a report only reads Done, At and Summary.
type AuditSection struct {
	// Done is set when the audit is complete.
	Done bool       `json:"done"`
	At   *time.Time `json:"at,omitempty"`
	// Summary says what was reviewed and what was found.
	Summary string `json:"summary,omitempty"`
	// Findings lists what the audit found, one line each.
	Findings []string `json:"findings,omitempty"`
	// Attention is set when a finding needs follow-up (severity high or
	// worse): the checklist step is then not done but "attention".
	Attention bool `json:"attention,omitempty"`
	// Checked counts the repositories audited and Until is where the
	// window ended: an audit of none, or one that ended before the
	// containment, does not complete the checklist step.
	Checked int        `json:"checked"`
	Until   *time.Time `json:"until,omitempty"`
	// Kinds counts the findings of severity high or worse by kind
	// ("unsafe-pickle": 1), for the report's bottom line.
	Kinds map[string]int `json:"kinds,omitempty"`
}

// Checklist statuses.
const (
	StatusDone          = "done"
	StatusPending       = "pending"
	StatusNotApplicable = "not-applicable"
	// StatusAttention marks a step that ran and found something to act on.
	StatusAttention = "attention"
)

// ChecklistItem is one step of the response.
type ChecklistItem struct {
	Step  int    `json:"step"`
	Title string `json:"title"`
	// Status is done, pending or not-applicable; Label says it for
	// people ("requested, not confirmed").
	Status string `json:"status"`
	Label  string `json:"label"`
	Detail string `json:"detail"`
	// Actions are the step's concrete tasks (a history to rewrite, a
	// repository whose users to tell), each with its own status.
	Actions []Action `json:"actions,omitempty"`
}

// Mapping ties the incident to an item of a guidance framework.
type Mapping struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Why       string `json:"why"`
}

// TimelineEntry is one milestone of the response; At is nil when it was
// not recorded.
type TimelineEntry struct {
	Milestone string     `json:"milestone"`
	At        *time.Time `json:"at,omitempty"`
	Detail    string     `json:"detail"`
}

// maxRepoNodes caps the repositories drawn in the blast-radius graph.
const maxRepoNodes = 40

// view is the rendering model shared by the three formats.
type view struct {
	Generated    time.Time
	Incident     incident.Incident
	Occurrences  []incident.Occurrence
	Events       []incident.Event
	Assessment   *assess.Report
	Audit        *AuditSection
	Verification string
	BottomLine   BottomLine
	SourceCounts []sourceCount
	Timeline     []TimelineEntry
	Checklist    []ChecklistItem
	Mappings     []Mapping
	Used         []string
	Scope        Recommendation
	ScopeJSON    string
	Graph        *graph
}

type sourceCount struct {
	Source string
	N      int
}

func build(d Data) *view {
	gen := d.Generated
	if gen.IsZero() {
		gen = time.Now()
	}
	gen = gen.UTC()
	a := d.Assessment
	if a == nil {
		a = d.Incident.Assessment
	}
	inc := d.Incident
	inc.Assessment = nil // shown from view.Assessment
	occ := make([]incident.Occurrence, len(d.Occurrences))
	copy(occ, d.Occurrences)
	for i := range occ {
		occ[i].Finding.Secret = "" // never render a raw secret
	}
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].ID < occ[j].ID })
	ev := make([]incident.Event, len(d.Events))
	copy(ev, d.Events)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At.Before(ev[j].At) })

	v := &view{Generated: gen, Incident: inc, Occurrences: occ, Events: ev, Assessment: a, Audit: d.Audit}
	v.Verification = verification(inc, a)
	v.SourceCounts = countSources(occ)
	v.Timeline = timeline(inc, occ, ev)
	used := d.Used
	if len(used) == 0 {
		// What a responder stated with report --used or incidents note --used.
		used = incident.UsedRepos(ev)
	}
	v.Used = used
	v.Scope = Recommend(a, used, gen)
	v.ScopeJSON = v.Scope.PasteJSON()
	v.Checklist = checklist(inc, a, occ, v.SourceCounts, d.Audit, d.Scans)
	v.Checklist = append(v.Checklist, nextSteps(len(v.Checklist)+1, inc, a, occ, ev, d.Scans, v.Scope, used, d.Linked)...)
	v.BottomLine = bottomLine(inc, a, occ, d.Audit, v.Checklist, gen)
	v.Mappings = mappings(inc, a, occ, v.Scope, gen)
	if a != nil {
		v.Graph = layout(a, maxRepoNodes)
	}
	return v
}

func verification(inc incident.Incident, a *assess.Report) string {
	if vf := inc.Verification; vf != nil {
		s := vf.Status
		if vf.Status == "invalid" && inc.ContainedAt != nil && inc.RevokeRequestedAt != nil {
			// The token fails because it was revoked, and that was proven.
			s = "revoked (confirmed " + fmtTime(*inc.ContainedAt) + ")"
		}
		if vf.Owner != "" {
			s += " (owner " + vf.Owner + ")"
		}
		if !vf.CheckedAt.IsZero() {
			s += ", checked " + fmtTime(vf.CheckedAt)
		}
		if vf.Reason != "" {
			s += ": " + vf.Reason
		}
		return s
	}
	if a != nil && a.Status != "" {
		return a.Status + " (from the assessment, " + fmtTime(a.CheckedAt) + ")"
	}
	return "not checked"
}

func countSources(occ []incident.Occurrence) []sourceCount {
	m := map[string]int{}
	for _, o := range occ {
		s := o.Finding.Source
		if s == "" {
			s = "unknown"
		}
		m[s]++
	}
	var out []sourceCount
	for s, n := range m {
		out = append(out, sourceCount{s, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func sourcesText(sc []sourceCount) string {
	var parts []string
	for _, s := range sc {
		parts = append(parts, fmt.Sprintf("%d %s", s.N, s.Source))
	}
	return strings.Join(parts, ", ")
}

// exposureStart is the incident's recorded exposure start, or the earliest
// time an occurrence's bytes were written.
func exposureStart(inc incident.Incident, occ []incident.Occurrence) (*time.Time, string) {
	if inc.ExposureStart != nil {
		return inc.ExposureStart, "earliest evidence recorded on the incident"
	}
	var best *time.Time
	for _, o := range occ {
		for _, t := range []*time.Time{o.Finding.CommitDate, o.Finding.Time} {
			if t != nil && finding.KnownTime(*t) && (best == nil || t.Before(*best)) {
				tt := *t
				best = &tt
			}
		}
	}
	if best != nil {
		return best, "earliest commit or write time among the occurrences"
	}
	return nil, "not known: no commit date or write time recorded"
}

func timeline(inc incident.Incident, occ []incident.Occurrence, ev []incident.Event) []TimelineEntry {
	var out []TimelineEntry
	es, why := exposureStart(inc, occ)
	out = append(out, TimelineEntry{"Exposure start", es, why})
	var fs *time.Time
	if !inc.FirstSeen.IsZero() {
		t := inc.FirstSeen
		fs = &t
	}
	det := "first recorded by hfwarden"
	if fs != nil && es != nil && !fs.Before(*es) {
		det += "; exposed for " + human(fs.Sub(*es)) + " before detection"
	}
	out = append(out, TimelineEntry{"First detection", fs, det})

	rr := inc.RevokeRequestedAt
	rrWhy := "revocation requested"
	if rr == nil {
		if e := findEvent(ev, func(e incident.Event) bool {
			return e.Kind == "revoke" || (e.Kind == "transition" && e.To == incident.RevokeRequested)
		}); e != nil {
			t := e.At
			rr, rrWhy = &t, "from the event log: "+e.Actor
		} else {
			rrWhy = "not recorded"
		}
	}
	out = append(out, TimelineEntry{"Revocation requested", rr, rrWhy})

	ca := inc.ContainedAt
	caWhy := "the token no longer works"
	if ca == nil {
		// The latest containment in the log, unless the incident was
		// re-opened after it (the token answered live again).
		var last *incident.Event
		reopened := false
		for i := range ev {
			switch {
			case ev[i].Kind == "transition" && ev[i].To == incident.Contained:
				last, reopened = &ev[i], false
			case ev[i].Kind == "transition" && ev[i].To == incident.Open && last != nil:
				reopened = true
			}
		}
		switch {
		case last != nil && reopened:
			caWhy = "not confirmed: re-opened after the containment of " + fmtTime(last.At)
		case last != nil:
			t := last.At
			ca, caWhy = &t, "from the event log: "+last.Actor
		default:
			caWhy = "not confirmed"
		}
	}
	if ca != nil && fs != nil && !ca.Before(*fs) {
		caWhy += "; " + human(ca.Sub(*fs)) + " after detection"
	}
	out = append(out, TimelineEntry{"Containment confirmed", ca, caWhy})
	return out
}

func findEvent(ev []incident.Event, f func(incident.Event) bool) *incident.Event {
	for i := range ev {
		if f(ev[i]) {
			return &ev[i]
		}
	}
	return nil
}

func checklist(inc incident.Incident, a *assess.Report, occ []incident.Occurrence, sc []sourceCount, audit *AuditSection, scans []incident.ScanRun) []ChecklistItem {
	items := []ChecklistItem{
		{Step: 1, Title: titleRevoke},
		{Step: 2, Title: titleScope},
		{Step: 3, Title: titleSearch},
		{Step: 4, Title: titleRunners},
		{Step: 5, Title: titleAudit},
	}
	if inc.State == incident.FalsePositive {
		for i := range items {
			items[i].Status, items[i].Label = StatusNotApplicable, "not applicable"
			items[i].Detail = "the incident was closed as a false positive"
		}
		return items
	}
	set := func(i int, status, label, detail string) {
		items[i].Status, items[i].Label, items[i].Detail = status, label, detail
	}

	switch {
	case inc.ContainedAt != nil:
		set(0, StatusDone, "done", "containment confirmed "+fmtTime(*inc.ContainedAt))
	case inc.RevokeRequestedAt != nil:
		set(0, StatusPending, "requested, not confirmed", "revocation requested "+fmtTime(*inc.RevokeRequestedAt)+"; confirm the token no longer works (verify) before closing this step")
	case a != nil && a.Status == "invalid":
		set(0, StatusPending, "pending", "the Hub already rejects the token ("+fmtTime(a.CheckedAt)+"); record the containment")
	default:
		set(0, StatusPending, "pending", fmt.Sprintf("run hfwarden revoke %d (it asks the Hub to revoke and confirms the token no longer works), %s", inc.ID, revokeByHand(inc.Rule)))
	}

	if a != nil {
		set(1, StatusDone, "done", fmt.Sprintf("assessed %s: %d repositories reachable, severity %s", fmtTime(a.CheckedAt), len(a.Repos), a.Severity))
	} else {
		set(1, StatusPending, "pending", "no assessment recorded: run the blast-radius assessment while the token still works, or from the owner's account")
	}

	// What each kind of search found, from the occurrences, and which
	// searches ran without finding the token, from the scan runs.
	git := false
	for _, s := range sc {
		if s.Source == "git" {
			git = true
		}
	}
	gitRun, gitIncomplete := lastRun(scans, inc.FirstSeen, "git")
	searched := "found in: " + sourcesText(sc)
	if len(sc) == 0 {
		searched = "no occurrences recorded"
	}
	switch {
	case git:
	case gitRun != nil:
		searched += "; git history" + targetsText(gitRun) + " scanned " + fmtTime(gitRun.At) + ", token absent"
	case gitIncomplete != nil:
		searched += "; the git history scan" + targetsText(gitIncomplete) + " at " + fmtTime(gitIncomplete.At) + " could not read everything"
	default:
		searched += "; git history not scanned"
	}
	// Other places in any number (files, images) are no search of the
	// commits: the step is done only once the git history was searched.
	if git || gitRun != nil {
		set(2, StatusDone, "done", searched+"; tickets and chat are searched outside hfwarden — record them as notes")
	} else {
		set(2, StatusPending, "pending", searched+"; scan git history and the other places the token may have been pasted")
	}

	cached := 0
	for _, o := range occ {
		switch o.Finding.Source {
		case "sweep", "image", "image-layer", "image-config":
			cached++
		}
	}
	sweepRun, _ := lastRun(scans, inc.FirstSeen, "sweep")
	imageRun, _ := lastRun(scans, inc.FirstSeen, "image")
	var absent []string
	if sweepRun != nil {
		absent = append(absent, "runner sweep"+targetsText(sweepRun)+" "+fmtTime(sweepRun.At))
	}
	if imageRun != nil {
		absent = append(absent, "image scan"+targetsText(imageRun)+" "+fmtTime(imageRun.At))
	}
	switch {
	case cached > 0:
		set(3, StatusDone, "done", fmt.Sprintf("%d occurrence(s) from runner sweeps or container images", cached))
	case len(absent) > 0:
		set(3, StatusDone, "done", strings.Join(absent, "; ")+": token absent")
	default:
		set(3, StatusPending, "pending", "no runner sweep or image scan recorded: check CI caches, environment dumps and image layers")
	}

	auditGap := ""
	if audit != nil && audit.Done {
		switch {
		case audit.Checked == 0:
			auditGap = "the audit checked no repositories: audit again with a token that lists them (the owner's, if the leaked one is revoked)"
		case inc.ContainedAt == nil:
			// Whatever the audit saw, the token may still write after it:
			// only a window reaching the containment covers the exposure.
			auditGap = "audited while still live: audit again after containment, the window must reach the containment"
		case audit.Until != nil && audit.Until.Before(*inc.ContainedAt):
			auditGap = "the audit's window ended " + fmtTime(*audit.Until) + ", before the containment " + fmtTime(*inc.ContainedAt) + ": audit again to cover the whole exposure"
		}
	}
	if audit != nil && audit.Done && audit.Attention {
		d := "audit found changes to review"
		if audit.At != nil {
			d += " " + fmtTime(*audit.At)
		}
		if audit.Summary != "" {
			d += ": " + audit.Summary
		}
		if auditGap != "" {
			d += "; " + auditGap
		}
		set(4, StatusAttention, "needs attention", d)
	} else if audit != nil && audit.Done && auditGap == "" {
		d := "audit complete"
		if audit.At != nil {
			d += " " + fmtTime(*audit.At)
		}
		if audit.Summary != "" {
			d += ": " + audit.Summary
		}
		set(4, StatusDone, "done", d)
	} else {
		d := "no audit recorded: check commits and files changed during the exposure window, webhooks, Space secrets and access logs"
		switch {
		case auditGap != "":
			d = auditGap
			if audit.Summary != "" {
				d += " (" + audit.Summary + ")"
			}
		case audit != nil:
			d = "audit started, not complete"
			if audit.Summary != "" {
				d += ": " + audit.Summary
			}
		}
		set(4, StatusPending, "pending", d)
	}
	return items
}

// lastRun returns the latest complete scan run of kind at or after since,
// and, when there is none, the latest incomplete one (which proves
// nothing about the token's absence).
func lastRun(scans []incident.ScanRun, since time.Time, kind string) (complete, incomplete *incident.ScanRun) {
	for i := range scans {
		r := &scans[i]
		if r.At.Before(since) || !slices.Contains(r.Kinds, kind) {
			continue
		}
		if r.Complete {
			if complete == nil || !r.At.Before(complete.At) {
				complete = r
			}
		} else if incomplete == nil || !r.At.Before(incomplete.At) {
			incomplete = r
		}
	}
	if complete != nil {
		incomplete = nil
	}
	return complete, incomplete
}

// targetsText names a scan run's targets, " of a, b" (at most three).
func targetsText(r *incident.ScanRun) string {
	if len(r.Targets) == 0 {
		return ""
	}
	t := r.Targets
	more := ""
	if len(t) > 3 {
		t, more = t[:3], fmt.Sprintf(" and %d more", len(r.Targets)-3)
	}
	return " of " + strings.Join(t, ", ") + more
}

func mappings(inc incident.Incident, a *assess.Report, occ []incident.Occurrence, rec Recommendation, now time.Time) []Mapping {
	var out []Mapping
	sc := countSources(occ)
	leak := fmt.Sprintf("the token of %s was exposed in %d place(s) (%s)", orUnknown(inc.Owner, a), len(occ), sourcesText(sc))
	if len(occ) == 0 {
		leak = "the token was exposed outside its intended store"
	}
	out = append(out, Mapping{"OWASP Non-Human Identities Top 10", "NHI2:2025", "Secret Leakage", leak})

	age := "Hugging Face user access tokens stay valid until revoked; its creation date is not known"
	if a != nil && a.Token.CreatedAt != nil {
		ref := inc.FirstSeen
		if ref.IsZero() {
			ref = now
		}
		age = fmt.Sprintf("the token was created %s and was %s old when detected; it had no expiry and stayed valid until revoked", fmtTime(*a.Token.CreatedAt), human(ref.Sub(*a.Token.CreatedAt)))
	}
	out = append(out, Mapping{"OWASP Non-Human Identities Top 10", "NHI7:2025", "Long-Lived Secrets", age})

	if a != nil {
		var w, adm int
		for _, r := range a.Repos {
			switch r.Access {
			case assess.Admin:
				adm++
			case assess.Write:
				w++
			}
		}
		why := fmt.Sprintf("it can write to %d and administer %d of %d reachable repositories", w, adm, len(a.Repos))
		if k := tokenKindNote(a); k != "" {
			why += " (" + k + ")"
		}
		why += fmt.Sprintf("; the recommended replacement needs %d repository entries", len(rec.Entries))
		out = append(out, Mapping{"OWASP Non-Human Identities Top 10", "NHI5:2025", "Overprivileged NHI", why})
	}

	who := orUnknown(inc.Owner, a)
	out = append(out, Mapping{"OWASP Agentic AI (Top 10 for Agentic Applications)", "Identity & privilege abuse", "Identity and privilege abuse of agent credentials",
		"a token found in code, notebooks or pipelines is the kind of credential agents and automation act with: whoever holds it acts as " + who + " with all its access, and nothing distinguishes them from the legitimate workload"})
	if a != nil {
		var pubW int
		for _, r := range a.Repos {
			if !r.Private && (r.Access == assess.Write || r.Access == assess.Admin) {
				pubW++
			}
		}
		if pubW > 0 {
			out = append(out, Mapping{"OWASP Agentic AI (Top 10 for Agentic Applications)", "Supply chain", "Agentic supply chain compromise",
				fmt.Sprintf("it can replace files in %d public repositories that agents and pipelines download models, datasets and tools from", pubW)})
		}
	}

	out = append(out,
		Mapping{"NIST AI RMF 1.0", "GOVERN", "Roles, responsibilities and accountability",
			"the incident has an owner (" + orDash(inc.Owner) + ") and an assignee (" + orDash(inc.Assignee) + "); every action is in the event log"},
		Mapping{"NIST AI RMF 1.0", "MAP", "Context and impacts",
			"the blast radius maps the models, datasets and Spaces the credential reaches and who depends on them"},
		Mapping{"NIST AI RMF 1.0", "MEASURE", "Tracking identified risks",
			"severity " + orDash(inc.Severity) + " is measured from effective access, and liveness is re-verified rather than assumed"},
		Mapping{"NIST AI RMF 1.0", "MANAGE 4.1 / 4.3", "Incident response, recovery and communication",
			"revocation, containment, scope review and audit are tracked and documented as the response checklist and timeline"},
	)
	return out
}

func orUnknown(owner string, a *assess.Report) string {
	if owner != "" {
		return owner
	}
	if a != nil && a.Owner != "" {
		return a.Owner
	}
	return "its owner"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t)
}

// human says a duration in days, hours or minutes.
func human(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
}

// pathText is an occurrence's path, with its git repository when it has
// one: the same path in two repositories is two places.
func pathText(o incident.Occurrence) string {
	l := o.Finding.Location
	if l.Repo != "" {
		return l.Path + " (in " + l.Repo + ")"
	}
	return l.Path
}

// imageLayerText names an image occurrence's layer by what a registry and
// a rebuild know it by: its number, the registry (compressed) digest and
// the diff id (the digest of the uncompressed tar), each when known; ""
// when the occurrence is not in a layer.
func imageLayerText(at map[string]string) string {
	digest, diff := at["layer_digest"], at["diff_id"]
	var ids []string
	switch {
	case digest != "" || diff != "":
		if digest != "" {
			ids = append(ids, "registry digest "+digest)
		}
		if diff != "" {
			ids = append(ids, "diff id "+diff)
		}
	case at["layer"] != "":
		// A record with only the layer attr: which digest it is depends
		// on the format, so it is not named as either.
		ids = append(ids, "id "+at["layer"])
	}
	if len(ids) == 0 && at["layer_index"] == "" {
		return ""
	}
	s := "layer"
	if n := at["layer_index"]; n != "" {
		s += " #" + n
	}
	if len(ids) > 0 {
		s += " (" + strings.Join(ids, ", ") + ")"
	}
	return s
}

// locText says where in its source an occurrence is.
func locText(o incident.Occurrence) string {
	l := o.Finding.Location
	var parts []string
	if img := l.Attrs["image"]; img != "" {
		parts = append(parts, "image "+img)
		if lt := imageLayerText(l.Attrs); lt != "" {
			parts = append(parts, lt)
		}
	}
	if l.Cell != nil {
		parts = append(parts, fmt.Sprintf("cell %d", *l.Cell))
		if l.Output != nil {
			parts = append(parts, fmt.Sprintf("output %d", *l.Output))
		}
	}
	if l.Field != "" {
		parts = append(parts, l.Field)
	}
	if l.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d, col %d", l.Line, l.Column))
	} else if l.Offset > 0 {
		parts = append(parts, fmt.Sprintf("offset %d", l.Offset))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

func commitText(o incident.Occurrence) string {
	f := o.Finding
	c := f.Location.Commit
	if c == "" && len(f.Commits) > 0 {
		c = f.Commits[0].Commit
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		return "—"
	}
	if f.Unreachable {
		c += " (unreachable)"
	}
	return c
}

func dateText(o incident.Occurrence) string {
	f := o.Finding
	if f.CommitDate != nil {
		return fmtTime(*f.CommitDate)
	}
	if f.Time != nil {
		return fmtTime(*f.Time)
	}
	return "seen " + fmtTime(o.SeenAt)
}

func authorText(o incident.Occurrence) string {
	f := o.Finding
	if f.Author == "" {
		return "—"
	}
	if f.Email != "" {
		return f.Author + " <" + f.Email + ">"
	}
	return f.Author
}

func encText(o incident.Occurrence) string {
	s := "plain"
	if len(o.Finding.Encodings) > 0 {
		s = strings.Join(o.Finding.Encodings, " → ")
	}
	if o.Finding.Split {
		s += fmt.Sprintf("; split across %d literals", max(len(o.Finding.Parts), 2))
	}
	return s
}

// tokenKindNote says what kind of token the assessment proved and what
// that kind reaches, "" when the kind is not known.
func tokenKindNote(a *assess.Report) string {
	switch a.TokenKind() {
	case assess.KindClassic:
		return fmt.Sprintf("a classic %s token: all of the owner's namespaces", a.Token.Role)
	case assess.KindFineGrained:
		return "a fine-grained token: the namespaces and repositories its scopes name"
	case assess.KindOAuth:
		return "an OAuth access token: what its scopes allow in the namespaces the user consented to"
	case assess.KindApp:
		if a.Token.Role != "" {
			return fmt.Sprintf("an app token with role %s: every repository of the namespaces it was installed on", a.Token.Role)
		}
		return "an app token: the namespaces it was installed on"
	case assess.KindOrg:
		return "a legacy organization token: the organization's repositories"
	}
	return ""
}

// revokeByHand says where the owner revokes the token without hfwarden. It
// follows the rule's own hint: an OAuth token is not listed in the token
// settings, so its hint points at the connected applications instead.
func revokeByHand(rule string) string {
	if r, ok := detect.Rule(rule); ok && r.Rotate != "" && !strings.Contains(r.Rotate, "huggingface.co/settings/tokens") {
		return "or by hand — " + detect.RotationHint(rule)
	}
	return "or revoke it at https://huggingface.co/settings/tokens (the owner or an org admin)"
}
