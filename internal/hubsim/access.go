package hubsim

import (
	"net/http"
	"slices"
	"strings"
)

// principal is who makes a request: anonymous (tok nil), a user, or an
// organization (legacy org token).
type principal struct {
	tok  *token
	user *user
	org  *org
}

// level is an amount of access to a repository.
type level int

const (
	levelNone level = iota
	levelRead
	levelWrite
)

// op is what a request does with a repository.
type op int

const (
	opRead    op = iota // metadata, tree, commits, discussions
	opContent           // file content: gating applies
	opWrite             // anything that changes the repository
)

const msgInvalidCredentials = "Invalid credentials in Authorization header"

// authenticate finds the principal of a request. A missing header is the
// anonymous principal; an unknown, revoked or expired token is an error.
func (s *Server) authenticate(r *http.Request) (principal, *response) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, nil
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return principal{}, errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
	}
	t := s.st.tokens[strings.TrimSpace(raw)]
	if t == nil || !t.revokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt)) {
		return principal{}, errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
	}
	switch t.Kind {
	case KindOrg:
		return principal{tok: t, org: s.st.orgs[t.User]}, nil
	case KindApp:
		return principal{tok: t}, nil // the app is neither a user nor an org
	}
	return principal{tok: t, user: s.st.users[t.User]}, nil
}

// roleLevel is what an organization, resource group or app role allows.
func roleLevel(role string) level {
	switch role {
	case "admin", "write":
		return levelWrite
	case "contributor", "read":
		return levelRead // a contributor writes only what they created
	}
	return levelNone
}

// accountLevel is what the account behind p may do with r, whatever its
// token, and whether it owns r or belongs to the owning organization. In
// an organization, a repository of a resource group follows the member's
// role in the group, whatever their org role (org admins manage every
// group); a private one is out of reach of the others. A no_access member
// reaches only the repositories of their groups.
func (st *state) accountLevel(p principal, r *repo) (level, bool) {
	switch {
	case p.tok != nil && p.tok.Kind == KindApp:
		if slices.Contains(p.tok.Entities, r.ns) {
			return roleLevel(p.tok.Role), true
		}
	case p.user != nil && p.user.name == r.ns:
		return levelWrite, true
	case p.user != nil && p.user.roleIn(r.ns) != "":
		role := p.user.roleIn(r.ns)
		switch {
		case role == "admin":
			return levelWrite, true
		case r.group != "" && p.user.groupRoleIn(r.ns, r.group) != "":
			return roleLevel(p.user.groupRoleIn(r.ns, r.group)), true
		case r.group == "" && role != "no_access":
			return roleLevel(role), true
		}
	case p.org != nil && p.org.name == r.ns:
		return levelWrite, true
	}
	if !r.private {
		return levelRead, false
	}
	return levelNone, false
}

// tokenLevel is the most p's token allows on r: its role for classic and
// org tokens, its scopes and the organizations the user consented to for
// OAuth tokens, its scoped permissions for fine-grained ones; an app
// token's role is its account's.
func tokenLevel(p principal, r *repo) level {
	switch {
	case p.tok == nil || p.tok.Kind == KindApp:
		return levelWrite // the account level decides
	case p.tok.Kind == KindOAuth:
		return p.tok.oauthLevel(r)
	case p.tok.Kind != KindFineGrained && p.tok.Role == "write":
		return levelWrite
	case p.tok.Kind != KindFineGrained:
		return levelRead
	}
	perms := p.tok.repoPermissions(r)
	switch {
	case slices.Contains(perms, "repo.write"):
		return levelWrite
	case slices.Contains(perms, "repo.content.read"):
		return levelRead
	}
	return levelNone
}

// oauthLevel is what an OAuth token's repository scopes allow on r (hub-docs
// oauth.md): on the user's own repositories, and on an organization's only
// when the user granted the app that organization.
func (t *token) oauthLevel(r *repo) level {
	if r.ns != t.User && !slices.Contains(t.Orgs, r.ns) {
		return levelNone
	}
	switch {
	case t.hasScope("write-repos", "manage-repos"):
		return levelWrite
	case t.hasScope("read-repos"):
		return levelRead
	}
	return levelNone
}

// hasScope reports whether an OAuth token holds one of the scopes.
func (t *token) hasScope(scopes ...string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(t.Scopes, s) })
}

// repoPermissions collects a fine-grained token's permissions that apply to
// r: scopes on the owner (user or org), on r's resource group or on r
// itself.
func (t *token) repoPermissions(r *repo) []string {
	var perms []string
	for _, sc := range t.FineGrained.Scoped {
		e := sc.Entity
		if (e.Type == "user" && e.Name == t.User && e.Name == r.ns) ||
			(e.Type == "org" && e.Name == r.ns) ||
			(e.Type == "resource-group" && r.group != "" && e.Name == r.ns+"/"+r.group) ||
			(e.Type == r.typ && e.Name == r.id) {
			perms = append(perms, sc.Permissions...)
		}
	}
	return perms
}

// hasUserPermission reports whether a fine-grained token holds a
// user-level permission, globally or scoped on its own user.
func (t *token) hasUserPermission(perm string) bool {
	if slices.Contains(t.FineGrained.Global, perm) {
		return true
	}
	for _, sc := range t.FineGrained.Scoped {
		if sc.Entity.Type == "user" && sc.Entity.Name == t.User && slices.Contains(sc.Permissions, perm) {
			return true
		}
	}
	return false
}

// effectiveLevel is what p may do with r, or levelNone with member false
// when r is invisible to p.
func (st *state) effectiveLevel(p principal, r *repo) (level, bool) {
	acct, member := st.accountLevel(p, r)
	eff := min(acct, tokenLevel(p, r))
	if !r.private && eff < levelRead {
		eff = levelRead // public repositories are readable with any token
	}
	if acct == levelNone {
		eff = levelNone
	}
	return eff, member
}

// visible reports whether r is listed for p.
func (st *state) visible(p principal, r *repo) bool {
	if p.tok != nil && r.private {
		if _, ok := p.tok.orgRevoked[r.ns]; ok {
			return false
		}
	}
	eff, _ := st.effectiveLevel(p, r)
	return eff >= levelRead
}

// authorize returns nil when p may do o with r, or the error the Hub gives.
func (s *Server) authorize(p principal, r *repo, o op) *response {
	if p.tok != nil {
		if _, ok := p.tok.orgRevoked[r.ns]; ok {
			return errResp(http.StatusForbidden, "", "Your token has been revoked by the organization administrator. Please create a new token or contact the administrators of "+r.ns+".")
		}
	}
	acct, member := s.st.accountLevel(p, r)
	if acct == levelNone {
		return repoNotFound(p)
	}
	if r.disabled {
		// huggingface_hub recognises a disabled repository by this exact
		// message on a 403, whoever asks and whatever for.
		return errResp(http.StatusForbidden, "", msgDisabled)
	}
	eff, _ := s.st.effectiveLevel(p, r)
	fineGrained := p.tok != nil && p.tok.Kind == KindFineGrained
	switch o {
	case opRead, opContent:
		if eff < levelRead && p.tok != nil && p.tok.Kind == KindOAuth {
			return errResp(http.StatusForbidden, "", "This OAuth token has no read-repos scope granted for "+r.typ+" "+r.id)
		}
		if eff < levelRead {
			return errResp(http.StatusForbidden, "", "Access denied. This fine-grained token does not have the permission repo.content.read on "+r.typ+" "+r.id)
		}
		// Members pass the gate with a token that has rights on the
		// repository itself; a fine-grained token scoped elsewhere reads
		// it only as a public gated repository (canReadGatedRepos).
		if o == opContent && r.gated != "" && !(member && tokenLevel(p, r) >= levelRead) {
			return s.gate(p, r, member)
		}
	case opWrite:
		if p.tok == nil {
			return errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
		}
		what := r.typ + " " + r.id
		switch {
		case eff == levelWrite:
		case acct < levelWrite && member:
			return errResp(http.StatusForbidden, "", "Your role in "+r.ns+" does not allow writing to "+what)
		case acct < levelWrite:
			return errResp(http.StatusForbidden, "", "You don't have write access to "+what)
		case fineGrained:
			return errResp(http.StatusForbidden, "", "Access denied. This fine-grained token does not have the permission repo.write on "+what)
		case p.tok.Kind == KindOAuth:
			return errResp(http.StatusForbidden, "", "This OAuth token has no write-repos scope granted for "+what)
		default:
			return errResp(http.StatusForbidden, "", "This token has the read role and cannot write to "+what)
		}
	}
	return nil
}

// gate decides access to the files of a gated repository for a
// non-member (or a member whose token has no rights on it): only users
// whose access request was accepted, or members, get in. An
// "auto" repository accepts every request at once, but a signed-in user
// who never asked is refused all the same (huggingface_hub
// tests/test_hf_api.py test_auth_check_gated_repo). Fine-grained tokens
// also need canReadGatedRepos, OAuth tokens the gated-repos or read-repos
// scope.
func (s *Server) gate(p principal, r *repo, member bool) *response {
	what := "Access to " + r.typ + " " + r.id + " is restricted"
	if p.tok == nil {
		return errResp(http.StatusUnauthorized, "GatedRepo", what+". You must have access to it and be authenticated to access it. Please log in.")
	}
	if p.user == nil || !(member || r.approved[p.user.name]) {
		return errResp(http.StatusForbidden, "GatedRepo", what+" and you are not in the authorized list. Visit the repository page to ask for access.")
	}
	if p.tok.Kind == KindFineGrained && !p.tok.FineGrained.CanReadGatedRepos {
		return errResp(http.StatusForbidden, "GatedRepo", what+". This fine-grained token cannot read gated repositories (canReadGatedRepos is false).")
	}
	if p.tok.Kind == KindOAuth && !p.tok.hasScope("gated-repos", "read-repos", "write-repos", "manage-repos") {
		return errResp(http.StatusForbidden, "GatedRepo", what+". This OAuth token has neither the gated-repos nor the read-repos scope.")
	}
	return nil
}

// msgDisabled is the Hub's message for a repository it has disabled.
const msgDisabled = "Access to this resource is disabled."

// repoNotFound is the answer for a repository that does not exist or that
// p may not see: 401 without a token (the Hub cannot tell who asks), 404
// with one, so that a private repository looks exactly like a missing one.
func repoNotFound(p principal) *response {
	status := http.StatusNotFound
	if p.tok == nil {
		status = http.StatusUnauthorized
	}
	return errResp(status, "RepoNotFound", "Repository not found")
}
