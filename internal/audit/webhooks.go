package audit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hfwarden/hfwarden/internal/hub"
)

// auditWebhooks lists the owner's webhooks, one finding per webhook (its
// Repo names the repositories and namespaces it watches): a webhook unknown to the baseline is high
// (created since), any other medium (a standing way to be told of every
// change, worth confirming). A failed listing keeps the earlier snapshot's
// webhooks.
func auditWebhooks(ctx context.Context, o *Options, base *Baseline, rep *Report) {
	list, err := o.Client.Webhooks(ctx, o.Token)
	if err != nil {
		switch {
		case hub.ClassOf(err) == hub.Forbidden && (o.TokenKind == "app" || o.TokenKind == "org"):
			// No permission is missing: the Hub lets no app or
			// organization token manage webhooks, so only a user token
			// of an owner sees them.
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: refused: %s tokens cannot manage webhooks at all; list them with a user token of an owner (e.g. an admin of the organization): %v", o.TokenKind, err))
		case hub.ClassOf(err) == hub.Forbidden:
			// A 403 here is a missing permission, not a dead token (that
			// is a 401): say which one the listing needs.
			need := webhooksPermission(o.Token)
			rep.Missing = append(rep.Missing, need)
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: refused, the token lacks %s: %v", describePermission(need), err))
		default:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: %v", err))
		}
		if o.Baseline != nil {
			rep.Snapshot.Webhooks = o.Baseline.Webhooks
		}
		return
	}
	var known map[string]bool
	if base != nil && base.Webhooks != nil {
		known = map[string]bool{}
		for _, id := range base.Webhooks {
			known[id] = true
		}
	}
	rep.Snapshot.Webhooks = []string{}
	for _, w := range list {
		rep.Snapshot.Webhooks = append(rep.Snapshot.Webhooks, w.ID)
		var watched []string
		for _, it := range w.Watched {
			name := it.Name
			if it.Type == hub.RepoModel || it.Type == hub.RepoDataset || it.Type == hub.RepoSpace {
				name = it.Type + "/" + it.Name
			}
			watched = append(watched, name)
		}
		sev, why := Medium, "present"
		if known != nil && !known[w.ID] {
			sev, why = High, "created since the last snapshot"
		}
		action := "posts to " + hostOf(w.URL)
		if w.Job != nil {
			// A Job webhook runs code as its owner, with the webhook's
			// secret, on every event: a notch worse than a URL.
			action = "runs a Job (" + describeJob(w.Job) + ")"
			sev = map[string]string{Medium: High, High: Critical}[sev]
		}
		state := ""
		if w.Disabled {
			state = ", disabled"
		}
		ev := fmt.Sprintf("webhook %s %s: %s on %s for %s%s", w.ID, why, action, strings.Join(w.Domains, "+"), strings.Join(watched, ", "), state)
		// One finding per webhook, however many entities it watches: it
		// is one thing to confirm or delete, and counting it once per
		// entity inflated the findings (the demo's, watching acme and
		// alice, was two).
		rep.Findings = append(rep.Findings, Finding{Kind: KindWebhook, Repo: strings.Join(watched, ", "), Severity: sev, Ref: w.ID, Evidence: ev})
	}
}

// describeJob names what a Job webhook runs: its image (or Space), its
// hardware and the names of its environment variables. Never the command
// or the values: they may carry secrets.
func describeJob(j *hub.JobSpec) string {
	var parts []string
	switch {
	case j.DockerImage != "":
		parts = append(parts, "image "+sanitizeField(j.DockerImage))
	case j.SpaceID != "":
		parts = append(parts, "the image of Space "+sanitizeField(j.SpaceID))
	default:
		parts = append(parts, "no image named")
	}
	if j.Flavor != "" {
		parts = append(parts, "flavor "+sanitizeField(j.Flavor))
	}
	if len(j.Command)+len(j.Arguments) > 0 {
		parts = append(parts, fmt.Sprintf("a command of %d words", len(j.Command)+len(j.Arguments)))
	}
	if len(j.Environment) > 0 {
		keys := slices.Sorted(maps.Keys(j.Environment))
		for i := range keys {
			keys[i] = sanitizeField(keys[i])
		}
		parts = append(parts, "environment "+strings.Join(keys, ","))
	}
	return strings.Join(parts, ", ")
}

// sanitizeField bounds a server-provided name and keeps it on one line.
func sanitizeField(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

// webhooksPermission is what reading webhooks takes for token's kind: the
// OAuth scope "webhooks" for an OAuth token, the fine-grained permission
// user.webhooks.read for any other user token.
func webhooksPermission(token string) string {
	if strings.HasPrefix(token, "hf_oauth_") {
		return "oauth:webhooks"
	}
	return "user.webhooks.read"
}

// describePermission names a permission as the Hub's settings page does:
// an OAuth scope or a fine-grained permission.
func describePermission(p string) string {
	if s, ok := strings.CutPrefix(p, "oauth:"); ok {
		return "the OAuth scope `" + s + "`"
	}
	return "the fine-grained permission `" + p + "`"
}

// hostOf keeps a webhook URL's scheme and host: its path or query may carry
// a secret.
func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if k := strings.LastIndex(rest, "@"); k >= 0 {
			rest = rest[k+1:]
		}
		return u[:i+3] + rest
	}
	return "(unparsable URL)"
}
