package incidentreport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// mdEscaper neutralises Markdown and inline HTML in untrusted text, and
// keeps it on one line so that it cannot break a table.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\r", " ", "\n", " ",
)

// md makes untrusted text safe in Markdown: control characters and bidi
// overrides escaped first (a Markdown report is often read in a terminal,
// and its text is Hub- and file-provided), then Markdown itself.
func md(s string) string { return mdEscaper.Replace(termsafe.Escape(s)) }

// Markdown writes the report as Markdown: the same sections as HTML, with
// the graph left to the HTML report.
func Markdown(w io.Writer, d Data) error {
	v := build(d)
	b := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	inc := v.Incident

	p("# Leaked token incident #%d: %s\n\n", inc.ID, md(inc.Redacted))
	p("**Bottom line:** %s.\n\n", md(v.BottomLine.Text))
	p("Generated %s by hfwarden. This report holds no secret: only a redacted preview and the SHA-256 fingerprint.\n\n", fmtTime(v.Generated))
	for _, section := range []func(*bufio.Writer, printf, *view){
		mdSummary, mdSeverity, mdBlastRadius, mdOccurrences, mdChecklist, mdMappings, mdScope, mdAudit,
	} {
		section(b, p, v)
	}
	return b.Flush()
}

// printf writes to the report being written.
type printf func(format string, a ...any)

// mdSummary writes the incident's summary table.
func mdSummary(_ *bufio.Writer, p printf, v *view) {
	inc, a := v.Incident, v.Assessment
	p("## Summary\n\n| | |\n|---|---|\n")
	owner := inc.Owner
	if owner == "" && a != nil {
		owner = a.Owner
	}
	rows := [][2]string{
		{"Token (redacted)", inc.Redacted}, {"Fingerprint (SHA-256)", inc.Fingerprint}, {"Rule", inc.Rule},
		{"State", string(inc.State)}, {"Owner", orDash(owner)}, {"Organizations", orDash(strings.Join(inc.Orgs, ", "))},
		{"Assignee", orDash(inc.Assignee)}, {"Verification", v.Verification},
		{"Occurrences", fmt.Sprintf("%d (%s)", len(v.Occurrences), sourcesText(v.SourceCounts))},
		{"First / last seen", fmtTime(inc.FirstSeen) + " / " + fmtTime(inc.LastSeen)},
	}
	for _, r := range rows {
		p("| %s | %s |\n", r[0], md(r[1]))
	}
}

// mdSeverity writes the assessment's severity and its reasons.
func mdSeverity(b *bufio.Writer, p printf, v *view) {
	inc, a := v.Incident, v.Assessment
	p("\n## Severity\n\n")
	if a != nil {
		p("**%s** — assessment status %s, checked %s", md(a.Severity), md(a.Status), fmtTime(a.CheckedAt))
		if a.Token.CreatedAt != nil {
			p("; token created %s", fmtTime(*a.Token.CreatedAt))
		}
		p("\n\n")
		list(b, a.Reasons)
		if len(a.Capabilities) > 0 {
			p("\nBeyond repositories:\n\n")
			list(b, a.Capabilities)
		}
		if len(a.Warnings) > 0 {
			p("\nNot everything could be checked:\n\n")
			list(b, a.Warnings)
		}
	} else {
		p("%s. No assessment recorded: the blast radius is unknown.\n", md(orDash(inc.Severity)))
	}
}

// mdBlastRadius writes the repositories and organizations the token
// reaches, as tables.
func mdBlastRadius(_ *bufio.Writer, p printf, v *view) {
	a := v.Assessment
	p("\n## Blast radius\n\n")
	if a != nil {
		p("The graph (token → owner → namespaces → repositories) is in the HTML report; see the HTML report for the graph.\n\n")
		p("| Repository | Type | Private | Gated | Access | Basis |\n|---|---|---|---|---|---|\n")
		for _, r := range a.Repos {
			p("| %s | %s | %s | %s | %s | %s |\n", md(r.ID), md(r.Type), yesNo(r.Private), md(orNo(r.Gated)), md(string(r.Access)), md(r.Basis))
		}
		if len(a.Repos) == 0 {
			p("| — | | | | | |\n")
		}
		if len(a.Orgs) > 0 {
			p("\n| Organization | Role | Plan |\n|---|---|---|\n")
			for _, o := range a.Orgs {
				p("| %s | %s | %s |\n", md(o.Name), md(o.Role), md(orDash(o.Plan)))
			}
		}
	} else {
		p("No assessment: nothing to show.\n")
	}
}

// mdOccurrences writes where the token was found, the timeline and the
// event log.
func mdOccurrences(_ *bufio.Writer, p printf, v *view) {
	p("\n## Occurrences\n\n| # | Source | Path | Where | Commit | Author | Date | Encodings |\n|---|---|---|---|---|---|---|---|\n")
	for _, o := range v.Occurrences {
		p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", o.ID, md(o.Finding.Source), md(pathText(o)), md(locText(o)),
			md(commitText(o)), md(authorText(o)), md(dateText(o)), md(encText(o)))
	}

	p("\n## Timeline\n\n")
	for _, t := range v.Timeline {
		p("- **%s** — %s: %s\n", t.Milestone, fmtTimePtr(t.At), md(t.Detail))
	}
	p("\n### Event log\n\n| When | Who | What | Why |\n|---|---|---|---|\n")
	for _, e := range v.Events {
		p("| %s | %s | %s | %s |\n", fmtTime(e.At), md(e.Actor), md(eventWhat(e)), md(orDash(e.Message)))
	}
}

// mdChecklist writes the response checklist with its actions ticked.
func mdChecklist(_ *bufio.Writer, p printf, v *view) {
	p("\n## Response checklist\n\n")
	for _, c := range v.Checklist {
		box := " "
		if c.Status == StatusDone {
			box = "x"
		}
		p("%d. [%s] **%s** — *%s*: %s\n", c.Step, box, c.Title, c.Label, md(c.Detail))
		for _, a := range c.Actions {
			sub := " "
			if a.Status == StatusDone {
				sub = "x"
			}
			p("   - [%s] %s", sub, md(a.Text))
			if a.Proof != "" {
				p(" — *%s*", md(a.Proof))
			}
			p("\n")
		}
	}
}

// mdMappings writes the framework mapping table.
func mdMappings(_ *bufio.Writer, p printf, v *view) {
	p("\n## Framework mapping\n\n| Framework | Item | Why it applies here |\n|---|---|---|\n")
	for _, m := range v.Mappings {
		p("| %s | **%s** %s | %s |\n", md(m.Framework), md(m.ID), md(m.Name), md(m.Why))
	}
}

// mdScope writes the recommended replacement token and its permissions.
func mdScope(b *bufio.Writer, p printf, v *view) {
	s := v.Scope
	p("\n## Recommended replacement token\n\n")
	gated := "no access to gated repositories"
	if s.CanReadGatedRepos {
		gated = "gated repositories readable (a gated repository is among the entries)"
	}
	p("A fine-grained token with repository-level permissions only, no global permissions, %s, expiring or rotated by **%s** (%d days).\n\n", gated, s.RotateBy.Format("2006-01-02"), s.ExpiresInDays)
	if s.Fallback {
		p("> **Fallback:** nobody stated which repositories the token was used for, so this covers every repository the leaked token could write. Narrow it.\n\n")
	}
	p("| Type | Repository | Permissions | Why |\n|---|---|---|---|\n")
	for _, e := range s.Entries {
		p("| %s | %s | %s | %s |\n", md(e.Type), md(e.Name), md(strings.Join(e.Permissions, ", ")), md(e.Reason))
	}
	if len(s.Entries) == 0 {
		p("| — | | | no repository needs a permission |\n")
	}
	if len(s.Notes) > 0 {
		p("\n")
		list(b, s.Notes)
	}
	// The JSON is in a fence longer than any backtick run it could hold.
	fence := "```"
	for strings.Contains(v.ScopeJSON, fence) {
		fence += "`"
	}
	p("\nPermissions (JSON):\n\n%sjson\n%s\n%s\n", fence, termsafe.EscapeJSON(v.ScopeJSON), fence)
}

// mdAudit writes the audit's state and findings, when there was one.
func mdAudit(b *bufio.Writer, p printf, v *view) {
	if au := v.Audit; au != nil {
		p("\n## Audit\n\n")
		state := "In progress"
		if au.Done {
			state = "Complete"
		}
		p("%s", state)
		if au.At != nil {
			p(", %s", fmtTime(*au.At))
		}
		if au.Summary != "" {
			p(": %s", md(au.Summary))
		}
		p("\n")
		if len(au.Findings) > 0 {
			p("\n")
			list(b, au.Findings)
		}
	}
}

func list(b *bufio.Writer, items []string) {
	for _, s := range items {
		fmt.Fprintf(b, "- %s\n", md(s))
	}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func orNo(s string) string {
	if s == "" {
		return "no"
	}
	return s
}

func eventWhat(e incident.Event) string {
	s := e.Kind
	if e.To != "" {
		s += ": "
		if e.From != "" {
			s += string(e.From) + " → "
		}
		s += string(e.To)
	}
	return s
}

// jsonReport is the JSON shape of a report.
type jsonReport struct {
	Generated        time.Time             `json:"generated"`
	BottomLine       BottomLine            `json:"bottom_line"`
	UsedFor          []string              `json:"used_for"`
	Incident         incident.Incident     `json:"incident"`
	Occurrences      []incident.Occurrence `json:"occurrences"`
	Events           []incident.Event      `json:"events"`
	Assessment       *assess.Report        `json:"assessment"`
	Timeline         []TimelineEntry       `json:"timeline"`
	Checklist        []ChecklistItem       `json:"checklist"`
	Mappings         []Mapping             `json:"mappings"`
	RecommendedScope Recommendation        `json:"recommended_scope"`
	Audit            *AuditSection         `json:"audit"`
}

// JSON writes the report as one indented JSON object.
func JSON(w io.Writer, d Data) error {
	v := build(d)
	r := jsonReport{Generated: v.Generated, BottomLine: v.BottomLine, UsedFor: v.Used, Incident: v.Incident, Occurrences: v.Occurrences, Events: v.Events,
		Assessment: v.Assessment, Timeline: v.Timeline, Checklist: v.Checklist, Mappings: v.Mappings,
		RecommendedScope: v.Scope, Audit: v.Audit}
	if r.UsedFor == nil {
		r.UsedFor = []string{}
	}
	if r.Occurrences == nil {
		r.Occurrences = []incident.Occurrence{}
	}
	if r.Events == nil {
		r.Events = []incident.Event{}
	}
	enc := json.NewEncoder(termsafe.JSONWriter(w))
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
