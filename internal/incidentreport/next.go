package incidentreport

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/incident"
)

// LinkedSecret is a non-Hugging Face secret found beside the leaked token
// (an incident of its own sharing a file or a commit with this one): it
// is rotated with it, at its issuer.
type LinkedSecret struct {
	IncidentID  int64          `json:"incident_id"`
	Rule        string         `json:"rule"`
	Redacted    string         `json:"redacted"`
	Fingerprint string         `json:"fingerprint"`
	State       incident.State `json:"state"`
	// Where names the file or commit it shares with the leaked token.
	Where string `json:"where"`
	// Rotate is the issuer and how to rotate it (detect.RotationHint).
	Rotate string `json:"rotate"`
}

// rotated reports whether the store proves a linked secret dealt with:
// its own incident reached containment or was closed.
func (l LinkedSecret) rotated() bool {
	switch l.State {
	case incident.Contained, incident.Audited, incident.Resolved, incident.FalsePositive:
		return true
	}
	return false
}

// Action is one concrete thing to do within a checklist step, with its
// own status and what proves it.
type Action struct {
	Status string `json:"status"`
	// Text says what to do (a command, a repository, a message to delete).
	Text string `json:"text"`
	// Proof says what in the store shows it done, or why it is pending.
	Proof string `json:"proof,omitempty"`
}

// BottomLine is the report's first sentence and its parts, each computed
// from the store; a part that is not known says so.
type BottomLine struct {
	Text string `json:"text"`
	// What leaked: the token's kind and its owner.
	What string `json:"what"`
	// Exposure: for how long and in how many places.
	Exposure string `json:"exposure"`
	// Reach: what it could write.
	Reach string `json:"reach"`
	// Done: the revocation as far as it is proven.
	Done string `json:"done"`
	// Audit: what the post-exposure audit found.
	Audit string `json:"audit"`
	// Open lists what is still to do, from the checklist.
	Open []string `json:"open"`
}

// Notes a responder records (incidents note N --message ...) that mark a
// step done: hfwarden cannot see whether people were told or a new token
// was made, so a note starting with these words is the proof.
const (
	notePrefixNotified = "notified"
	notePrefixReplaced = "replaced"
)

// noteStarting returns the latest note whose message starts with prefix
// (case-insensitively), or nil.
func noteStarting(ev []incident.Event, prefix string) *incident.Event {
	var got *incident.Event
	for i := range ev {
		if ev[i].Kind == "note" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ev[i].Message)), prefix) {
			got = &ev[i]
		}
	}
	return got
}

// Checklist step titles.
const (
	titleRevoke  = "Revoke the token"
	titleScope   = "Review its scope before issuing a replacement"
	titleSearch  = "Search commits, logs, notebooks, tickets and chat for copies"
	titleRunners = "Check CI runners and containers for cached copies"
	titleAudit   = "Review model integrity, repository history and access logs"
	titlePurge   = "Purge every copy (history, images, messages)"
	titleNotify  = "Notify the owners and users of every writable public repository"
	titleReplace = "Issue the least-privilege replacement"
	titleRotate  = "Rotate the secrets found beside it"
)

// nextSteps are the steps responders take after revocation: purge each
// copy, notify the people downstream of writable public repositories,
// issue the replacement, rotate the secrets found beside it. They follow
// the five first steps, numbered on from first.
func nextSteps(first int, inc incident.Incident, a *assess.Report, occ []incident.Occurrence, ev []incident.Event, scans []incident.ScanRun, rec Recommendation, used []string, linked []LinkedSecret) []ChecklistItem {
	purge := ChecklistItem{Step: first, Title: titlePurge}
	notify := ChecklistItem{Step: first + 1, Title: titleNotify}
	replace := ChecklistItem{Step: first + 2, Title: titleReplace}
	rotate := ChecklistItem{Step: first + 3, Title: titleRotate}
	if inc.State == incident.FalsePositive {
		out := []ChecklistItem{purge, notify, replace, rotate}
		for i := range out {
			out[i].Status, out[i].Label = StatusNotApplicable, "not applicable"
			out[i].Detail = "the incident was closed as a false positive"
		}
		return out
	}

	purge.Actions = purgeActions(inc, occ, scans)
	switch done := countDone(purge.Actions); {
	case len(purge.Actions) == 0:
		purge.Status, purge.Label, purge.Detail = StatusNotApplicable, "not applicable", "no occurrences recorded"
	case done == len(purge.Actions):
		purge.Status, purge.Label, purge.Detail = StatusDone, "done", fmt.Sprintf("all %d copies gone: complete scans after the last sighting no longer find the token", done)
	default:
		purge.Status, purge.Label = StatusPending, fmt.Sprintf("%d of %d not purged", len(purge.Actions)-done, len(purge.Actions))
		purge.Detail = "revoking the token does not remove it: rewrite history, rebuild images and delete messages, then scan again (a complete scan that no longer finds it marks the copy purged). Never paste the token into a command line: write the replace-text file in an editor."
	}

	if a == nil {
		notify.Status, notify.Label, notify.Detail = StatusPending, "unknown", "no assessment: which public repositories it could write is not known"
	} else {
		var pub []assess.Repo
		for _, r := range a.Repos {
			if !r.Private && (r.Access == assess.Write || r.Access == assess.Admin) {
				pub = append(pub, r)
			}
		}
		n := noteStarting(ev, notePrefixNotified)
		for _, r := range pub {
			act := Action{Status: StatusPending, Text: fmt.Sprintf("%s %s (%s): tell its owners and the people who download it that it was writable by a leaked token between the exposure start and the containment", r.Type, r.ID, r.Access)}
			if n != nil {
				act.Status, act.Proof = StatusDone, "note of "+n.Actor+" "+fmtTime(n.At)+": "+n.Message
			}
			notify.Actions = append(notify.Actions, act)
		}
		switch {
		case len(pub) == 0:
			notify.Status, notify.Label, notify.Detail = StatusNotApplicable, "not applicable", "it could write no public repository"
		case n != nil:
			notify.Status, notify.Label, notify.Detail = StatusDone, "done", fmt.Sprintf("%d public repositories; recorded by %s %s", len(pub), n.Actor, fmtTime(n.At))
		default:
			notify.Status, notify.Label, notify.Detail = StatusPending, "pending", fmt.Sprintf("%d public repositories it could write; record it with: hfwarden incidents note %d --message \"notified ...\"", len(pub), inc.ID)
		}
	}

	basis := "from the repositories stated as used (" + strings.Join(used, ", ") + ")"
	if len(used) == 0 {
		basis = fmt.Sprintf("nobody stated which repositories the token was used for, so it covers what it could write — state them with hfwarden report %d --used REPO...", inc.ID)
	}
	var entries []string
	for _, e := range rec.Entries {
		entries = append(entries, e.Type+" "+e.Name+" "+strings.Join(e.Permissions, "+"))
	}
	for _, e := range entries {
		replace.Actions = append(replace.Actions, Action{Status: StatusPending, Text: e})
	}
	scope := fmt.Sprintf("a fine-grained token with %d repository entries, no global permissions, expiring by %s; %s", len(rec.Entries), rec.RotateBy.Format("2006-01-02"), basis)
	n := noteStarting(ev, notePrefixReplaced)
	switch {
	case a == nil:
		replace.Status, replace.Label, replace.Detail = StatusPending, "unknown", "no assessment: the leaked token's reach, and so the replacement's scope, is unknown"
	case n != nil:
		for i := range replace.Actions {
			replace.Actions[i].Status = StatusDone
		}
		replace.Status, replace.Label, replace.Detail = StatusDone, "done", scope+"; recorded by "+n.Actor+" "+fmtTime(n.At)+": "+n.Message
	default:
		replace.Status, replace.Label, replace.Detail = StatusPending, "pending", scope+fmt.Sprintf(" (see the recommended replacement below); record it with: hfwarden incidents note %d --message \"replaced ...\"", inc.ID)
	}

	for _, l := range linked {
		act := Action{Status: StatusPending, Text: fmt.Sprintf("%s %s (incident #%d, %s) — %s", l.Rule, l.Redacted, l.IncidentID, l.Where, l.Rotate),
			Proof: "incident #" + fmt.Sprint(l.IncidentID) + " is " + string(l.State)}
		if l.rotated() {
			act.Status = StatusDone
		}
		rotate.Actions = append(rotate.Actions, act)
	}
	switch done := countDone(rotate.Actions); {
	case len(linked) == 0:
		rotate.Status, rotate.Label, rotate.Detail = StatusNotApplicable, "not applicable", "no other secret recorded in the same files or commits"
	case done == len(linked):
		rotate.Status, rotate.Label, rotate.Detail = StatusDone, "done", fmt.Sprintf("%d linked secrets, each incident contained or closed", done)
	default:
		rotate.Status, rotate.Label = StatusPending, fmt.Sprintf("%d of %d not rotated", len(linked)-done, len(linked))
		rotate.Detail = "whoever read the token read these too: rotate each at its issuer, then close its incident"
	}
	return []ChecklistItem{purge, notify, replace, rotate}
}

func countDone(acts []Action) int {
	n := 0
	for _, a := range acts {
		if a.Status == StatusDone {
			n++
		}
	}
	return n
}

// copyGroup gathers the occurrences that one purge action removes: a git
// repository's history, one image, one channel, one ticket, one file.
type copyGroup struct {
	kind    string // git, image, chat, ticket, file
	target  string
	paths   []string
	commits map[string][]string // path → the commits that introduced it there
	refs    []string
	// messages are the commits whose message holds the token.
	messages []string
	detail   []string
	occ      []incident.Occurrence
}

func purgeActions(inc incident.Incident, occ []incident.Occurrence, scans []incident.ScanRun) []Action {
	var groups []*copyGroup
	byKey := map[string]*copyGroup{}
	get := func(kind, target string) *copyGroup {
		k := kind + "\x00" + target
		if g, ok := byKey[k]; ok {
			return g
		}
		g := &copyGroup{kind: kind, target: target}
		byKey[k] = g
		groups = append(groups, g)
		return g
	}
	addU := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	for _, o := range occ {
		f := o.Finding
		l := f.Location
		at := l.Attrs
		var g *copyGroup
		switch {
		case l.Repo != "" || f.Source == "git":
			g = get("git", l.Repo)
			if g.commits == nil {
				g.commits = map[string][]string{}
			}
			if l.Field == "message" && l.Commit != "" {
				// In a commit (or tag) message, not in a file.
				addU(&g.messages, shortCommit(l.Commit))
				break
			}
			addU(&g.paths, l.Path)
			if l.Commit != "" {
				cs := g.commits[l.Path]
				addU(&cs, shortCommit(l.Commit))
				g.commits[l.Path] = cs
			}
			for _, c := range f.Commits {
				p := cmpOr(c.Path, l.Path)
				addU(&g.paths, p)
				cs := g.commits[p]
				addU(&cs, shortCommit(c.Commit))
				g.commits[p] = cs
			}
			for _, r := range f.Refs {
				if r != "HEAD" { // pushed as the branch it names
					addU(&g.refs, r)
				}
			}
		case at["image"] != "" || strings.HasPrefix(f.Source, "image"):
			g = get("image", cmpOr(at["image"], l.Path))
			if d := imageLayerText(at); d != "" {
				if at["path"] != "" {
					d += " file " + at["path"]
				}
				addU(&g.detail, d)
			} else if at["history_index"] != "" {
				addU(&g.detail, "config history entry "+at["history_index"])
			} else if l.Field != "" {
				addU(&g.detail, "config "+l.Field)
			}
		case at["channel"] != "":
			team := at["team"]
			if team != "" {
				team += "/"
			}
			g = get("chat", f.Source+" channel "+team+at["channel"])
			d := "message"
			if at["ts"] != "" {
				d += " ts " + at["ts"]
			}
			if at["thread_ts"] != "" {
				d += " in thread " + at["thread_ts"]
			}
			if at["user"] != "" {
				d += " by " + at["user"]
			}
			if l.Line > 0 {
				d += fmt.Sprintf(" (%s line %d)", filepath.Base(l.Path), l.Line)
			}
			addU(&g.detail, d)
		case at["issue"] != "" || at["number"] != "":
			g = get("ticket", f.Source+" "+cmpOr(at["issue"], "#"+at["number"]))
			d := cmpOr(at["field"], "body")
			if at["comment"] != "" {
				d = "comment " + at["comment"]
			}
			if at["author"] != "" {
				d += " by " + at["author"]
			}
			if at["url"] != "" {
				d += " " + at["url"]
			}
			addU(&g.detail, d)
		default:
			g = get("file", l.Path)
			if lt := locText(o); lt != "—" {
				addU(&g.detail, lt)
			}
		}
		g.occ = append(g.occ, o)
	}
	var out []Action
	for _, g := range groups {
		act := Action{Status: StatusPending, Text: g.instruction()}
		if r := purgedBy(inc, g, scans); r != nil {
			act.Status = StatusDone
			act.Proof = fmt.Sprintf("scan %s (%s) %s read everything and no longer finds the token (last seen %s)", r.ID, strings.Join(r.Kinds, ","), fmtTime(r.At), fmtTime(inc.LastSeen))
		} else {
			act.Proof = fmt.Sprintf("last seen %s; no complete scan of it since", fmtTime(inc.LastSeen))
		}
		out = append(out, act)
	}
	return out
}

// instruction says how to remove one group's copies. It never holds the
// secret: the replace-text file is written by the responder.
func (g *copyGroup) instruction() string {
	switch g.kind {
	case "git":
		repo := cmpOr(g.target, ".")
		s := fmt.Sprintf("git history of %s: git -C %s filter-repo --replace-text FILE (FILE: one line, the token's value followed by ==>REMOVED)", repo, shQuote(repo))
		var in, inv []string
		for _, p := range g.paths {
			t := p
			if cs := g.commits[p]; len(cs) > 0 {
				t += " (" + plural(len(cs), "commit", "commits") + " " + strings.Join(limit(cs, 8), ", ") + ")"
			}
			in = append(in, t)
			inv = append(inv, "--path "+shQuote(p))
		}
		if len(in) > 0 {
			s += "; it is in " + strings.Join(limit(in, 20), ", ")
			s += "; or drop those files: git -C " + shQuote(repo) + " filter-repo --invert-paths " + strings.Join(inv, " ")
		}
		if len(g.messages) > 0 {
			s += "; the message of " + plural(len(g.messages), "commit", "commits") + " " + strings.Join(limit(g.messages, 8), ", ") +
				" holds it too: add --replace-message FILE"
		}
		if len(g.refs) > 0 {
			s += "; then force-push " + strings.Join(limit(g.refs, 8), ", ")
		} else {
			s += "; then force-push every rewritten ref"
		}
		return s + ", and have the host drop cached pull-request refs and forks' copies"
	case "image":
		s := "image " + g.target + ": rebuild it without the secret (pass it as a build secret, not an ARG/ENV/COPY)"
		if len(g.detail) > 0 {
			s += "; it is in " + strings.Join(limit(g.detail, 8), "; ")
		}
		return s + "; then delete the old tags and digests from every registry they were pushed to"
	case "chat":
		return g.target + ": delete " + strings.Join(limit(g.detail, 8), "; ") + " (and any export or archive made of it)"
	case "ticket":
		return g.target + ": delete or edit " + strings.Join(limit(g.detail, 8), "; ") + " and its edit history"
	}
	s := "file " + g.target + ": remove the token"
	if len(g.detail) > 0 {
		s += " at " + strings.Join(limit(g.detail, 8), "; ")
	}
	if len(g.occ) > 0 && g.occ[0].Finding.Source == "notebook" {
		s += " (clear the notebook's outputs too)"
	}
	return s + ", and from its backups"
}

// purgedBy returns a complete scan of the group's place run after the
// token was last seen: had a copy still been there, that scan would have
// recorded it and moved the last sighting on.
func purgedBy(inc incident.Incident, g *copyGroup, scans []incident.ScanRun) *incident.ScanRun {
	var best *incident.ScanRun
	for i := range scans {
		r := &scans[i]
		if !r.Complete || !r.At.After(inc.LastSeen) {
			continue
		}
		if covers(r, g) && (best == nil || r.At.After(best.At)) {
			best = r
		}
	}
	return best
}

func covers(r *incident.ScanRun, g *copyGroup) bool {
	for _, t := range r.Targets {
		switch {
		case g.kind == "git":
			if slices.Contains(r.Kinds, "git") && t == g.target {
				return true
			}
			continue
		case g.kind == "image" && slices.Contains(r.Kinds, "image") && t == g.target:
			return true
		case !slices.Contains(r.Kinds, "file"):
			continue
		}
		// A file scan of the path holding the copy (a docker save
		// tarball, an export, a file, or a directory above it) read it
		// again; "!" separates an archive from its members.
		dir := strings.TrimSuffix(t, string(filepath.Separator))
		for _, o := range g.occ {
			p := o.Finding.Location.Path
			if p != "" && (p == t || strings.HasPrefix(p, dir+string(filepath.Separator)) || strings.HasPrefix(p, t+"!")) {
				return true
			}
		}
	}
	return false
}

// shQuote quotes s for a POSIX shell where it needs quoting, so that a
// printed command works when pasted.
func shQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._/@:+=-", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// bottomLine says the incident in one sentence: what leaked, where and
// for how long, what it could reach, what was done, what is still open.
func bottomLine(inc incident.Incident, a *assess.Report, occ []incident.Occurrence, audit *AuditSection, steps []ChecklistItem, now time.Time) BottomLine {
	var b BottomLine
	kind := "Hugging Face token"
	if a != nil {
		switch {
		case a.Token.Type == "oauth" || strings.HasPrefix(inc.Rule, "hf-oauth"):
			kind = "OAuth token"
		case a.Token.Role == "fineGrained" || len(a.Token.Scopes) > 0:
			kind = "Fine-grained token"
		case a.Token.Role != "":
			kind = strings.ToUpper(a.Token.Role[:1]) + a.Token.Role[1:] + " token"
		}
	}
	owner := inc.Owner
	if owner == "" && a != nil {
		owner = a.Owner
	}
	if owner != "" {
		b.What = kind + " of " + owner
	} else {
		b.What = kind + " of an unknown owner"
	}

	places := map[string]bool{}
	for _, o := range occ {
		places[placeKey(o)] = true
	}
	where := fmt.Sprintf("in %d %s", len(places), plural(len(places), "place", "places"))
	if sc := countSources(occ); len(sc) > 0 {
		where += " (" + sourcesText(sc) + ")"
	}
	es, _ := exposureStart(inc, occ)
	end, endWhy := now, "so far"
	if inc.ContainedAt != nil {
		end, endWhy = *inc.ContainedAt, ""
	}
	switch {
	case len(occ) == 0:
		b.Exposure = "exposure not recorded"
	case es == nil:
		b.Exposure = "exposed since an unknown time " + where
	default:
		d := human(end.Sub(*es))
		if endWhy != "" {
			d += " " + endWhy
		}
		b.Exposure = fmt.Sprintf("exposed for %s (since %s) %s", d, es.UTC().Format("2006-01-02"), where)
	}

	if a == nil {
		b.Reach = "reach unknown (no assessment)"
	} else {
		var w, pub int
		for _, r := range a.Repos {
			if r.Access == assess.Write || r.Access == assess.Admin {
				w++
				if !r.Private {
					pub++
				}
			}
		}
		lower, seen := "", ""
		if a.Status == "incomplete" {
			lower = "at least "
		}
		if v := a.ViewedBy; v != nil {
			// What another credential of the owner sees: a narrow one
			// (fine-grained, read, OAuth, app) only a lower bound.
			seen = " (as seen through another credential of " + v.Owner + ")"
			if !v.FullReach() {
				lower = "at least "
				seen = " (as seen through a narrower credential of " + v.Owner + ")"
			}
		}
		if w == 0 {
			b.Reach = fmt.Sprintf("could write no repository (read %s%d)%s", lower, len(a.Repos), seen)
		} else {
			b.Reach = fmt.Sprintf("could write %s%d %s (%d public)%s", lower, w, plural(w, "repo", "repos"), pub, seen)
		}
	}

	switch {
	case inc.State == incident.FalsePositive:
		b.Done = "closed as a false positive"
	case inc.ContainedAt != nil && inc.RevokeRequestedAt != nil:
		b.Done = "revoked and confirmed " + shortTime(*inc.ContainedAt, now)
	case inc.ContainedAt != nil:
		b.Done = "confirmed invalid " + shortTime(*inc.ContainedAt, now)
	case inc.RevokeRequestedAt != nil:
		b.Done = "revocation requested " + shortTime(*inc.RevokeRequestedAt, now) + ", not confirmed"
	default:
		b.Done = "not revoked"
	}

	switch {
	case audit == nil:
		b.Audit = "no audit yet"
	case !audit.Done:
		b.Audit = "audit not complete"
	case audit.Checked == 0:
		b.Audit = "audit checked no repository"
	case len(audit.Kinds) > 0:
		var parts []string
		for _, k := range sortedKeys(audit.Kinds) {
			parts = append(parts, fmt.Sprintf("%d %s", audit.Kinds[k], strings.ReplaceAll(k, "-", " ")))
		}
		b.Audit = "audit found " + strings.Join(parts, ", ")
	case audit.Attention:
		b.Audit = "audit found changes to review"
	default:
		b.Audit = "audit found nothing high or worse"
	}

	b.Open = []string{}
	for _, s := range steps {
		if s.Status != StatusPending && s.Status != StatusAttention {
			continue
		}
		if t := openText(s); t != "" {
			b.Open = append(b.Open, t)
		}
	}
	parts := []string{b.What + ", " + b.Exposure, b.Reach}
	b.Text = strings.Join(parts, ", ") + "; " + b.Done + "; " + b.Audit
	if len(b.Open) > 0 {
		b.Text += "; still open: " + strings.Join(b.Open, ", ")
	} else {
		b.Text += "; nothing left open"
	}
	return b
}

// openText says a pending step in a few words, or "" when the bottom
// line says it already (the revocation, the audit).
func openText(s ChecklistItem) string {
	pending := len(s.Actions) - countDone(s.Actions)
	switch s.Title {
	case titleRevoke:
		return "" // the bottom line's revocation part says it
	case titleScope:
		return "scope not reviewed"
	case titleSearch:
		return "other places not searched"
	case titleRunners:
		return "CI runners and images not checked"
	case titleAudit:
		if s.Status == StatusPending && strings.Contains(s.Detail, "still live") {
			return "audit again after containment"
		}
		if s.Status == StatusPending && strings.Contains(s.Detail, "before the containment") {
			return "audit again: its window ended before the containment"
		}
		return "" // the bottom line's audit part says it
	case titlePurge:
		return fmt.Sprintf("%d %s not purged", pending, plural(pending, "copy", "copies"))
	case titleNotify:
		if len(s.Actions) == 0 {
			return "public repositories to notify unknown"
		}
		return fmt.Sprintf("%d public %s to notify", pending, plural(pending, "repo", "repos"))
	case titleReplace:
		return "replacement not issued"
	case titleRotate:
		return fmt.Sprintf("%d linked %s not rotated", pending, plural(pending, "secret", "secrets"))
	}
	return strings.ToLower(s.Title)
}

// placeKey tells places apart: the same file in two commits is one place.
func placeKey(o incident.Occurrence) string {
	l := o.Finding.Location
	if img := l.Attrs["image"]; img != "" {
		return "image\x00" + img
	}
	if ch := l.Attrs["channel"]; ch != "" {
		return "chat\x00" + o.Finding.Source + "\x00" + ch
	}
	if is := l.Attrs["issue"]; is != "" {
		return "ticket\x00" + is
	}
	return l.Repo + "\x00" + l.Path
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// shortTime is a time as a sentence says it: the time of day when it is
// the report's day, the date and time otherwise.
func shortTime(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.Format("2006-01-02") == now.Format("2006-01-02") {
		return t.Format("15:04 UTC")
	}
	return t.Format("2006-01-02 15:04 UTC")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Summarize returns the report's bottom line for d without rendering it.
func Summarize(d Data) BottomLine { return build(d).BottomLine }
