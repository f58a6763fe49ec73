package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// ANSI SGR sequences used by coloured text output.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// group is every occurrence of one secret.
type group struct {
	findings []finding.Finding
}

// groupBySecret groups findings by fingerprint, keeping groups and their
// occurrences in input order so output is as deterministic as the input.
func groupBySecret(findings []finding.Finding) []group {
	var groups []group
	index := make(map[string]int)
	for i, f := range findings {
		key := f.Fingerprint
		if key == "" {
			// Without a fingerprint we cannot tell secrets apart; never merge.
			key = "\x00" + strconv.Itoa(i)
		}
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, group{})
		}
		groups[g].findings = append(groups[g].findings, f)
	}
	return groups
}

// textWriter keeps the first write error so the rendering code can stay
// linear instead of checking every Fprintf.
type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, format, args...)
}

// paint wraps s in an ANSI style when colour is on.
func (t *textWriter) paint(style, s string) string {
	if !t.color {
		return s
	}
	return style + s + ansiReset
}

func writeText(w io.Writer, findings []finding.Finding, stats finding.Stats, opt Options) error {
	t := &textWriter{w: w, color: opt.Color}
	groups := groupBySecret(findings)
	for i, g := range groups {
		if i > 0 {
			t.printf("\n")
		}
		t.group(g, opt)
	}
	if len(groups) > 0 {
		t.printf("\n")
	}
	t.summary(len(findings), len(groups), stats)
	return t.err
}

func (t *textWriter) group(g group, opt Options) {
	first := g.findings[0]
	conf := groupConfidence(g.findings)

	style := ansiBold + ansiRed
	if first.Linked {
		style = ansiBold + ansiYellow
	}
	shown := first.Redacted
	if opt.ShowSecrets {
		for _, f := range g.findings {
			if f.Secret != "" {
				shown = f.Secret
				break
			}
		}
	}
	desc := first.Description
	if desc == "" {
		desc = first.Rule
	}
	details := "fingerprint " + clean(shortFingerprint(first.Fingerprint)) + ", confidence " + clean(conf)
	if first.Linked {
		details += "; linked secret — rotate with the HF token"
	}
	t.printf("%s %s  %s  %s\n",
		t.paint(style, clean(desc)),
		t.paint(ansiDim, "["+clean(first.Rule)+"]"),
		t.paint(ansiBold, clean(shown)),
		t.paint(ansiDim, "("+details+")"))
	if v := first.Verification; v != nil {
		line := "status: " + strings.ToUpper(clean(v.Status))
		switch {
		case v.Owner != "":
			line += " — belongs to " + clean(v.Owner)
		case v.Reason != "":
			line += " — " + clean(v.Reason)
		}
		if v.Cached {
			line += " (checked " + v.CheckedAt.UTC().Format("15:04Z") + ")"
		}
		vstyle := ansiGreen
		switch v.Status {
		case "live":
			vstyle = ansiBold + ansiRed
		case "unknown":
			vstyle = ansiYellow
		}
		t.printf("  %s\n", t.paint(vstyle, line))
	}

	for _, f := range g.findings {
		t.printf("  %s", t.paint(ansiCyan, occurrence(f.Location)))
		if len(f.Encodings) > 0 {
			t.printf(" %s", t.paint(ansiGreen, "["+clean(strings.Join(f.Encodings, " → "))+"]"))
		}
		if f.Split {
			if n := len(f.Parts); n > 1 {
				t.printf(" (split across %d literals)", n)
			} else {
				t.printf(" (split across literals)")
			}
		}
		// The header shows the group's best confidence; flag weaker ones.
		if f.Confidence != conf && f.Confidence != "" {
			t.printf(" %s", t.paint(ansiDim, "(confidence "+clean(f.Confidence)+")"))
		}
		t.printf("\n")
		t.gitDetails(f)
		t.sourceDetails(f)
	}
}

// attrOrder puts the attributes people read first at the front; the
// others follow in name order.
var attrOrder = map[string]int{"note": 1, "image": 2, "image_id": 2, "layer": 3, "layer_digest": 3, "diff_id": 3, "channel": 4, "issue": 5, "number": 6, "comment": 7, "user": 8, "tool": 9, "purge": 10}

// sourceDetails prints what a container or export knows of the place: the
// image layer, chat channel, ticket comment, who wrote it and when, and
// for token caches which tool put it there and how to purge it.
func (t *textWriter) sourceDetails(f finding.Finding) {
	if f.Location.Commit != "" {
		return // gitDetails said it
	}
	keys := make([]string, 0, len(f.Location.Attrs))
	for k := range f.Location.Attrs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		oa, ob := attrOrder[a], attrOrder[b]
		if oa == 0 {
			oa = 100
		}
		if ob == 0 {
			ob = 100
		}
		if oa != ob {
			return oa - ob
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		if k == "tool" { // sweep: which tool cached the token
			parts = append(parts, "put there by "+clean(f.Location.Attrs[k]))
			continue
		}
		if k == "layer" {
			// "layer" (kept in JSON) is a copy of the registry digest or,
			// for a docker save archive, of the diff id: shown under
			// those names, it is not repeated under an ambiguous one.
			if v := f.Location.Attrs[k]; v == f.Location.Attrs["layer_digest"] || v == f.Location.Attrs["diff_id"] {
				continue
			}
		}
		parts = append(parts, clean(k)+": "+clean(f.Location.Attrs[k]))
	}
	if f.Author != "" || f.Time != nil {
		w := "written"
		if f.Author != "" {
			w += " by " + clean(f.Author)
		}
		if f.Time != nil {
			w += " at " + f.Time.UTC().Format(time.RFC3339)
		}
		parts = append(parts, w)
	}
	for _, p := range parts {
		t.printf("    %s\n", t.paint(ansiDim, p))
	}
}

// gitDetails prints where a history finding came from: the commit that
// introduced it first, its author and date, every other introduction, and
// which refs still hold it.
func (t *textWriter) gitDetails(f finding.Finding) {
	if f.Location.Commit == "" && f.Location.Object == "" {
		return
	}
	if f.Location.Repo != "" {
		t.printf("    %s %s\n", t.paint(ansiDim, "repository"), clean(f.Location.Repo))
	}
	if f.Location.Commit != "" {
		when := ""
		if f.CommitDate != nil {
			when = " " + f.CommitDate.UTC().Format("2006-01-02 15:04:05Z")
		}
		field := ""
		if f.Location.Field != "" && f.Location.Field != "blob" {
			field = " (" + clean(f.Location.Field) + ")"
		}
		t.printf("    %s%s by %s <%s>%s\n", t.paint(ansiDim, "commit "+shortID(f.Location.Commit)), field,
			clean(f.Author), clean(f.Email), when)
	}
	for _, in := range f.Commits[min(1, len(f.Commits)):] {
		t.printf("    %s %s by %s %s\n", t.paint(ansiDim, "also in "+shortID(in.Commit)), clean(in.Path),
			clean(in.Author), in.Date.UTC().Format("2006-01-02"))
	}
	switch {
	case f.Unreachable:
		t.printf("    %s\n", t.paint(ansiYellow, "unreachable: no ref holds it (force-pushed, stashed or dangling), yet the object is still in the repository"))
	case len(f.Refs) > 0:
		refs := f.Refs
		more := ""
		if len(refs) > 5 {
			refs, more = refs[:5], fmt.Sprintf(" and %d more", len(f.Refs)-5)
		}
		t.printf("    still in %s%s\n", clean(strings.Join(refs, ", ")), more)
	default:
		t.printf("    history only: no branch or tag tip holds it any more\n")
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// occurrence renders where a finding is, in the most useful form for its
// kind of source.
func occurrence(l finding.Location) string {
	p := clean(l.Path)
	switch {
	case l.Cell != nil:
		return p + " " + notebookPosition(l)
	case l.Line == 0:
		return fmt.Sprintf("%s @offset %d", p, l.Offset)
	case l.Column > 0:
		return fmt.Sprintf("%s:%d:%d", p, l.Line, l.Column)
	default:
		return fmt.Sprintf("%s:%d", p, l.Line)
	}
}

// notebookPosition renders "cell C [output O] line L" (or "@offset N").
// Notebook lines count from the start of the cell or output, not the file,
// so path:line would point at the wrong place.
func notebookPosition(l finding.Location) string {
	var b strings.Builder
	if l.Cell != nil {
		fmt.Fprintf(&b, "cell %d", *l.Cell)
	}
	if l.Output != nil {
		fmt.Fprintf(&b, " output %d", *l.Output)
	}
	if l.Line > 0 {
		fmt.Fprintf(&b, " line %d", l.Line)
	} else {
		fmt.Fprintf(&b, " @offset %d", l.Offset)
	}
	return b.String()
}

func (t *textWriter) summary(occurrences, secrets int, stats finding.Stats) {
	scanned := fmt.Sprintf("%s (%s) in %.2f s; %s",
		plural(stats.Files, "file", "files"),
		plural(stats.Bytes, "byte", "bytes"),
		stats.DurationSecs,
		plural(stats.Errors, "error", "errors"))
	if occurrences == 0 {
		t.printf("%s in %s\n", t.paint(ansiBold+ansiGreen, "no secrets found"), scanned)
		return
	}
	t.printf("%s of %s in %s\n",
		t.paint(ansiBold, plural(occurrences, "occurrence", "occurrences")),
		t.paint(ansiBold, plural(secrets, "secret", "secrets")),
		scanned)
}

// plural formats n with the singular or plural noun.
func plural[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// confidenceRank orders confidence levels; unknown levels rank lowest.
func confidenceRank(c string) int {
	switch c {
	case "high":
		return 3
	case "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}

// groupConfidence is the highest confidence among a secret's occurrences:
// one clear sighting is enough to treat the secret as real.
func groupConfidence(fs []finding.Finding) string {
	best := fs[0].Confidence
	for _, f := range fs[1:] {
		if confidenceRank(f.Confidence) > confidenceRank(best) {
			best = f.Confidence
		}
	}
	return best
}

// shortFingerprint is the first 12 hex digits: enough to tell secrets apart
// at a glance and to match against other outputs.
func shortFingerprint(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

// clean escapes control characters, invalid UTF-8 and other non-printing
// runes. Paths and previews come from scanned data, and a file name holding
// an escape sequence must not be able to drive the user's terminal (or hide
// text with bidi overrides).
func clean(s string) string { return termsafe.Escape(s) }
