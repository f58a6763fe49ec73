// Package assess answers, for one token, the questions of a leak: is it
// live, whose is it, what can it reach — every model, dataset and space of
// its owner and of each organization, with the effective access — and how
// bad is that.
//
// Effective access is the token's power intersected with the owner's role:
// a classic token's role (read or write) ∩ the owner's role in the org, and
// for a fine-grained token its scoped permissions on the user, the org or
// the repository ∩ the org role. Where that is ambiguous (an org
// "contributor" may write to the repositories they created) the Hub's
// auth-check endpoint decides.
package assess

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/scan"
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
	// Status is "live", "invalid" or "unknown" (the Hub did not answer
	// conclusively: rate-limited, server error, unexpected content).
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
	// Incomplete is set when the assessment was cut short (a caller's
	// deadline) after whoami-v2 answered: the token is live, its blast
	// radius is only partly listed.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Token is the token's own metadata.
type Token struct {
	Name      string     `json:"name,omitempty"`
	Role      string     `json:"role,omitempty"`
	Type      string     `json:"type,omitempty"` // access_token, oauth, …
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// Scopes lists fine-grained permissions as "global:PERM" and
	// "TYPE:NAME:PERM".
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
	describeIdentity(r, w)
	g := newGrants(w)
	r.CanReadGated = g.canReadGated
	r.Capabilities = g.capabilities(w)

	// List every owner's repositories of every type, concurrently.
	owners := []ownerRef{{name: w.Name, isOrg: false}}
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
	for _, j := range jobs {
		if j.err != nil {
			if errors.Is(j.err, context.Canceled) {
				return nil, j.err
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("listing %ss of %s: %v", j.typ, j.owner.name, j.err))
			continue
		}
		for _, rs := range j.repos {
			acc, basis, unsure := g.access(j.owner, j.typ, rs)
			if acc == None {
				continue
			}
			r.Repos = append(r.Repos, Repo{ID: rs.ID, Type: j.typ, Owner: j.owner.name, Private: rs.Private,
				Gated: string(rs.Gated), Access: acc, Basis: basis})
			if unsure {
				ambiguous = append(ambiguous, len(r.Repos)-1)
			}
		}
	}
	settleAmbiguous(ctx, c, token, r, ambiguous, opt)
	sort.Slice(r.Repos, func(a, b int) bool {
		x, y := r.Repos[a], r.Repos[b]
		if x.Access.rank() != y.Access.rank() {
			return x.Access.rank() > y.Access.rank()
		}
		return x.Type+"/"+x.ID < y.Type+"/"+y.ID
	})
	rate(r, g)
	return r, nil
}

// settleAmbiguous asks the Hub's auth-check/write for repositories whose
// write access cannot be derived, up to the configured bound.
func settleAmbiguous(ctx context.Context, c *hub.Client, token string, r *Report, idx []int, opt Options) {
	if len(idx) > opt.MaxAuthChecks {
		r.Warnings = append(r.Warnings, fmt.Sprintf("write access of %d repositories not checked (auth-check bound %d): reported as read", len(idx)-opt.MaxAuthChecks, opt.MaxAuthChecks))
		idx = idx[:opt.MaxAuthChecks]
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, opt.Workers)
	var mu sync.Mutex
	for _, i := range idx {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rp := &r.Repos[i]
			ok, err := c.AuthCheck(ctx, token, rp.Type, rp.ID, true)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				r.Warnings = append(r.Warnings, fmt.Sprintf("auth-check of %s: %v", rp.ID, err))
			case ok:
				rp.Access, rp.Basis = Write, rp.Basis+"; write confirmed by auth-check"
			default:
				rp.Basis += "; auth-check: no write"
			}
		}()
	}
	wg.Wait()
}

func describeIdentity(r *Report, w *hub.WhoAmI) {
	r.Owner, r.OwnerType, r.Fullname, r.Email = w.Name, w.Type, w.Fullname, w.Email
	at := w.Auth.AccessToken
	r.Token.Name, r.Token.Role, r.Token.Type = at.DisplayName, at.Role, w.Auth.Type
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
	for _, o := range w.Orgs {
		r.Orgs = append(r.Orgs, Org{Name: o.Name, Role: o.RoleInOrg, Plan: o.Plan})
	}
}

// ownerRef is an account whose repositories are listed.
type ownerRef struct {
	name  string
	isOrg bool
	role  string // the token owner's role in the org
}

// grants is what the token itself allows, before org roles.
type grants struct {
	user string
	// classic is the role of a classic token ("read" or "write"); empty
	// for fine-grained tokens.
	classic      string
	fineGrained  bool
	canReadGated bool
	global       []string
	// scoped maps "type:name" to permissions.
	scoped map[string][]string
}

func newGrants(w *hub.WhoAmI) *grants {
	g := &grants{user: w.Name, scoped: map[string][]string{}}
	at := w.Auth.AccessToken
	switch {
	case at.FineGrained != nil:
		g.fineGrained = true
		g.canReadGated = at.FineGrained.CanReadGatedRepos
		g.global = at.FineGrained.Global
		for _, s := range at.FineGrained.Scoped {
			k := s.Entity.Type + ":" + s.Entity.Name
			g.scoped[k] = append(g.scoped[k], s.Permissions...)
		}
	case at.Role == "write" || at.Role == "admin":
		g.classic = "write"
		g.canReadGated = true
	default:
		// read, and OAuth or app tokens that do not state a role: the
		// certain minimum is read; auth-check settles write.
		g.classic = "read"
		g.canReadGated = true
	}
	return g
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

// orgCeiling is the most an org role allows on the org's repositories, and
// whether a write token's write access there needs an auth-check.
func orgCeiling(role string) (Access, bool) {
	switch role {
	case "admin":
		return Admin, false
	case "write":
		return Write, false
	case "contributor":
		return Read, true // may write to the repos they created
	default:
		return Read, false
	}
}

// access computes the effective access to one repository; unsure is set
// when write access depends on something only the Hub knows.
func (g *grants) access(owner ownerRef, typ string, rs hub.RepoSummary) (acc Access, basis string, unsure bool) {
	public := !rs.Private
	var tokenMax Access
	var why string
	switch {
	case g.fineGrained:
		perms := g.repoPerms(owner, typ, rs.ID)
		switch {
		case slices.Contains(perms, "repo.write"):
			tokenMax, why = Write, "fine-grained repo.write"
		case slices.Contains(perms, "repo.content.read"):
			tokenMax, why = Read, "fine-grained repo.content.read"
		default:
			tokenMax, why = None, "no fine-grained scope"
		}
	case g.classic == "write":
		tokenMax, why = Admin, "classic write token"
	default:
		tokenMax, why = Read, "classic read token"
	}
	ceiling, needsCheck := Admin, false
	if owner.isOrg {
		ceiling, needsCheck = orgCeiling(owner.role)
		why += " ∩ org role " + owner.role
	} else if tokenMax == Admin {
		why += " of the owner"
	}
	acc = minAccess(tokenMax, ceiling)
	// Anyone can read public repositories.
	if public && acc == None {
		return Read, "public repository", false
	}
	if needsCheck && tokenMax.rank() >= Write.rank() {
		unsure = true
	}
	return acc, why, unsure
}

// capabilities lists the token's powers beyond repositories.
func (g *grants) capabilities(w *hub.WhoAmI) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if !g.fineGrained {
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

// rate sets the severity and its reasons from what the token reaches.
func rate(r *Report, g *grants) {
	var orgWrite, ownWrite, privRead, gatedRead, publicWrite int
	orgsWritten := map[string]bool{}
	for _, rp := range r.Repos {
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
// rules whoami-v2 cannot check (scan.Verifiable) are not sent: unknown.
func (v *Verifier) Verify(ctx context.Context, rule, token string) scan.Verification {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	out := scan.Verification{CheckedAt: now().UTC(), Endpoint: v.Client.Endpoint()}
	if !scan.Verifiable(rule) {
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
