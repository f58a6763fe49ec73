package incidentreport

import (
	"html/template"
	"io"
	"strings"

	"github.com/hfwarden/hfwarden/internal/termsafe"
)

var funcs = template.FuncMap{
	"time":    fmtTime,
	"timep":   fmtTimePtr,
	"loc":     locText,
	"path":    pathText,
	"commit":  commitText,
	"date":    dateText,
	"author":  authorText,
	"enc":     encText,
	"dash":    orDash,
	"join":    strings.Join,
	"add":     func(a, b int) int { return a + b },
	"sub":     func(a, b int) int { return a - b },
	"sources": sourcesText,
}

var htmlTmpl = template.Must(template.New("report").Funcs(funcs).Parse(htmlSrc))

// HTML writes the report as one self-contained HTML file: inline CSS and
// SVG, no scripts, no external resources.
//
// html/template escapes markup, not terminal controls: an ESC, a C1
// control or a bidi override in a file name or a Hub string (owner,
// organization, token name) would pass through raw, and the report is
// written to standard output by default. The template itself holds none,
// so the rendered page is escaped as a whole (termsafe.EscapeText: "\x1b",
// "\u202e"), which reaches every string from the data, present and future.
func HTML(w io.Writer, d Data) error {
	var b strings.Builder
	if err := htmlTmpl.Execute(&b, build(d)); err != nil {
		return err
	}
	_, err := io.WriteString(w, termsafe.EscapeText(b.String()))
	return err
}

const htmlSrc = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hfwarden incident {{.Incident.ID}} — {{.Incident.Redacted}}</title>
<style>
:root { --admin:#b91c1c; --write:#ea580c; --read:#2563eb; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:#111827; margin:0; background:#fff; }
main { max-width: 1140px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 12px; overflow-x: auto; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.mono { overflow-wrap: anywhere; }
th { background: var(--bg); font-weight: 600; font-size: 12.5px; }
dl.summary { display: grid; grid-template-columns: 200px 1fr; gap: 4px 16px; margin: 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.sev-critical { background: #7f1d1d; } .sev-high { background: var(--admin); } .sev-medium { background: var(--write); } .sev-low { background: var(--read); }
.acc { font-weight: 600; } .acc-admin { color: var(--admin); } .acc-write { color: var(--write); } .acc-read { color: var(--read); }
.graph { border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
svg text { font-family: system-ui, "DejaVu Sans", sans-serif; }
ol.checklist { list-style: none; padding: 0; margin: 0; }
ol.checklist li { display: grid; grid-template-columns: 34px 1fr 190px; gap: 10px; padding: 8px 10px; border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; margin-bottom: 6px; }
ol.checklist li.done { border-left-color: #15803d; }
ol.checklist li.pending { border-left-color: var(--write); }
ol.checklist li.not-applicable { border-left-color: var(--muted); color: var(--muted); }
ol.checklist li.attention { border-left-color: #b91c1c; } li.attention .status { color: #b91c1c; }
.step { font-weight: 700; font-size: 16px; }
.status { font-weight: 600; text-align: right; }
li.done .status { color: #15803d; } li.pending .status { color: #c2410c; }
.detail { color: #374151; font-size: 13px; }
ul.actions { list-style: none; padding: 0; margin: 6px 0 0; font-size: 12.5px; }
ul.actions li { display: block; border: 0; padding: 2px 0; margin: 0; overflow-wrap: anywhere; }
ul.actions li.done .mark { color: #15803d; } ul.actions li.pending .mark { color: #c2410c; }
.bottom-line { font-size: 16px; line-height: 1.5; background: #fef2f2; border: 1px solid #fecaca; border-left: 6px solid #b91c1c; border-radius: 6px; padding: 10px 14px; margin: 10px 0 12px; }
ul.timeline { list-style: none; padding: 0; margin: 0 0 12px; border-left: 3px solid var(--line); }
ul.timeline li { position: relative; padding: 4px 0 10px 18px; }
ul.timeline li::before { content: ""; position: absolute; left: -8px; top: 8px; width: 13px; height: 13px; border-radius: 50%; background: #15803d; }
ul.timeline li.missing::before { background: #fff; border: 2px solid var(--muted); }
ul.timeline .when { font-weight: 600; }
.muted { color: var(--muted); }
.note { background: #fffbeb; border: 1px solid #fde68a; padding: 8px 12px; border-radius: 6px; }
@media print { h2 { break-after: avoid; } .graph, table, li { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>Leaked token incident #{{.Incident.ID}}: <span class="mono">{{.Incident.Redacted}}</span></h1>
<p class="bottom-line" id="bottom-line"><strong>Bottom line:</strong> {{.BottomLine.Text}}.</p>
<p class="meta">Generated {{time .Generated}} by hfwarden. This report holds no secret: only a redacted preview and the SHA-256 fingerprint.</p>

<section id="summary">
<h2>Summary</h2>
<dl class="summary">
<dt>Token (redacted)</dt><dd class="mono">{{.Incident.Redacted}}</dd>
<dt>Fingerprint (SHA-256)</dt><dd class="mono">{{.Incident.Fingerprint}}</dd>
<dt>Rule</dt><dd>{{.Incident.Rule}}</dd>
<dt>State</dt><dd><strong>{{.Incident.State}}</strong></dd>
<dt>Owner</dt><dd>{{if .Incident.Owner}}{{.Incident.Owner}}{{else if .Assessment}}{{dash .Assessment.Owner}}{{else}}—{{end}}</dd>
<dt>Organizations</dt><dd>{{if .Incident.Orgs}}{{join .Incident.Orgs ", "}}{{else}}—{{end}}</dd>
<dt>Assignee</dt><dd>{{dash .Incident.Assignee}}</dd>
<dt>Verification</dt><dd>{{.Verification}}</dd>
<dt>Occurrences</dt><dd>{{len .Occurrences}}{{if .SourceCounts}} ({{sources .SourceCounts}}){{end}}</dd>
<dt>First / last seen</dt><dd>{{time .Incident.FirstSeen}} / {{time .Incident.LastSeen}}</dd>
</dl>
</section>

<section id="severity">
<h2>Severity</h2>
{{with .Assessment}}
<p><span class="badge sev-{{.Severity}}">{{.Severity}}</span> &nbsp;assessment status <strong>{{.Status}}</strong>, checked {{time .CheckedAt}}{{if .Token.Name}}; token “{{.Token.Name}}”{{end}}{{if .Token.Role}}, role {{.Token.Role}}{{end}}{{if .Token.CreatedAt}}, created {{timep .Token.CreatedAt}}{{end}}</p>
<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>
{{if .Capabilities}}<h3>Beyond repositories</h3><ul>{{range .Capabilities}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Token.Scopes}}<h3>Fine-grained scopes</h3><p class="mono">{{join .Token.Scopes ", "}}</p>{{end}}
{{if .Warnings}}<div class="note"><strong>Not everything could be checked:</strong><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{else}}
<p><span class="badge sev-{{.Incident.Severity}}">{{dash .Incident.Severity}}</span> No assessment recorded: the blast radius is unknown.</p>
{{end}}
</section>

<section id="blast-radius-section">
<h2>Blast radius</h2>
{{with .Graph}}
<div class="graph">
<svg id="blast-radius" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="br-title" viewBox="0 0 {{.W}} {{.H}}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="br-title">Blast radius: token → owner → namespaces → repositories ({{.Caption}})</title>
<g class="legend">
{{range .Legend}}<line x1="{{.X}}" y1="18" x2="{{add .X 28}}" y2="18" stroke="{{.Color}}" stroke-width="3"{{if .Dashed}} stroke-dasharray="5 4"{{end}}/><rect x="{{add .X 34}}" y="10" width="16" height="16" rx="3" fill="{{.Color}}"/><text x="{{add .X 56}}" y="22" font-size="12" fill="#111827">{{.Label}}</text>
{{end}}<text x="{{sub .W 10}}" y="22" font-size="12" fill="#6b7280" text-anchor="end">{{.Caption}}</text>
</g>
<g class="edges" fill="none">
{{range .Edges}}<path class="edge access-{{.Access}}" d="{{.D}}" stroke="{{.Color}}" stroke-width="{{if .Dashed}}1.5{{else}}2{{end}}" stroke-opacity="0.75"{{if .Dashed}} stroke-dasharray="5 4"{{end}}/>
{{end}}</g>
<g class="nodes">
{{range .Nodes}}<g class="node {{.Kind}} access-{{.Access}}" id="{{.ID}}" data-access="{{.Access}}"><title>{{.Title}}</title>
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" rx="4" fill="{{.Color}}" fill-opacity="0.12" stroke="{{.Color}}" stroke-width="1.5"/>
{{if eq .Kind "repo" "more"}}<text x="{{add .X 6}}" y="{{add .Y 13}}" font-size="11.5" fill="#111827">{{.Label}}</text><text x="{{sub (add .X .W) 6}}" y="{{add .Y 13}}" font-size="10.5" fill="#4b5563" text-anchor="end">{{.Sub}}</text>
{{else if eq .Kind "ns"}}<text x="{{add .X 6}}" y="{{add .Y 13}}" font-size="11.5" font-weight="600" fill="#111827">{{.Label}}</text><text x="{{sub (add .X .W) 6}}" y="{{add .Y 13}}" font-size="10" fill="#4b5563" text-anchor="end">{{.Sub}}</text>
{{else}}<text x="{{add .X 6}}" y="{{add .Y 13}}" font-size="12" font-weight="600" fill="#111827">{{.Label}}</text><text x="{{.X}}" y="{{sub .Y 5}}" font-size="10.5" fill="#4b5563">{{.Sub}}</text>
{{end}}</g>
{{end}}</g>
</svg>
</div>
{{else}}<p class="muted">No assessment: nothing to draw.</p>{{end}}
{{with .Assessment}}
<h3>Repositories ({{len .Repos}})</h3>
<table id="repos">
<thead><tr><th>Repository</th><th>Type</th><th>Private</th><th>Gated</th><th>Access</th><th>Basis</th></tr></thead>
<tbody>
{{range .Repos}}<tr><td class="mono">{{.ID}}</td><td>{{.Type}}</td><td>{{if .Private}}yes{{else}}no{{end}}</td><td>{{if .Gated}}{{.Gated}}{{else}}no{{end}}</td><td class="acc acc-{{.Access}}">{{.Access}}</td><td>{{.Basis}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">No repositories reachable.</td></tr>
{{end}}</tbody>
</table>
{{if .Orgs}}<h3>Organizations</h3>
<table><thead><tr><th>Organization</th><th>Role</th><th>Plan</th></tr></thead><tbody>
{{range .Orgs}}<tr><td>{{.Name}}</td><td>{{.Role}}</td><td>{{dash .Plan}}</td></tr>
{{end}}</tbody></table>{{end}}
{{end}}
</section>

<section id="occurrences">
<h2>Occurrences ({{len .Occurrences}})</h2>
<table>
<thead><tr><th>#</th><th>Source</th><th>Path</th><th>Where</th><th>Commit</th><th>Author</th><th>Date</th><th>Encodings</th></tr></thead>
<tbody>
{{range .Occurrences}}<tr><td>{{.ID}}</td><td>{{.Finding.Source}}</td><td class="mono">{{path .}}</td><td>{{loc .}}</td><td class="mono">{{commit .}}</td><td>{{author .}}</td><td>{{date .}}</td><td>{{enc .}}</td></tr>
{{else}}<tr><td colspan="8" class="muted">No occurrences recorded.</td></tr>
{{end}}</tbody>
</table>
</section>

<section id="timeline">
<h2>Timeline</h2>
<ul class="timeline">
{{range .Timeline}}<li class="{{if .At}}recorded{{else}}missing{{end}}"><span class="when">{{.Milestone}}</span> — {{timep .At}}<br><span class="muted">{{.Detail}}</span></li>
{{end}}</ul>
<h3>Event log</h3>
<table id="events">
<thead><tr><th>When</th><th>Who</th><th>What</th><th>Why</th></tr></thead>
<tbody>
{{range .Events}}<tr><td>{{time .At}}</td><td>{{.Actor}}</td><td>{{.Kind}}{{if .To}}: {{if .From}}{{.From}} → {{end}}{{.To}}{{end}}</td><td>{{dash .Message}}</td></tr>
{{else}}<tr><td colspan="4" class="muted">No events recorded.</td></tr>
{{end}}</tbody>
</table>
</section>

<section id="response">
<h2>Response checklist</h2>
<ol class="checklist" id="checklist">
{{range .Checklist}}<li class="{{.Status}}" id="step-{{.Step}}" data-status="{{.Status}}"><span class="step">{{.Step}}.</span><div><strong>{{.Title}}</strong><div class="detail">{{.Detail}}</div>{{if .Actions}}<ul class="actions">{{range .Actions}}<li class="{{.Status}}" data-status="{{.Status}}"><span class="mark">{{if eq .Status "done"}}✓{{else}}○{{end}}</span> {{.Text}}{{if .Proof}} <span class="muted">— {{.Proof}}</span>{{end}}</li>{{end}}</ul>{{end}}</div><span class="status">{{.Label}}</span></li>
{{end}}</ol>
</section>

<section id="mappings">
<h2>Framework mapping</h2>
<table>
<thead><tr><th>Framework</th><th>Item</th><th>Why it applies here</th></tr></thead>
<tbody>
{{range .Mappings}}<tr><td>{{.Framework}}</td><td><strong>{{.ID}}</strong> {{.Name}}</td><td>{{.Why}}</td></tr>
{{end}}</tbody>
</table>
</section>

<section id="replacement">
<h2>Recommended replacement token</h2>
<p>A fine-grained token with repository-level permissions only, no global permissions, {{if .Scope.CanReadGatedRepos}}gated repositories readable (a gated repository is among the entries){{else}}no access to gated repositories{{end}}, expiring or rotated by <strong>{{.Scope.RotateBy.Format "2006-01-02"}}</strong> ({{.Scope.ExpiresInDays}} days).</p>
{{if .Scope.Fallback}}<p class="note"><strong>Fallback:</strong> nobody stated which repositories the token was used for, so this covers every repository the leaked token could write. Narrow it.</p>{{end}}
<table id="scope">
<thead><tr><th>Type</th><th>Repository</th><th>Permissions</th><th>Why</th></tr></thead>
<tbody>
{{range .Scope.Entries}}<tr><td>{{.Type}}</td><td class="mono">{{.Name}}</td><td class="mono">{{join .Permissions ", "}}</td><td>{{.Reason}}</td></tr>
{{else}}<tr><td colspan="4" class="muted">No repository needs a permission.</td></tr>
{{end}}</tbody>
</table>
{{if .Scope.Notes}}<ul>{{range .Scope.Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h3>Permissions (JSON)</h3>
<pre id="scope-json">{{.ScopeJSON}}</pre>
</section>

{{with .Audit}}<section id="audit">
<h2>Audit</h2>
<p>{{if .Done}}Complete{{else}}In progress{{end}}{{if .At}}, {{timep .At}}{{end}}{{if .Summary}}: {{.Summary}}{{end}}</p>
{{if .Findings}}<ul>{{range .Findings}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>{{end}}
</main>
</body>
</html>
`
