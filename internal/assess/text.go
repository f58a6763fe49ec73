package assess

import (
	"io"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// ownerLine is the owner's name with what the Hub said of it: the full
// name, the account type when it is not a user, the email. Nothing the
// answer left empty is printed.
func ownerLine(r *Report) string {
	var about []string
	if r.Fullname != "" {
		about = append(about, r.Fullname)
	}
	if r.OwnerType != "" && r.OwnerType != "user" {
		about = append(about, r.OwnerType)
	}
	s := r.Owner
	if len(about) > 0 {
		s += " (" + strings.Join(about, ", ") + ")"
	}
	if r.Email != "" {
		s += " <" + r.Email + ">"
	}
	return s
}

// tokenLine describes the token from what the assessment proved: its
// kind, name, role and creation date, each only when known. An OAuth or
// app token has no name, and an OAuth token no role: its scopes are
// listed below the line.
func tokenLine(r *Report) string {
	var parts []string
	if r.Token.Name != "" {
		parts = append(parts, strconv.Quote(r.Token.Name))
	}
	switch r.TokenKind() {
	case KindClassic:
		parts = append(parts, "classic "+r.Token.Role+" token")
	case KindFineGrained:
		parts = append(parts, "fine-grained token")
	case KindOAuth:
		parts = append(parts, "OAuth access token")
	case KindApp:
		parts = append(parts, "app token")
		if r.Token.Role != "" {
			parts = append(parts, "role "+r.Token.Role)
		}
	case KindOrg:
		parts = append(parts, "organization token")
		if r.Token.Role != "" {
			parts = append(parts, "role "+r.Token.Role)
		}
	default:
		if r.Token.Role != "" {
			parts = append(parts, "role "+r.Token.Role)
		}
		if r.Token.Type != "" {
			parts = append(parts, "type "+r.Token.Type)
		}
	}
	if r.Token.CreatedAt != nil {
		parts = append(parts, "created "+r.Token.CreatedAt.Format("2006-01-02"))
	}
	if len(parts) == 0 {
		return "kind not stated by the Hub"
	}
	return strings.Join(parts, ", ")
}

// WriteText writes r for a terminal, as "hfwarden assess" prints it: every
// field goes through termsafe, so that a name from the Hub cannot forge a
// line of the layout.
func WriteText(w io.Writer, r *Report) {
	termsafe.Fprintf(w, "token %s (fingerprint %.12s)  status: %s", r.Redacted, r.Fingerprint, strings.ToUpper(r.Status))
	if r.Reason != "" {
		termsafe.Fprintf(w, " — %s", r.Reason)
	}
	if v := r.ViewedBy; v != nil {
		// The status is the credential's: the token's own is not known
		// from this answer.
		termsafe.Fprintf(w, "\nviewed as %s via another credential %s (fingerprint %.12s, %q, role %s, type %s): the status is that credential's",
			v.Owner, v.Redacted, v.Fingerprint, v.Token.Name, orDash(v.Token.Role), orDash(v.Token.Type))
	}
	termsafe.Fprintf(w, "\nseverity: %s\n", strings.ToUpper(r.Severity))
	for _, why := range r.Reasons {
		termsafe.Fprintf(w, "  - %s\n", why)
	}
	if r.Status != "live" && r.Status != "incomplete" {
		return
	}
	termsafe.Fprintf(w, "\nowner: %s", ownerLine(r))
	if r.ViewedBy != nil {
		termsafe.Fprintf(w, "\ntoken: its own name, role and scopes are not known from another credential's view\n")
	} else {
		termsafe.Fprintf(w, "\ntoken: %s\n", tokenLine(r))
	}
	for _, s := range r.Token.Scopes {
		termsafe.Fprintf(w, "  scope %s\n", s)
	}
	termsafe.Fprintf(w, "can read gated repositories: %v\n", r.CanReadGated)
	if len(r.Orgs) > 0 {
		termsafe.Fprintf(w, "\norganizations:\n")
		for _, o := range r.Orgs {
			termsafe.Fprintf(w, "  %-30s %s\n", o.Name, o.Role)
		}
	}
	if r.Status == "incomplete" {
		termsafe.Fprintf(w, "\nrepositories (at least %d: not every listing answered):\n", len(r.Repos))
	} else {
		termsafe.Fprintf(w, "\nrepositories (%d):\n", len(r.Repos))
	}
	for _, rp := range r.Repos {
		flags := []string{}
		if rp.Private {
			flags = append(flags, "private")
		}
		if rp.Gated != "" {
			flags = append(flags, "gated:"+rp.Gated)
		}
		termsafe.Fprintf(w, "  %-6s %-8s %-45s %-20s %s\n", rp.Access, rp.Type, rp.ID, strings.Join(flags, ","), rp.Basis)
	}
	if len(r.Capabilities) > 0 {
		termsafe.Fprintf(w, "\nbeyond repositories:\n")
		for _, c := range r.Capabilities {
			termsafe.Fprintf(w, "  - %s\n", c)
		}
	}
	for _, warn := range r.Warnings {
		termsafe.Fprintf(w, "warning: %s\n", warn)
	}
}

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
