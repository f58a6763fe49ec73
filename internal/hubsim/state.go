package hubsim

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// lfsThreshold is the size from which scenario files are stored with LFS,
// and from which the Hub wants a file in LFS storage whatever its content
// (refusing it inline in a commit).
const lfsThreshold = 10 << 20

// epoch is the default creation date of scenario objects without one.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	nameRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	hex24Re  = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

// state is the simulator's mutable world, built from a Scenario.
type state struct {
	users    map[string]*user
	orgs     map[string]*org
	tokens   map[string]*token
	tokenSeq []*token
	repos    map[string]*repo // key: type + "/" + id
	webhooks []*webhook
	nextHook int
	jobs     map[string]Job // by id
}

type user struct {
	name, fullname, email string
	isPro                 bool
	id                    string
	orgs                  []Membership
}

func (u *user) roleIn(org string) string {
	for _, m := range u.orgs {
		if m.Name == org {
			return m.RoleInOrg
		}
	}
	return ""
}

// groupRoleIn is the user's role in a resource group of org, "" when not
// a member.
func (u *user) groupRoleIn(org, group string) string {
	for _, m := range u.orgs {
		if m.Name != org {
			continue
		}
		for _, g := range m.ResourceGroups {
			if g.Name == group {
				return g.Role
			}
		}
	}
	return ""
}

type org struct {
	name, fullname, plan string
	id                   string
	members              []*user // in scenario order
	groups               []string
}

// groupID is the stable id of one of the organization's resource groups.
func groupID(org, group string) string { return mongoID("resource-group", org+"/"+group) }

type token struct {
	Token
	fullname   string
	orgRevoked map[string]time.Time // org name → when its admin revoked the token
	revokedAt  time.Time
}

type blob struct {
	data    []byte
	oid     string // git blob id of what git stores: the data, or the LFS pointer
	sha256  string
	lfs     bool
	pointer []byte
}

type commit struct {
	id, title, message, author string
	date                       time.Time
	parent                     string // "" for a root commit
	files                      map[string]*blob
}

type repo struct {
	id, typ, ns string
	mongoID     string
	group       string // resource group of the owning org, or ""
	private     bool
	disabled    bool
	gated       Gated
	approved    map[string]bool
	createdAt   time.Time
	likes, dls  int
	tags        []string
	pipelineTag string
	sdk         string
	commits     map[string]*commit
	branches    map[string]string
	gitTags     map[string]string
	discussions []*discussion
	secrets     []*SpaceSetting
	variables   []*SpaceSetting
	prRefs      map[int]string    // pull-request number → head of refs/pr/{num}
	lfsObjects  map[string][]byte // LFS objects uploaded, by sha256
}

type discussion struct {
	Discussion
	events []event
}

type event struct {
	DiscussionEvent
	id string
}

type webhook struct {
	Webhook
}

func repoKey(typ, id string) string { return typ + "/" + id }

// mongoID returns a stable 24-hex id for an object, like the Hub's _id.
func mongoID(kind, name string) string {
	sum := sha256.Sum256([]byte("hubsim/" + kind + "/" + name))
	return hex.EncodeToString(sum[:12])
}

func avatarURL(name string) string {
	sum := md5.Sum([]byte(name))
	return "/avatars/" + hex.EncodeToString(sum[:]) + ".svg"
}

func gitBlobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// newBlob stores data; lfs says whether git keeps an LFS pointer instead.
func newBlob(data []byte, lfs bool) *blob {
	sum := sha256.Sum256(data)
	b := &blob{data: data, sha256: hex.EncodeToString(sum[:]), lfs: lfs}
	if lfs {
		b.pointer = fmt.Appendf(nil, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", b.sha256, len(data))
		b.oid = gitBlobID(b.pointer)
	} else {
		b.oid = gitBlobID(data)
	}
	return b
}

// looksBinary is the default LFS rule for scenario files.
func looksBinary(data []byte) bool {
	head := data
	if len(head) > 8000 {
		head = head[:8000]
	}
	return slices.Contains(head, 0) || !utf8.Valid(data)
}

// pseudoRandomBytes returns n bytes that depend only on seed.
func pseudoRandomBytes(seed string, n int) []byte {
	r := rand.NewChaCha8(sha256.Sum256([]byte("hubsim/file/" + seed)))
	b := make([]byte, n)
	_, _ = r.Read(b) // ChaCha8.Read never fails
	return b
}

// treeID returns a deterministic id for a set of files.
func treeID(files map[string]*blob) string {
	h := sha1.New()
	for _, p := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%s\n", p, files[p].oid)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// commitID returns the id of a commit from everything it holds, the way
// git does.
func commitID(c *commit) string {
	h := sha1.New()
	fmt.Fprintf(h, "tree %s\n", treeID(c.files))
	if c.parent != "" {
		fmt.Fprintf(h, "parent %s\n", c.parent)
	}
	fmt.Fprintf(h, "author %s %d +0000\n\n%s\n", c.author, c.date.Unix(), c.title)
	if c.message != "" {
		fmt.Fprintf(h, "\n%s\n", c.message)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func validRole(r string) bool {
	return r == "admin" || r == "write" || r == "contributor" || r == "read"
}

// validOrgRole also admits no_access: a member with no access to the
// organization's repositories but those of their resource groups.
func validOrgRole(r string) bool { return validRole(r) || r == "no_access" }

func validRepoType(t string) bool { return t == "model" || t == "dataset" || t == "space" }

// validPath reports whether p is a clean relative file path.
func validPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == ".git" {
			return false
		}
	}
	return true
}

// build turns a scenario into a fresh state. The scenario is not modified
// and shares no memory with the state.
func build(s *Scenario) (*state, error) {
	if s == nil {
		return nil, fmt.Errorf("hubsim: nil scenario")
	}
	st := &state{
		users:  map[string]*user{},
		orgs:   map[string]*org{},
		tokens: map[string]*token{},
		repos:  map[string]*repo{},
	}
	for i, o := range s.Orgs {
		if !nameRe.MatchString(o.Name) {
			return nil, fmt.Errorf("hubsim: scenario: org %d: bad name %q", i, o.Name)
		}
		if st.orgs[o.Name] != nil {
			return nil, fmt.Errorf("hubsim: scenario: duplicate org %q", o.Name)
		}
		plan := o.Plan
		if plan == "" {
			plan = "free"
		}
		no := &org{name: o.Name, fullname: cmp(o.Fullname, o.Name), plan: plan, id: mongoID("org", o.Name)}
		for _, g := range o.ResourceGroups {
			if !nameRe.MatchString(g) || slices.Contains(no.groups, g) {
				return nil, fmt.Errorf("hubsim: scenario: org %q: bad or duplicate resource group %q", o.Name, g)
			}
			no.groups = append(no.groups, g)
		}
		st.orgs[o.Name] = no
	}
	for i, u := range s.Users {
		if !nameRe.MatchString(u.Name) {
			return nil, fmt.Errorf("hubsim: scenario: user %d: bad name %q", i, u.Name)
		}
		if st.users[u.Name] != nil || st.orgs[u.Name] != nil {
			return nil, fmt.Errorf("hubsim: scenario: duplicate user or org name %q", u.Name)
		}
		nu := &user{name: u.Name, fullname: cmp(u.Fullname, u.Name), email: u.Email, isPro: u.IsPro,
			id: mongoID("user", u.Name)}
		for _, m := range u.Orgs {
			m.ResourceGroups = slices.Clone(m.ResourceGroups)
			nu.orgs = append(nu.orgs, m)
			o := st.orgs[m.Name]
			if o == nil {
				return nil, fmt.Errorf("hubsim: scenario: user %q: unknown org %q", u.Name, m.Name)
			}
			if !validOrgRole(m.RoleInOrg) {
				return nil, fmt.Errorf("hubsim: scenario: user %q: bad roleInOrg %q in %q", u.Name, m.RoleInOrg, m.Name)
			}
			for _, g := range m.ResourceGroups {
				if !slices.Contains(o.groups, g.Name) || !validRole(g.Role) {
					return nil, fmt.Errorf("hubsim: scenario: user %q: unknown resource group %q or bad role %q in %q", u.Name, g.Name, g.Role, m.Name)
				}
			}
			if slices.Contains(o.members, nu) {
				return nil, fmt.Errorf("hubsim: scenario: user %q: listed twice in org %q", u.Name, m.Name)
			}
			o.members = append(o.members, nu)
		}
		st.users[u.Name] = nu
	}
	for i := range s.Repos {
		r, err := st.buildRepo(&s.Repos[i])
		if err != nil {
			return nil, fmt.Errorf("hubsim: scenario: repo %q: %w", s.Repos[i].ID, err)
		}
		k := repoKey(r.typ, r.id)
		if st.repos[k] != nil {
			return nil, fmt.Errorf("hubsim: scenario: duplicate %s %q", r.typ, r.id)
		}
		st.repos[k] = r
	}
	for i := range s.Tokens {
		t, err := st.buildToken(&s.Tokens[i])
		if err != nil {
			return nil, fmt.Errorf("hubsim: scenario: token %d (%s): %w", i, cmp(s.Tokens[i].DisplayName, s.Tokens[i].Kind), err)
		}
		if st.tokens[t.Token.Token] != nil {
			return nil, fmt.Errorf("hubsim: scenario: token %d: duplicate token", i)
		}
		st.tokens[t.Token.Token] = t
		st.tokenSeq = append(st.tokenSeq, t)
	}
	st.jobs = map[string]Job{}
	for i, j := range s.Jobs {
		switch {
		case j.ID == "" || st.jobs[j.ID].ID != "":
			return nil, fmt.Errorf("hubsim: scenario: job %d: missing or duplicate id", i)
		case st.users[j.Owner] == nil && st.orgs[j.Owner] == nil:
			return nil, fmt.Errorf("hubsim: scenario: job %d: unknown owner %q", i, j.Owner)
		case j.DockerImage == "" && j.SpaceID == "":
			return nil, fmt.Errorf("hubsim: scenario: job %d: needs a dockerImage or a spaceId", i)
		}
		j.JobSpec = *cloneJob(&j.JobSpec)
		st.jobs[j.ID] = j
	}
	for i, w := range s.Webhooks {
		h, err := st.buildWebhook(w)
		if err != nil {
			return nil, fmt.Errorf("hubsim: scenario: webhook %d: %w", i, err)
		}
		st.webhooks = append(st.webhooks, h)
	}
	return st, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (st *state) buildToken(in *Token) (*token, error) {
	t := &token{Token: *in, orgRevoked: map[string]time.Time{}}
	t.FineGrained = nil
	if t.Token.Token == "" {
		return nil, fmt.Errorf("empty token")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = epoch
	}
	if t.Revoked {
		t.revokedAt = t.CreatedAt
	}
	if t.Kind != KindOAuth && (len(in.Scopes) > 0 || len(in.Orgs) > 0) {
		return nil, fmt.Errorf("scopes and orgs are for OAuth tokens")
	}
	if t.Kind != KindApp && len(in.Entities) > 0 {
		return nil, fmt.Errorf("entities are for app tokens")
	}
	t.Scopes, t.Orgs, t.Entities = slices.Clone(in.Scopes), slices.Clone(in.Orgs), slices.Clone(in.Entities)
	switch t.Kind {
	case KindApp:
		if t.Role == "" {
			t.Role = "read"
		}
		if !validRole(t.Role) {
			return nil, fmt.Errorf("role %q: want admin, write, contributor or read", t.Role)
		}
		for _, e := range t.Entities {
			if st.users[e] == nil && st.orgs[e] == nil {
				return nil, fmt.Errorf("entity %q is neither a user nor an org", e)
			}
		}
	case KindOAuth:
		if t.Role != "" && t.Role != "read" && t.Role != "write" {
			return nil, fmt.Errorf("role %q: want read or write", t.Role)
		}
		if len(t.Scopes) == 0 {
			t.Scopes = jwtScopes(t.Token.Token)
		}
		if len(t.Scopes) == 0 {
			t.Scopes = []string{"openid", "profile", "read-repos"}
			if t.Role == "write" {
				t.Scopes = append(t.Scopes, "write-repos")
			}
		}
		t.Role = ""
		for _, o := range t.Orgs {
			if st.orgs[o] == nil {
				return nil, fmt.Errorf("consented org %q does not exist", o)
			}
		}
		if in.FineGrained != nil {
			return nil, fmt.Errorf("fineGrained set on a %s token", t.Kind)
		}
	case KindClassic, KindOrg:
		if t.Role == "" {
			t.Role = "read"
		}
		if t.Role != "read" && t.Role != "write" {
			return nil, fmt.Errorf("role %q: want read or write", t.Role)
		}
		if in.FineGrained != nil {
			return nil, fmt.Errorf("fineGrained set on a %s token", t.Kind)
		}
	case KindFineGrained:
		if t.Role != "" && t.Role != "fineGrained" {
			return nil, fmt.Errorf("role %q: a fine-grained token has role fineGrained", t.Role)
		}
		t.Role = "fineGrained"
		fg := FineGrained{}
		if in.FineGrained != nil {
			fg.CanReadGatedRepos = in.FineGrained.CanReadGatedRepos
			fg.Global = slices.Clone(in.FineGrained.Global)
			for _, sc := range in.FineGrained.Scoped {
				if !st.entityExists(sc.Entity) {
					return nil, fmt.Errorf("scoped entity %s %q does not exist", sc.Entity.Type, sc.Entity.Name)
				}
				fg.Scoped = append(fg.Scoped, Scope{Entity: sc.Entity, Permissions: slices.Clone(sc.Permissions)})
			}
		}
		t.FineGrained = &fg
	default:
		return nil, fmt.Errorf("kind %q: want classic, fineGrained, oauth, org or app", t.Kind)
	}
	switch t.Kind {
	case KindApp:
		t.fullname = t.User
	case KindOrg:
		o := st.orgs[t.User]
		if o == nil {
			return nil, fmt.Errorf("unknown org %q", t.User)
		}
		t.fullname = o.fullname
	default:
		u := st.users[t.User]
		if u == nil {
			return nil, fmt.Errorf("unknown user %q", t.User)
		}
		t.fullname = u.fullname
	}
	if t.DisplayName == "" && t.Kind != KindOAuth && t.Kind != KindApp {
		t.DisplayName = t.Kind + "-" + t.User
	}
	return t, nil
}

func (st *state) entityExists(e Entity) bool {
	switch e.Type {
	case "user":
		return st.users[e.Name] != nil
	case "org":
		return st.orgs[e.Name] != nil
	case "model", "dataset", "space":
		return st.repos[repoKey(e.Type, e.Name)] != nil
	case "resource-group":
		o, g, ok := strings.Cut(e.Name, "/")
		return ok && st.orgs[o] != nil && slices.Contains(st.orgs[o].groups, g)
	}
	return false
}

// jwtScopes reads the scope claim of an "hf_oauth_" JWT, nil when there
// is none. The signature is not checked: the simulator issued the token.
func jwtScopes(tok string) []string {
	parts := strings.Split(strings.TrimPrefix(tok, "hf_oauth_"), ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
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

func (st *state) entityID(e Entity) string {
	switch e.Type {
	case "user":
		return st.users[e.Name].id
	case "org":
		return st.orgs[e.Name].id
	case "resource-group":
		o, g, _ := strings.Cut(e.Name, "/")
		return groupID(o, g)
	}
	if r := st.repos[repoKey(e.Type, e.Name)]; r != nil {
		return r.mongoID
	}
	return mongoID(e.Type, e.Name)
}

// defaultAuthor is who commits to a namespace when nobody is named.
func (st *state) defaultAuthor(ns string) string {
	if o := st.orgs[ns]; o != nil {
		for _, m := range o.members {
			if m.roleIn(ns) == "admin" {
				return m.name
			}
		}
	}
	return ns
}

// buildRepo makes a repository of the seed in: its settings, its main
// history, branches and tags, discussions and Space settings. The seed is
// checked in that order: the first problem found is the error.
func (st *state) buildRepo(in *Repo) (*repo, error) {
	r, err := st.newRepo(in)
	if err != nil {
		return nil, err
	}
	main, err := st.buildHistory(r, in)
	if err != nil {
		return nil, err
	}
	if err := buildRefs(r, in, main); err != nil {
		return nil, err
	}
	if err := buildDiscussions(r, in); err != nil {
		return nil, err
	}
	if err := buildSpaceSettings(r, in); err != nil {
		return nil, err
	}
	// A pull request has its ref, refs/pr/{num}, from main's head until
	// commits are pushed to it.
	r.prRefs = map[int]string{}
	r.lfsObjects = map[string][]byte{}
	for _, d := range r.discussions {
		if d.IsPullRequest {
			r.prRefs[d.Num] = r.branches["main"]
		}
	}
	return r, nil
}

// newRepo checks the seed's id, type and access settings and makes a
// repository of them, without history.
func (st *state) newRepo(in *Repo) (*repo, error) {
	ns, name, ok := strings.Cut(in.ID, "/")
	if !ok || !nameRe.MatchString(ns) || !nameRe.MatchString(name) {
		return nil, fmt.Errorf("id must be namespace/name")
	}
	if st.users[ns] == nil && st.orgs[ns] == nil {
		return nil, fmt.Errorf("unknown namespace %q", ns)
	}
	typ := cmp(in.Type, "model")
	if !validRepoType(typ) {
		return nil, fmt.Errorf("type %q: want model, dataset or space", in.Type)
	}
	if typ == "space" && in.Gated != "" {
		return nil, fmt.Errorf("spaces cannot be gated")
	}
	if typ != "space" && (len(in.Secrets) > 0 || len(in.Variables) > 0) {
		return nil, fmt.Errorf("only spaces have secrets and variables")
	}
	r := &repo{
		id: in.ID, typ: typ, ns: ns, mongoID: mongoID(typ, in.ID),
		private: in.Private, disabled: in.Disabled, gated: in.Gated, approved: map[string]bool{},
		likes: in.Likes, dls: in.Downloads, tags: slices.Clone(in.RepoTags),
		pipelineTag: in.PipelineTag, sdk: in.SDK,
		commits: map[string]*commit{}, branches: map[string]string{}, gitTags: map[string]string{},
	}
	if in.ResourceGroup != "" {
		if o := st.orgs[ns]; o == nil || !slices.Contains(o.groups, in.ResourceGroup) {
			return nil, fmt.Errorf("resource group %q is not a group of %q", in.ResourceGroup, ns)
		}
		r.group = in.ResourceGroup
	}
	if r.tags == nil {
		r.tags = []string{}
	}
	if typ == "space" && r.sdk == "" {
		r.sdk = "gradio"
	}
	for _, u := range in.ApprovedUsers {
		if st.users[u] == nil {
			return nil, fmt.Errorf("approved user %q does not exist", u)
		}
		r.approved[u] = true
	}
	r.createdAt = in.CreatedAt
	if r.createdAt.IsZero() {
		r.createdAt = epoch
		if len(in.Commits) > 0 && !in.Commits[0].Date.IsZero() {
			r.createdAt = in.Commits[0].Date
		}
	}
	return r, nil
}

// buildHistory makes main's commits (the seed's, else one initial commit),
// each holding the files of the one before with its changes applied, and
// points main at the last.
func (st *state) buildHistory(r *repo, in *Repo) ([]*commit, error) {
	specs := in.Commits
	if len(specs) == 0 {
		specs = []Commit{{Title: "Initial commit"}}
	}
	files := map[string]*blob{}
	var main []*commit
	for i, cs := range specs {
		if cs.Title == "" {
			return nil, fmt.Errorf("commit %d: empty title", i)
		}
		var err error
		if files, err = commitFiles(in, i, cs, files); err != nil {
			return nil, err
		}
		c := &commit{title: cs.Title, message: cs.Message, author: cmp(cs.Author, st.defaultAuthor(r.ns)), date: cs.Date, files: files}
		if c.date.IsZero() {
			c.date = r.createdAt.Add(time.Duration(i) * 24 * time.Hour)
		}
		if i > 0 {
			c.parent = main[i-1].id
		}
		c.id = cs.ID
		if c.id == "" {
			c.id = commitID(c)
		} else if !commitRe.MatchString(c.id) {
			return nil, fmt.Errorf("commit %d: id %q is not 40 lower-case hex digits", i, c.id)
		}
		if r.commits[c.id] != nil {
			return nil, fmt.Errorf("commit %d: duplicate id %s", i, c.id)
		}
		r.commits[c.id] = c
		main = append(main, c)
	}
	r.branches["main"] = main[len(main)-1].id
	return main, nil
}

// commitFiles is the files of commit i of the seed in: those of the
// commit before (prev, left unchanged) with cs's changes applied, and for
// the first commit the seed's Files too.
func commitFiles(in *Repo, i int, cs Commit, prev map[string]*blob) (map[string]*blob, error) {
	changes := map[string]*File{}
	if i == 0 {
		for p, f := range in.Files {
			changes[p] = &f
		}
	}
	for p, f := range cs.Files {
		if i == 0 && f == nil {
			return nil, fmt.Errorf("commit 0: cannot delete %q", p)
		}
		changes[p] = f
	}
	files := cloneFiles(prev)
	for _, p := range sortedKeys(changes) {
		if !validPath(p) {
			return nil, fmt.Errorf("commit %d: bad path %q", i, p)
		}
		f := changes[p]
		if f == nil {
			if files[p] == nil {
				return nil, fmt.Errorf("commit %d: deletes missing file %q", i, p)
			}
			delete(files, p)
			continue
		}
		data, err := f.content(in.ID + "/" + p + "@" + strconv.Itoa(i))
		if err != nil {
			return nil, fmt.Errorf("commit %d: file %q: %w", i, p, err)
		}
		lfs := len(data) >= lfsThreshold || looksBinary(data)
		if f.LFS != nil {
			lfs = *f.LFS
		}
		files[p] = newBlob(data, lfs)
	}
	if err := checkNoFileDirClash(files); err != nil {
		return nil, fmt.Errorf("commit %d: %w", i, err)
	}
	return files, nil
}

// resolveRev is the commit a seed's revision names: main (or HEAD), main~N
// or a commit id of main's history.
func resolveRev(r *repo, main []*commit, spec string) (string, error) {
	base, back, hasBack := strings.Cut(spec, "~")
	n := 0
	if hasBack {
		var err error
		if n, err = strconv.Atoi(back); err != nil || n < 0 {
			return "", fmt.Errorf("bad revision %q", spec)
		}
	}
	switch {
	case base == "main" || base == "HEAD":
		if n >= len(main) {
			return "", fmt.Errorf("revision %q is before the first commit", spec)
		}
		return main[len(main)-1-n].id, nil
	case !hasBack && r.commits[base] != nil:
		return base, nil
	}
	return "", fmt.Errorf("revision %q: want main, main~N or a commit id", spec)
}

// buildRefs adds the seed's branches and tags.
func buildRefs(r *repo, in *Repo, main []*commit) error {
	for _, b := range sortedKeys(in.Branches) {
		if !validRefName(b) || b == "main" {
			return fmt.Errorf("bad branch name %q", b)
		}
		id, err := resolveRev(r, main, in.Branches[b])
		if err != nil {
			return fmt.Errorf("branch %q: %w", b, err)
		}
		r.branches[b] = id
	}
	for _, t := range sortedKeys(in.Tags) {
		if !validRefName(t) {
			return fmt.Errorf("bad tag name %q", t)
		}
		id, err := resolveRev(r, main, in.Tags[t])
		if err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
		r.gitTags[t] = id
	}
	return nil
}

// buildDiscussions adds the seed's discussions and pull requests, with
// their events.
func buildDiscussions(r *repo, in *Repo) error {
	for i, d := range in.Discussions {
		nd := &discussion{Discussion: d}
		nd.Events = nil
		if nd.Num == 0 {
			nd.Num = i + 1
		}
		for _, o := range r.discussions {
			if o.Num == nd.Num {
				return fmt.Errorf("discussion %d: duplicate num %d", i, nd.Num)
			}
		}
		if d.Title == "" || d.Author == "" {
			return fmt.Errorf("discussion %d: title and author are required", i)
		}
		nd.Status = cmp(nd.Status, "open")
		switch nd.Status {
		case "open", "closed", "merged", "draft":
		default:
			return fmt.Errorf("discussion %d: bad status %q", i, nd.Status)
		}
		if nd.CreatedAt.IsZero() {
			nd.CreatedAt = r.createdAt.Add(time.Duration(i+1) * time.Hour)
		}
		for j, e := range d.Events {
			ne := event{DiscussionEvent: e, id: mongoID("event", fmt.Sprintf("%s/%s/%d/%d", r.typ, in.ID, nd.Num, j))}
			ne.Type = cmp(ne.Type, "comment")
			switch ne.Type {
			case "comment", "status-change", "title-change", "commit":
			default:
				return fmt.Errorf("discussion %d: event %d: bad type %q", i, j, ne.Type)
			}
			if ne.Author == "" {
				return fmt.Errorf("discussion %d: event %d: author is required", i, j)
			}
			if ne.CreatedAt.IsZero() {
				ne.CreatedAt = nd.CreatedAt.Add(time.Duration(j) * time.Minute)
			}
			nd.events = append(nd.events, ne)
		}
		r.discussions = append(r.discussions, nd)
	}
	return nil
}

// buildSpaceSettings adds the seed's Space secrets and variables.
func buildSpaceSettings(r *repo, in *Repo) error {
	for _, set := range []struct {
		in  []SpaceSetting
		out *[]*SpaceSetting
	}{{in.Secrets, &r.secrets}, {in.Variables, &r.variables}} {
		for _, kv := range set.in {
			if kv.Key == "" {
				return fmt.Errorf("space setting with empty key")
			}
			// Without a date it was never updated: the Hub then sends no
			// updatedAt (huggingface_hub _space_api.py, SpaceSecret).
			kv := kv
			*set.out = upsertSetting(*set.out, &kv)
		}
	}
	return nil
}

func upsertSetting(list []*SpaceSetting, kv *SpaceSetting) []*SpaceSetting {
	for i, o := range list {
		if o.Key == kv.Key {
			list[i] = kv
			return list
		}
	}
	return append(list, kv)
}

var refNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)

func validRefName(n string) bool {
	return refNameRe.MatchString(n) && !strings.Contains(n, "..") && !strings.HasSuffix(n, "/") &&
		!strings.Contains(n, "//") && !commitRe.MatchString(n)
}

func cloneFiles(m map[string]*blob) map[string]*blob {
	out := make(map[string]*blob, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkNoFileDirClash rejects a file that is also a directory of another.
func checkNoFileDirClash(files map[string]*blob) error {
	for p := range files {
		for dir := p; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if files[dir] != nil {
				return fmt.Errorf("%q is both a file and a directory", dir)
			}
		}
	}
	return nil
}

func (st *state) buildWebhook(w Webhook) (*webhook, error) {
	if st.users[w.Owner] == nil {
		return nil, fmt.Errorf("unknown owner %q", w.Owner)
	}
	if w.ID == "" {
		w.ID = st.newWebhookID(w.Owner)
	} else if !hex24Re.MatchString(w.ID) {
		return nil, fmt.Errorf("id %q is not 24 hex digits", w.ID)
	}
	for _, o := range st.webhooks {
		if o.ID == w.ID {
			return nil, fmt.Errorf("duplicate id %s", w.ID)
		}
	}
	if err := checkWebhook(&w); err != nil {
		return nil, err
	}
	w.Watched = slices.Clone(w.Watched)
	w.Domains = slices.Clone(w.Domains)
	w.Job = cloneJob(w.Job)
	return &webhook{Webhook: w}, nil
}

// cloneJob copies a job specification, so that the scenario and the
// state share nothing.
func cloneJob(j *JobSpec) *JobSpec {
	if j == nil {
		return nil
	}
	c := *j
	c.Command = slices.Clone(j.Command)
	c.Arguments = slices.Clone(j.Arguments)
	c.Environment = maps.Clone(j.Environment)
	return &c
}

func (st *state) newWebhookID(owner string) string {
	st.nextHook++
	return mongoID("webhook", fmt.Sprintf("%s/%d", owner, st.nextHook))
}

func checkWebhook(w *Webhook) error {
	switch {
	case w.URL == "" && w.Job == nil:
		return fmt.Errorf("url or job is required")
	case w.URL != "" && w.Job != nil:
		return fmt.Errorf("url and job are exclusive")
	case w.Job != nil && w.Job.DockerImage == "" && w.Job.SpaceID == "":
		return fmt.Errorf("job needs a dockerImage or a spaceId")
	}
	if len(w.Watched) == 0 {
		return fmt.Errorf("watched is required")
	}
	for _, it := range w.Watched {
		switch it.Type {
		case "user", "org", "model", "dataset", "space":
		default:
			return fmt.Errorf("watched type %q: want user, org, model, dataset or space", it.Type)
		}
		if it.Name == "" {
			return fmt.Errorf("watched %s without a name", it.Type)
		}
	}
	if len(w.Domains) == 0 {
		w.Domains = []string{"repo", "discussion"}
	}
	for _, d := range w.Domains {
		if d != "repo" && d != "discussion" {
			return fmt.Errorf("domain %q: want repo or discussion", d)
		}
	}
	return nil
}

// resolveRev returns the commit a revision names: a branch, a tag, a full
// commit id, HEAD, or refs/heads/… and refs/tags/….
func (r *repo) resolveRev(rev string) *commit {
	switch {
	case rev == "" || rev == "HEAD":
		rev = "main"
	case strings.HasPrefix(rev, "refs/heads/"):
		return r.commits[r.branches[strings.TrimPrefix(rev, "refs/heads/")]]
	case strings.HasPrefix(rev, "refs/tags/"):
		return r.commits[r.gitTags[strings.TrimPrefix(rev, "refs/tags/")]]
	case strings.HasPrefix(rev, "refs/pr/"):
		if n, ok := prNumber(rev); ok {
			return r.commits[r.prRefs[n]]
		}
		return nil
	}
	if id, ok := r.branches[rev]; ok {
		return r.commits[id]
	}
	if id, ok := r.gitTags[rev]; ok {
		return r.commits[id]
	}
	if commitRe.MatchString(rev) {
		return r.commits[rev]
	}
	return nil
}

// branchName returns the branch a revision names, or the full name of
// the ref of an open (or draft) pull request, which takes commits too
// (huggingface_hub create_commit: revision="refs/pr/1"); "" otherwise.
func (r *repo) branchName(rev string) string {
	if n, ok := prNumber(rev); ok {
		if _, has := r.prRefs[n]; has && r.prOpen(n) {
			return rev
		}
		return ""
	}
	rev = strings.TrimPrefix(rev, "refs/heads/")
	if _, ok := r.branches[rev]; ok {
		return rev
	}
	return ""
}

// prOpen reports whether pull request n is open or a draft.
func (r *repo) prOpen(n int) bool {
	for _, d := range r.discussions {
		if d.Num == n {
			return d.IsPullRequest && (d.Status == "open" || d.Status == "draft")
		}
	}
	return false
}

// refTarget is the commit a branch or a refs/pr/{num} ref points at.
func (r *repo) refTarget(name string) string {
	if n, ok := prNumber(name); ok {
		return r.prRefs[n]
	}
	return r.branches[name]
}

// setRef moves a branch or a refs/pr/{num} ref.
func (r *repo) setRef(name, id string) {
	if n, ok := prNumber(name); ok {
		r.prRefs[n] = id
		return
	}
	r.branches[name] = id
}

// prCommitEvent adds the "commit" event the Hub shows in a pull request
// when a commit is pushed to its ref.
func (r *repo) prCommitEvent(n int, c *commit) {
	for _, d := range r.discussions {
		if d.Num == n {
			e := DiscussionEvent{Type: "commit", Author: c.author, CreatedAt: c.date, OID: c.id, Subject: c.title}
			d.events = append(d.events, event{DiscussionEvent: e, id: mongoID("event", fmt.Sprintf("%s/%s/%d/%s", r.typ, r.id, n, c.id))})
		}
	}
}

// prNumber parses "refs/pr/{num}".
func prNumber(rev string) (int, bool) {
	s, ok := strings.CutPrefix(rev, "refs/pr/")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0 && strconv.Itoa(n) == s
}

// history returns the first-parent history from c, newest first.
func (r *repo) history(c *commit) []*commit {
	var out []*commit
	for c != nil {
		out = append(out, c)
		if c.parent == "" {
			break
		}
		c = r.commits[c.parent]
	}
	return out
}

func (r *repo) head() *commit { return r.commits[r.branches["main"]] }

// urlPrefix is how file URLs start for the repository's type.
func (r *repo) urlPrefix() string {
	switch r.typ {
	case "dataset":
		return "datasets/"
	case "space":
		return "spaces/"
	}
	return ""
}
