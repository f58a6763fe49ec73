// Package assess answers, for one token, the questions of a leak: is it
// live, whose is it, what can it reach — every model, dataset and space of
// its owner and of each organization, with the effective access — and how
// bad is that.
//
// Effective access is the token's power intersected with the owner's role:
// a classic token's role (read or write) ∩ the owner's role in the org, and
// for a fine-grained token its scoped permissions on the user, the org or
// the repository ∩ the org role. An OAuth token's power is its scopes
// (read-repos, write-repos, manage-repos, read from its JWT) on the orgs the
// user consented to; an app token's is its scope's role on its entities.
// Where that is ambiguous (an org "contributor" may write to the
// repositories they created, an OAuth app's org consent, an org whose
// resource groups grant roles of their own, a scope on a resource group)
// the Hub's auth-check endpoint decides write; a private repository the Hub
// lists for the token is readable.
package assess

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// Access is what a token can do to a repository.
type Access string

// Access levels, weakest first.
const (
	None  Access = "none"
	Read  Access = "read"
	Write Access = "write"
	Admin Access = "admin"
)

func (a Access) rank() int { return slices.Index([]Access{None, Read, Write, Admin}, a) }

func minAccess(a, b Access) Access {
	if a.rank() < b.rank() {
		return a
	}
	return b
}

// Report is the assessment of one token.
type Report struct {
	// Status is "live", "invalid", "unknown" (the Hub did not answer
	// conclusively: rate-limited, server error, unexpected content) or
	// "incomplete": the token is live, but a repository listing failed (or a
	// caller's deadline cut the assessment short), so
	// what it reaches is at least Repos, not necessarily all of it (Reason
	// says which listings).
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Fingerprint string    `json:"fingerprint"`
	Redacted    string    `json:"redacted"`
	CheckedAt   time.Time `json:"checked_at"`
	Endpoint    string    `json:"endpoint"`
	// Owner is the account the token acts as.
	Owner     string `json:"owner,omitempty"`
	OwnerType string `json:"owner_type,omitempty"`
	Fullname  string `json:"fullname,omitempty"`
	Email     string `json:"email,omitempty"`
	Token     Token  `json:"token"`
	// CanReadGated is set when the token may read gated repositories the
	// owner was granted access to.
	CanReadGated bool   `json:"can_read_gated"`
	Orgs         []Org  `json:"orgs"`
	Repos        []Repo `json:"repos"`
	// Capabilities are the token's powers beyond repositories.
	Capabilities []string `json:"capabilities"`
	// Severity is critical, high, medium, low or none ("unknown" when the
	// status is unknown), with the reasons for it.
	Severity string   `json:"severity"`
	Reasons  []string `json:"reasons"`
	// Warnings say what could not be listed or checked.
	Warnings []string `json:"warnings,omitempty"`
	// ViewedBy is set when the assessment was made with another
	// credential than the token it is about (the owner's, once the leaked
	// one is revoked): Owner, Orgs, Repos and Capabilities are what that
	// credential reaches (all its owner can do only for a classic write
	// token, see FullReach), and Token is unknown.
	ViewedBy *Credential `json:"viewed_by,omitempty"`
}

// Credential is the other token an assessment was made with: never the
// token itself, only its redacted preview and fingerprint.
type Credential struct {
	Redacted    string `json:"redacted"`
	Fingerprint string `json:"fingerprint"`
	// Owner is the account the credential acts as.
	Owner string `json:"owner"`
	// Token is the credential's own metadata (name, role, scopes).
	Token Token `json:"token"`
}

// ViewThrough turns r, an assessment made with another credential, into
// the assessment of the token whose fingerprint and redacted preview are
// given: the credential moves to ViewedBy, and what the Hub said about the
// credential's own role and scopes is no longer claimed for the token.
func (r *Report) ViewThrough(fingerprint, redacted string) {
	r.ViewedBy = &Credential{Redacted: r.Redacted, Fingerprint: r.Fingerprint, Owner: r.Owner, Token: r.Token}
	r.Fingerprint, r.Redacted = fingerprint, redacted
	r.Token = Token{Scopes: []string{}}
	what := "what this credential reaches (a classic write token: all its owner can do now)"
	if !r.ViewedBy.FullReach() {
		what = "what this credential reaches, narrower than the owner's reach: a lower bound"
	}
	r.Reasons = append(r.Reasons, fmt.Sprintf("viewed as %s via another credential (%s, fingerprint %.12s): %s, not the token's own role and scopes", r.ViewedBy.Owner, r.ViewedBy.Redacted, r.ViewedBy.Fingerprint, what))
}

// FullReach reports whether the credential sees all its owner can do: a
// classic token with the write or admin role. A fine-grained, read, OAuth
// or app credential may see less than the leaked token could, so its view
// is only a lower bound of the owner's reach.
func (c *Credential) FullReach() bool {
	t := c.Token
	return (t.Role == "write" || t.Role == "admin") && (t.Type == "" || t.Type == "access_token") && len(t.Scopes) == 0
}

// Token is the token's own metadata.
type Token struct {
	Name      string     `json:"name,omitempty"`
	Role      string     `json:"role,omitempty"`
	Type      string     `json:"type,omitempty"` // access_token, oauth, …
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// Scopes lists fine-grained permissions as "global:PERM" and
	// "TYPE:NAME:PERM", and an OAuth token's scopes as "oauth:SCOPE".
	Scopes []string `json:"scopes"`
}

// Org is an organization the owner belongs to.
type Org struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Plan string `json:"plan,omitempty"`
}

// Repo is a repository the token can reach, with its effective access.
type Repo struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Owner   string `json:"owner"`
	Private bool   `json:"private"`
	Gated   string `json:"gated,omitempty"`
	Access  Access `json:"access"`
	// Basis says where the access comes from.
	Basis string `json:"basis"`
	// groups names the owner's resource groups (and roles) in the org
	// that might grant write here: which repositories a group holds only
	// auth-check tells, so the basis names them only once it has.
	groups string
}

// Token kinds as [Report.TokenKind] names them.
const (
	KindClassic     = "classic"
	KindFineGrained = "fine-grained"
	KindOAuth       = "oauth"
	KindApp         = "app"
	KindOrg         = "org"
)

// TokenKind is the kind of token the assessment proved: KindClassic,
// KindFineGrained, KindOAuth, KindApp or KindOrg (a legacy organization
// token), "" when the answer did not say (or the assessment was made
// through another credential, whose kind is not the token's).
func (r *Report) TokenKind() string {
	switch {
	case r.ViewedBy != nil || (r.Status != "live" && r.Status != "incomplete"):
		return ""
	case r.OwnerType == "app" || r.Token.Type == "app_token":
		return KindApp
	case r.OwnerType == "org":
		return KindOrg
	case r.Token.Type == "oauth":
		return KindOAuth
	case r.Token.Role == "fineGrained":
		return KindFineGrained
	case r.Token.Role == "read" || r.Token.Role == "write" || r.Token.Role == "admin":
		return KindClassic
	}
	return ""
}

// Options tune an assessment.
type Options struct {
	// Workers is how many listing requests run at once (the client's rate
	// limit still applies); default 8.
	Workers int
	// MaxAuthChecks bounds the auth-check calls for ambiguous access;
	// default 200. Beyond it, access stays at what is certain.
	MaxAuthChecks int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

var repoTypes = []string{hub.RepoModel, hub.RepoDataset, hub.RepoSpace}

// Assess checks token against the Hub and maps what it can reach. An error
// is returned only when the assessment could not run at all; a token the
// Hub does not answer for conclusively gives Status "unknown".
func Assess(ctx context.Context, c *hub.Client, token string, opt Options) (*Report, error) {
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.MaxAuthChecks == 0 {
		opt.MaxAuthChecks = 200
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Report{
		Fingerprint: secret.Fingerprint(token), Redacted: secret.Redact(token),
		CheckedAt: opt.Now().UTC(), Endpoint: c.Endpoint(),
		Orgs: []Org{}, Repos: []Repo{}, Capabilities: []string{}, Reasons: []string{},
		Token: Token{Scopes: []string{}},
	}
	w, err := c.WhoAmI(ctx, token)
	switch {
	case err == nil:
		r.Status = "live"
	case hub.ClassOf(err) == hub.InvalidCredentials:
		r.Status, r.Severity = "invalid", "none"
		r.Reason = "the Hub rejects the token (401 Invalid credentials): it is revoked or never existed"
		r.Reasons = append(r.Reasons, "the token does not work: nothing is reachable with it now")
		return r, nil
	case errors.Is(err, context.Canceled):
		return nil, err
	default:
		r.Status, r.Severity = "unknown", "unknown"
		r.Reason = err.Error()
		r.Reasons = append(r.Reasons, "the Hub did not answer conclusively; treat the token as live until checked again")
		return r, nil
	}
	describeIdentity(r, w, token)
	g := newGrants(w, token)
	r.CanReadGated = g.canReadGated
	r.Capabilities = g.capabilities(w)

	// List every owner's repositories of every type, concurrently.
	owners := []ownerRef{{name: w.Name, isOrg: false}}
	if g.kind == kindApp {
		// An app acts on its scope's users and organizations, not on an
		// account of its own.
		owners = owners[:0]
		if w.Scope != nil {
			for _, e := range w.Scope.Entities {
				owners = append(owners, ownerRef{name: e, isOrg: true, role: w.Scope.Role})
			}
		}
	}
	for _, o := range w.Orgs {
		owners = append(owners, ownerRef{name: o.Name, isOrg: true, role: o.RoleInOrg})
	}
	type listing struct {
		owner ownerRef
		typ   string
		repos []hub.RepoSummary
		err   error
	}
	var jobs []listing
	for _, o := range owners {
		for _, t := range repoTypes {
			jobs = append(jobs, listing{owner: o, typ: t})
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, opt.Workers)
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			jobs[i].repos, jobs[i].err = c.ListRepos(ctx, token, jobs[i].typ, jobs[i].owner.name)
		}()
	}
	wg.Wait()
	var ambiguous []int
	var failed []string
	for _, j := range jobs {
		if j.err != nil {
			if errors.Is(j.err, context.Canceled) {
				return nil, j.err
			}
			// A listing that failed is not an empty one: the assessment
			// says it is incomplete instead of showing a smaller reach.
			failed = append(failed, fmt.Sprintf("%ss of %s", j.typ, j.owner.name))
			r.Warnings = append(r.Warnings, fmt.Sprintf("listing %ss of %s: %v", j.typ, j.owner.name, j.err))
			continue
		}
		for _, rs := range j.repos {
			if rs.Disabled {
				// The Hub answers 403 disabled to every request on it,
				// auth-check included: nobody reads or writes it, so it
				// is listed but not counted.
				r.Repos = append(r.Repos, Repo{ID: rs.ID, Type: j.typ, Owner: j.owner.name, Private: rs.Private,
					Gated: string(rs.Gated), Access: None, Basis: "disabled by the Hub"})
				continue
			}
			acc, basis, groups, unsure := g.access(j.owner, j.typ, rs)
			if acc == None {
				continue
			}
			r.Repos = append(r.Repos, Repo{ID: rs.ID, Type: j.typ, Owner: j.owner.name, Private: rs.Private,
				Gated: string(rs.Gated), Access: acc, Basis: basis, groups: groups})
			if unsure {
				ambiguous = append(ambiguous, len(r.Repos)-1)
			}
		}
	}
	settleAmbiguous(ctx, c, token, r, ambiguous, opt)
	settleGated(ctx, c, token, r, opt)
	sort.Slice(r.Repos, func(a, b int) bool {
		x, y := r.Repos[a], r.Repos[b]
		if x.Access.rank() != y.Access.rank() {
			return x.Access.rank() > y.Access.rank()
		}
		return x.Type+"/"+x.ID < y.Type+"/"+y.ID
	})
	rate(r, g)
	if len(failed) > 0 {
		r.Status = "incomplete"
		r.Reason = fmt.Sprintf("%d of %d repository listings failed (%s): the token reaches at least what is shown, maybe more",
			len(failed), len(jobs), strings.Join(failed, ", "))
		r.Reasons = append(r.Reasons, "the severity is a lower bound: not every repository could be listed")
	}
	return r, nil
}

// settleAmbiguous asks the Hub's auth-check/write for repositories whose
// write access cannot be derived, up to the configured bound.
func settleAmbiguous(ctx context.Context, c *hub.Client, token string, r *Report, idx []int, opt Options) {
	if len(idx) > opt.MaxAuthChecks {
		r.Warnings = append(r.Warnings, fmt.Sprintf("write access of %d repositories not checked (auth-check bound %d): reported as read", len(idx)-opt.MaxAuthChecks, opt.MaxAuthChecks))
		for _, i := range idx[opt.MaxAuthChecks:] {
			r.Repos[i].Basis += undecidedGroups(r.Repos[i].groups)
		}
		idx = idx[:opt.MaxAuthChecks]
	}
	authChecks(ctx, c, token, r, idx, true, opt.Workers, func(rp *Repo, ok bool, err error) {
		switch {
		case hub.ClassOf(err) == hub.Disabled:
			// Disabled since it was listed: nobody reads or writes it.
			rp.Access, rp.Basis = None, "disabled by the Hub"
		case err != nil:
			r.Warnings = append(r.Warnings, fmt.Sprintf("auth-check of %s: %v", rp.ID, err))
			rp.Basis += undecidedGroups(rp.groups)
		case ok && rp.groups != "":
			// Which grant gave the write auth-check does not say: the
			// groups are named as what may have, not as a proven basis.
			rp.Access, rp.Basis = Write, rp.Basis+"; write confirmed by auth-check (the owner is in resource group "+rp.groups+")"
		case ok:
			rp.Access, rp.Basis = Write, rp.Basis+"; write confirmed by auth-check"
		default:
			// No write here: none of the owner's groups holds it with
			// write, so naming them would be wrong.
			rp.Basis += "; auth-check: no write"
		}
	})
}

// undecidedGroups is the basis note for a repository whose write access
// auth-check did not decide, when a resource group of the owner might
// grant it.
func undecidedGroups(groups string) string {
	if groups == "" {
		return ""
	}
	return "; the owner is in resource group " + groups + ": write not decided (no auth-check answer)"
}

// authChecks asks auth-check (write or read) about the repositories at idx
// with at most workers at once, and hands each answer to settle, one at a
// time.
func authChecks(ctx context.Context, c *hub.Client, token string, r *Report, idx []int, write bool, workers int, settle func(rp *Repo, ok bool, err error)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(workers, 1))
	var mu sync.Mutex
	for _, i := range idx {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rp := &r.Repos[i]
			ok, err := c.AuthCheck(ctx, token, rp.Type, rp.ID, write)
			mu.Lock()
			defer mu.Unlock()
			settle(rp, ok, err)
		}()
	}
	wg.Wait()
}

// settleGated asks auth-check whether the files of each gated repository
// the token only reads are readable: the Hub refuses them (GatedRepo) to a
// token whose owner has no accepted access request, or whose fine-grained
// scopes do not cover the repository and that may not read gated
// repositories. A refused repository is kept, with access none, and is not
// counted as readable.
func settleGated(ctx context.Context, c *hub.Client, token string, r *Report, opt Options) {
	var idx []int
	for i, rp := range r.Repos {
		if rp.Gated != "" && rp.Access == Read {
			idx = append(idx, i)
		}
	}
	if len(idx) > opt.MaxAuthChecks {
		r.Warnings = append(r.Warnings, fmt.Sprintf("file access of %d gated repositories not checked (auth-check bound %d): reported as read", len(idx)-opt.MaxAuthChecks, opt.MaxAuthChecks))
		idx = idx[:opt.MaxAuthChecks]
	}
	authChecks(ctx, c, token, r, idx, false, opt.Workers, func(rp *Repo, ok bool, err error) {
		switch {
		case hub.ClassOf(err) == hub.Disabled:
			rp.Access, rp.Basis = None, "disabled by the Hub"
		case err != nil:
			r.Warnings = append(r.Warnings, fmt.Sprintf("auth-check of gated %s: %v", rp.ID, err))
		case ok:
			rp.Basis += "; gated files readable (auth-check)"
		default:
			rp.Access = None
			rp.Basis += "; gated files refused by auth-check: no accepted access request for the owner, or the token may not read gated repositories"
		}
	})
}

func describeIdentity(r *Report, w *hub.WhoAmI, token string) {
	r.Owner, r.OwnerType, r.Fullname, r.Email = w.Name, w.Type, w.Fullname, w.Email
	at := w.Auth.AccessToken
	r.Token.Name, r.Token.Role, r.Token.Type = at.DisplayName, at.Role, w.Auth.Type
	if w.Scope != nil && r.Token.Role == "" {
		r.Token.Role = w.Scope.Role // an app token's role on its entities
	}
	if !at.CreatedAt.IsZero() {
		t := at.CreatedAt
		r.Token.CreatedAt = &t
	}
	if fg := at.FineGrained; fg != nil {
		for _, p := range fg.Global {
			r.Token.Scopes = append(r.Token.Scopes, "global:"+p)
		}
		for _, s := range fg.Scoped {
			for _, p := range s.Permissions {
				r.Token.Scopes = append(r.Token.Scopes, s.Entity.Type+":"+s.Entity.Name+":"+p)
			}
		}
	}
	if w.Auth.Type == "oauth" {
		for _, sc := range oauthScopes(token) {
			r.Token.Scopes = append(r.Token.Scopes, "oauth:"+sc)
		}
	}
	for _, o := range w.Orgs {
		r.Orgs = append(r.Orgs, Org{Name: o.Name, Role: o.RoleInOrg, Plan: o.Plan})
	}
}

// ownerRef is an account whose repositories are listed.
type ownerRef struct {
	name  string
	isOrg bool
	role  string // the token owner's role in the org, or an app token's role
}

// Token kinds as assess tells them apart.
const (
	kindClassic     = "classic"
	kindFineGrained = "fineGrained"
	kindOAuth       = "oauth"
	kindApp         = "app"
	kindOther       = "other" // no role stated (legacy org token, app_token_as_user, …)
)

// grants is what the token itself allows, before org roles.
type grants struct {
	user string
	kind string
	// classic is the role of a classic token ("read" or "write").
	classic      string
	canReadGated bool
	global       []string
	// scoped maps "type:name" to permissions.
	scoped map[string][]string
	// groupScoped maps an org to the permissions scoped on its resource
	// groups; which of its repositories are in the group only auth-check
	// tells.
	groupScoped map[string][]string
	// groups maps an org to the owner's resource groups in it.
	groups map[string][]hub.ResourceGroup
	// oauthScopes are an OAuth token's scopes, read from its JWT; nil
	// when unreadable (then auth-check decides every write).
	oauthScopes []string
	// appRole is an app token's role on its scope's entities.
	appRole string
}

func newGrants(w *hub.WhoAmI, token string) *grants {
	g := &grants{user: w.Name, scoped: map[string][]string{}, groupScoped: map[string][]string{}, groups: map[string][]hub.ResourceGroup{}}
	groupOrg := map[string]string{} // resource group id → org
	for _, o := range w.Orgs {
		if len(o.ResourceGroups) > 0 {
			g.groups[o.Name] = o.ResourceGroups
		}
		for _, rg := range o.ResourceGroups {
			groupOrg[rg.ID] = o.Name
		}
	}
	at := w.Auth.AccessToken
	switch {
	case w.Type == "app" || w.Auth.Type == "app_token":
		g.kind = kindApp
		if w.Scope != nil {
			g.appRole = w.Scope.Role
		}
	case at.FineGrained != nil:
		g.kind = kindFineGrained
		g.canReadGated = at.FineGrained.CanReadGatedRepos
		g.global = at.FineGrained.Global
		for _, s := range at.FineGrained.Scoped {
			if s.Entity.Type == "resource-group" {
				// A group the owner is no member of still belongs to one
				// of their orgs: "" stands for "some org".
				org := groupOrg[s.Entity.ID]
				g.groupScoped[org] = append(g.groupScoped[org], s.Permissions...)
				continue
			}
			k := s.Entity.Type + ":" + s.Entity.Name
			g.scoped[k] = append(g.scoped[k], s.Permissions...)
		}
	case w.Auth.Type == "oauth":
		g.kind = kindOAuth
		g.oauthScopes = oauthScopes(token)
		g.canReadGated = g.oauthScopes == nil || g.hasScope("gated-repos", "read-repos", "write-repos", "manage-repos")
	case at.Role == "write" || at.Role == "admin":
		g.kind, g.classic = kindClassic, "write"
		g.canReadGated = true
	case at.Role == "read":
		g.kind, g.classic = kindClassic, "read"
		g.canReadGated = true
	default:
		// No role stated: read is certain for what the Hub lists, and
		// auth-check settles write.
		g.kind = kindOther
		g.canReadGated = true
	}
	return g
}

// oauthScopes reads the scope claim of an OAuth token ("hf_oauth_" and a
// JWT), nil when there is none. The JWT is decoded here, never sent
// anywhere but to the Hub; its signature is not checked, so the scopes
// only say which writes to confirm with auth-check.
func oauthScopes(token string) []string {
	parts := strings.Split(strings.TrimPrefix(token, "hf_oauth_"), ".")
	if len(parts) != 3 || len(parts[1]) > 64<<10 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims struct {
		Scope string `json:"scope"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	return strings.Fields(claims.Scope)
}

// hasScope reports whether the OAuth token holds one of the scopes.
func (g *grants) hasScope(scopes ...string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(g.oauthScopes, s) })
}

// repoPerms returns the fine-grained permissions that apply to a repo.
func (g *grants) repoPerms(owner ownerRef, typ, id string) []string {
	var p []string
	if owner.isOrg {
		p = append(p, g.scoped["org:"+owner.name]...)
	} else {
		p = append(p, g.scoped["user:"+owner.name]...)
	}
	return append(p, g.scoped[typ+":"+id]...)
}

// roleCeiling is the most an org, resource group or app role allows, and
// whether a write token's write access there needs an auth-check.
func roleCeiling(role string) (Access, bool) {
	switch role {
	case "admin":
		return Admin, false
	case "write":
		return Write, false
	case "contributor":
		return Read, true // may write to the repos they created
	case "read":
		return Read, false
	}
	return None, false // no_access, or unknown
}

// tokenMax is the most the token itself allows on a repository, why, and
// whether that maximum is only possible, to be confirmed by auth-check.
func (g *grants) tokenMax(owner ownerRef, typ, id string) (Access, string, bool) {
	switch g.kind {
	case kindFineGrained:
		perms := g.repoPerms(owner, typ, id)
		switch {
		case slices.Contains(perms, "repo.write"):
			return Write, "fine-grained repo.write", false
		case slices.Contains(perms, "repo.content.read"):
			return Read, "fine-grained repo.content.read", false
		}
		rg := g.groupScoped[owner.name]
		if owner.isOrg {
			rg = append(slices.Clone(rg), g.groupScoped[""]...)
		}
		switch {
		case slices.Contains(rg, "repo.write"):
			return Write, "fine-grained repo.write on a resource group", true
		case slices.Contains(rg, "repo.content.read"):
			return Read, "fine-grained repo.content.read on a resource group", true
		}
		return None, "no fine-grained scope", false
	case kindOAuth:
		if g.oauthScopes == nil {
			return Admin, "oauth token whose scopes are unreadable", true
		}
		// Write scopes reach an org only if the user consented to it for
		// the app: auth-check confirms every write.
		switch {
		case g.hasScope("manage-repos"):
			return Admin, "oauth scope manage-repos", true
		case g.hasScope("write-repos"):
			return Write, "oauth scope write-repos", true
		case g.hasScope("read-repos"):
			return Read, "oauth scope read-repos", false
		}
		return None, "no oauth repository scope (" + strings.Join(g.oauthScopes, " ") + ")", false
	case kindApp:
		return Admin, "app token", false // its role is the ceiling
	case kindClassic:
		if g.classic == "write" {
			return Admin, "classic write token", false
		}
		return Read, "classic read token", false
	}
	return Admin, "token without a stated role", true
}

// access computes the effective access to one repository the Hub listed
// for the token; unsure is set when write access depends on something only
// the Hub knows, which auth-check then settles.
//
// groups names the owner's resource groups in the org with their roles
// ("ml write"), kept out of basis: the listing does not say which
// repositories a group holds.
func (g *grants) access(owner ownerRef, typ string, rs hub.RepoSummary) (acc Access, basis, groups string, unsure bool) {
	tokenMax, why, unsure := g.tokenMax(owner, typ, rs.ID)
	ceiling, needsCheck := Admin, false
	isApp := g.kind == kindApp
	switch {
	case g.kind == kindApp:
		ceiling, needsCheck = roleCeiling(owner.role)
		why += " with role " + owner.role + " on " + owner.name
	case owner.isOrg:
		ceiling, needsCheck = roleCeiling(owner.role)
		why += " ∩ org role " + owner.role
		// A resource group's role applies to its repositories whatever
		// the org role, and which repositories are in which group the
		// listing does not say: auth-check each.
		var names []string
		for _, rg := range g.groups[owner.name] {
			if owner.role == "admin" {
				break // org admins manage every group
			}
			names = append(names, rg.Name+" "+rg.Role)
			c, contributor := roleCeiling(rg.Role)
			if c.rank() > ceiling.rank() {
				ceiling = c
			}
			needsCheck = needsCheck || contributor
		}
		groups = strings.Join(names, ", ")
		// Which repositories the group roles apply to the listing does
		// not say: only read is certain where one of them may write.
		needsCheck = needsCheck || (len(names) > 0 && ceiling.rank() >= Write.rank())
	case tokenMax == Admin:
		why += " of the owner"
	}
	acc = minAccess(tokenMax, ceiling)
	if unsure || needsCheck {
		// Only read is certain; write is what auth-check confirms.
		if tokenMax.rank() >= Write.rank() {
			unsure = true
		}
		acc = minAccess(acc, Read)
	}
	if !unsure {
		// No auth-check will tell which repositories a group holds: a
		// group is the basis only where nothing else can be, a repository
		// listed beyond what the org role reads.
		if org, _ := roleCeiling(owner.role); groups != "" && !isApp && org.rank() < acc.rank() {
			why += "; resource group " + groups
		}
		groups = ""
	}
	switch {
	case acc != None:
	case !rs.Private:
		// Anyone can read public repositories.
		return Read, "public repository", groups, unsure
	default:
		// The Hub lists a private repository only to who may read it.
		acc, why = Read, why+"; listed for this token"
	}
	return acc, why, groups, unsure
}

// capabilities lists the token's powers beyond repositories.
func (g *grants) capabilities(w *hub.WhoAmI) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	switch g.kind {
	case kindOAuth:
		g.oauthCapabilities(w, add)
		return out
	case kindApp:
		if r, _ := roleCeiling(g.appRole); r.rank() >= Write.rank() && w.Scope != nil {
			add("repositories: create, update, delete in " + strings.Join(w.Scope.Entities, ", ") + " as app " + w.Name)
		}
		return out
	}
	if g.kind != kindFineGrained {
		add("inference: call serverless inference billed to " + w.Name)
		if g.canReadGated {
			add("gated repositories: read those " + w.Name + " was granted")
		}
		if g.classic == "write" {
			add("repositories: create, update, delete; rewrite history; plant Space secrets and variables")
			add("webhooks: create and change (persistence)")
			add("jobs: run compute billed to " + w.Name)
			add("discussions and pull requests: open and comment as " + w.Name)
			for _, o := range w.Orgs {
				if o.RoleInOrg == "admin" {
					add("organization " + o.Name + ": administer (members, settings, tokens)")
				}
			}
		}
		return out
	}
	var all []string
	all = append(all, g.global...)
	for _, ps := range g.scoped {
		all = append(all, ps...)
	}
	for _, p := range all {
		switch {
		case strings.HasPrefix(p, "inference.serverless"):
			add("inference: call serverless inference billed to the owner")
		case strings.HasPrefix(p, "inference.endpoints.write"):
			add("inference endpoints: create and manage (billed)")
		case strings.HasPrefix(p, "inference.endpoints"):
			add("inference endpoints: call")
		case p == "user.webhooks.write":
			add("webhooks: create and change (persistence)")
		case p == "job.write":
			add("jobs: run compute billed to the owner")
		case p == "discussion.write":
			add("discussions and pull requests: open and comment")
		case p == "post.write":
			add("posts: publish as the owner")
		case p == "collection.write":
			add("collections: change")
		case p == "user.billing.read":
			add("billing: read")
		case p == "org.write":
			add("organization settings: change")
		case p == "org.serviceAccounts.read" || p == "org.read":
			add("organization: read members and settings")
		}
	}
	if g.canReadGated {
		add("gated repositories: read those the owner was granted")
	}
	return out
}

// oauthCapabilities adds the powers of an OAuth token's scopes (hub-docs
// oauth.md); with unreadable scopes, none is claimed.
func (g *grants) oauthCapabilities(w *hub.WhoAmI, add func(string)) {
	for _, sc := range g.oauthScopes {
		switch sc {
		case "inference-api":
			add("inference: call Inference Providers billed to " + w.Name)
		case "manage-repos":
			add("repositories: create, update, delete (oauth scope manage-repos)")
		case "write-repos":
			add("repositories: push to those " + w.Name + " may write (oauth scope write-repos)")
		case "contribute-repos":
			add("repositories: create new ones as " + w.Name + " (oauth scope contribute-repos)")
		case "jobs":
			add("jobs: run compute billed to " + w.Name)
		case "webhooks":
			add("webhooks: create and change (persistence)")
		case "write-discussions":
			add("discussions and pull requests: open and comment as " + w.Name)
		case "write-endpoints":
			add("inference endpoints: create and manage (billed)")
		case "read-endpoints":
			add("inference endpoints: call")
		case "write-collections":
			add("collections: change")
		case "read-billing":
			add("billing: read")
		}
	}
	if g.oauthScopes != nil && g.canReadGated {
		add("gated repositories: read those " + w.Name + " was granted")
	}
}

// rate sets the severity and its reasons from what the token reaches.
func rate(r *Report, g *grants) {
	var orgWrite, ownWrite, privRead, gatedRead, publicWrite int
	orgsWritten := map[string]bool{}
	for _, rp := range r.Repos {
		if rp.Access == None {
			// Listed but out of reach (disabled, gated files refused):
			// not read, not written.
			continue
		}
		w := rp.Access.rank() >= Write.rank()
		switch {
		case w && rp.Owner != r.Owner:
			orgWrite++
			orgsWritten[rp.Owner] = true
		case w:
			ownWrite++
		case rp.Private:
			privRead++
		}
		if w && !rp.Private {
			publicWrite++
		}
		if rp.Gated != "" && rp.Access != None {
			gatedRead++
		}
	}
	var admins []string
	for _, o := range r.Orgs {
		if o.Role == "admin" && (g.classic == "write" || slices.Contains(g.scoped["org:"+o.Name], "org.write")) {
			admins = append(admins, o.Name)
		}
	}
	reasons := &r.Reasons
	switch {
	case orgWrite > 0 || len(admins) > 0:
		r.Severity = "critical"
		if orgWrite > 0 {
			*reasons = append(*reasons, fmt.Sprintf("can write to %d repositories of organization(s) %s: files, history and releases others depend on", orgWrite, strings.Join(sortedKeys(orgsWritten), ", ")))
		}
		if len(admins) > 0 {
			*reasons = append(*reasons, "administers organization(s) "+strings.Join(admins, ", ")+": members, settings and tokens")
		}
	case ownWrite > 0:
		r.Severity = "high"
		*reasons = append(*reasons, fmt.Sprintf("can write to %d of the owner's repositories", ownWrite))
	case privRead > 0 || gatedRead > 0:
		r.Severity = "medium"
	case len(r.Capabilities) > 0:
		r.Severity = "low"
	default:
		r.Severity = "low"
	}
	if publicWrite > 0 {
		*reasons = append(*reasons, fmt.Sprintf("%d of the writable repositories are public: replaced model files reach everyone who downloads them (supply chain)", publicWrite))
	}
	if privRead > 0 {
		*reasons = append(*reasons, fmt.Sprintf("can read %d private repositories", privRead))
	}
	if gatedRead > 0 {
		*reasons = append(*reasons, fmt.Sprintf("can read %d gated repositories", gatedRead))
	}
	for _, c := range r.Capabilities {
		if strings.Contains(c, "billed") || strings.Contains(c, "webhooks") {
			*reasons = append(*reasons, "beyond repositories: "+c)
		}
	}
	if len(*reasons) == 0 {
		*reasons = append(*reasons, "live, but reaches only public content")
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Verifier checks liveness with whoami-v2, for scan --verify.
type Verifier struct {
	Client *hub.Client
	Now    func() time.Time
}

// Verify implements scan.Verifier: live when whoami-v2 answers, invalid on
// 401 Invalid credentials, unknown otherwise (never a guess). Secrets of
// rules whoami-v2 cannot check (detect.Verifiable) are not sent: unknown.
func (v *Verifier) Verify(ctx context.Context, rule, token string) finding.Verification {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	out := finding.Verification{CheckedAt: now().UTC(), Endpoint: v.Client.Endpoint()}
	if !detect.Verifiable(rule) {
		// A secret goes only to its own issuer: the Hub's 401 to a
		// foreign key would prove nothing and leak the key.
		out.Status, out.Reason = "unknown", "not a Hugging Face credential ("+rule+"): not sent to the Hub"
		return out
	}
	w, err := v.Client.WhoAmI(ctx, token)
	switch {
	case err == nil:
		out.Status, out.Owner = "live", w.Name
		out.Reason = "whoami-v2 answered for " + w.Name
	case hub.ClassOf(err) == hub.InvalidCredentials:
		out.Status, out.Reason = "invalid", "whoami-v2: 401 Invalid credentials"
	default:
		out.Status, out.Reason = "unknown", err.Error()
	}
	return out
}
