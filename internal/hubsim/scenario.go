package hubsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// Token kinds, as used in [Token.Kind] and [TokenInfo.Kind].
const (
	KindClassic     = "classic"     // user access token with role read or write
	KindFineGrained = "fineGrained" // user access token with scoped permissions
	KindOAuth       = "oauth"       // hf_oauth_ + JWT
	KindOrg         = "org"         // legacy api_org_ organization token
	KindApp         = "app"         // app token: acts as an app on its scope's entities
)

// Scenario is the whole content of a simulated Hub: who exists, which tokens
// they hold and which repositories, discussions and webhooks there are. See
// the package documentation for the JSON format.
type Scenario struct {
	Users    []User    `json:"users"`
	Orgs     []Org     `json:"orgs,omitempty"`
	Tokens   []Token   `json:"tokens"`
	Repos    []Repo    `json:"repos,omitempty"`
	Webhooks []Webhook `json:"webhooks,omitempty"`
	// Jobs are the Jobs a webhook may be made to trigger (its
	// "jobSourceId" names one).
	Jobs []Job `json:"jobs,omitempty"`
}

// User is a Hub user account.
type User struct {
	Name     string       `json:"name"`
	Fullname string       `json:"fullname,omitempty"`
	Email    string       `json:"email,omitempty"` // absent from whoami when empty
	IsPro    bool         `json:"isPro,omitempty"`
	Orgs     []Membership `json:"orgs,omitempty"`
}

// Membership is a user's role in an organization: admin, write,
// contributor, read or no_access, and in its resource groups.
type Membership struct {
	Name      string `json:"name"`
	RoleInOrg string `json:"roleInOrg"`
	// ResourceGroups are the user's roles in groups of the organization.
	ResourceGroups []GroupRole `json:"resourceGroups,omitempty"`
}

// GroupRole is a user's role (admin, write, contributor or read) in one
// resource group of an organization.
type GroupRole struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Org is a Hub organization. Members are declared on the users.
type Org struct {
	Name     string `json:"name"`
	Fullname string `json:"fullname,omitempty"`
	Plan     string `json:"plan,omitempty"` // e.g. "team", "enterprise"; default "free"
	// ResourceGroups names the organization's resource groups.
	ResourceGroups []string `json:"resourceGroups,omitempty"`
}

// Token is a credential the simulator accepts.
type Token struct {
	// Token is the raw secret sent as "Authorization: Bearer TOKEN".
	Token string `json:"token"`
	// User owns the token; for Kind "org" it names the organization, for
	// Kind "app" the app.
	User string `json:"user"`
	// Kind is classic, fineGrained, oauth, org or app.
	Kind string `json:"kind"`
	// DisplayName is the token's name (not shown for OAuth and app tokens).
	DisplayName string `json:"displayName,omitempty"`
	// Role is read or write for classic and org tokens (default read),
	// always fineGrained for fine-grained tokens, and admin, write,
	// contributor or read for app tokens. On an OAuth token it only
	// stands for scopes when neither Scopes nor the token's JWT scope
	// claim give any: read is read-repos, write adds write-repos.
	Role string `json:"role,omitempty"`
	// Scopes are an OAuth token's scopes (read-repos, write-repos,
	// manage-repos, gated-repos, inference-api, jobs, webhooks, …);
	// default the scope claim of the token's JWT.
	Scopes []string `json:"scopes,omitempty"`
	// Orgs are the organizations the user granted an OAuth app access to:
	// its repository scopes reach no other organization.
	Orgs []string `json:"orgs,omitempty"`
	// Entities are the users and organizations an app token acts on.
	Entities  []string  `json:"entities,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// ExpiresAt, when set, is shown for OAuth tokens and makes the token
	// invalid from then on.
	ExpiresAt   time.Time    `json:"expiresAt,omitzero"`
	FineGrained *FineGrained `json:"fineGrained,omitempty"`
	// Revoked makes the token start out revoked.
	Revoked bool `json:"revoked,omitempty"`
}

// FineGrained holds the permissions of a fine-grained token.
type FineGrained struct {
	CanReadGatedRepos bool     `json:"canReadGatedRepos"`
	Global            []string `json:"global,omitempty"`
	Scoped            []Scope  `json:"scoped,omitempty"`
}

// Scope grants permissions on one entity.
type Scope struct {
	Entity      Entity   `json:"entity"`
	Permissions []string `json:"permissions"`
}

// Entity is what a scope applies to: type user or org with a name, type
// model, dataset or space with a repository id, or type resource-group
// with "org/group".
type Entity struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// Repo is a model, dataset or space repository.
type Repo struct {
	// ID is "namespace/name"; the namespace is a user or an organization.
	ID string `json:"id"`
	// Type is model (default), dataset or space.
	Type    string `json:"type,omitempty"`
	Private bool   `json:"private,omitempty"`
	// ResourceGroup names the group of the owning organization the
	// repository belongs to; a private one is visible to its members only.
	ResourceGroup string `json:"resourceGroup,omitempty"`
	// Gated is "" (JSON false), "auto" or "manual".
	Gated Gated `json:"gated,omitempty"`
	// ApprovedUsers are the users whose access request to a gated
	// repository was accepted: only they (and the owner and the owning
	// organization's members) may download its files. An "auto" gated
	// repository accepts every request, but a user who never asked is
	// not on the list and is refused.
	ApprovedUsers []string `json:"approvedUsers,omitempty"`
	// Disabled repositories (disabled by the Hub) answer every request
	// with 403 "Access to this resource is disabled.".
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	Likes     int       `json:"likes,omitempty"`
	Downloads int       `json:"downloads,omitempty"`
	// RepoTags are the Hub's metadata tags (shown as "tags" by the API).
	RepoTags    []string `json:"repoTags,omitempty"`
	PipelineTag string   `json:"pipelineTag,omitempty"`
	SDK         string   `json:"sdk,omitempty"` // spaces; default gradio
	// Files are the files of the first commit, path → content.
	Files map[string]File `json:"files,omitempty"`
	// Commits is the history of main, oldest first. Empty: one "Initial
	// commit" is made from Files.
	Commits []Commit `json:"commits,omitempty"`
	// Branches and Tags map a name to a revision: "main", "main~N" (N
	// commits before the head of main) or a commit id.
	Branches    map[string]string `json:"branches,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Discussions []Discussion      `json:"discussions,omitempty"`
	// Secrets and Variables are settings of spaces.
	Secrets   []SpaceSetting `json:"secrets,omitempty"`
	Variables []SpaceSetting `json:"variables,omitempty"`
}

// Gated is a repository's gating mode: "" (not gated), "auto" or "manual".
// In JSON it is false, "auto" or "manual", as the Hub shows it.
type Gated string

// MarshalJSON writes false for an ungated repository.
func (g Gated) MarshalJSON() ([]byte, error) {
	if g == "" {
		return []byte("false"), nil
	}
	return json.Marshal(string(g))
}

// UnmarshalJSON reads false, true (meaning "auto"), "auto" or "manual".
func (g *Gated) UnmarshalJSON(data []byte) error {
	var b bool
	if err := json.Unmarshal(data, &b); err == nil {
		*g = ""
		if b {
			*g = "auto"
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("gated: want false, \"auto\" or \"manual\": %w", err)
	}
	if s != "auto" && s != "manual" && s != "" {
		return fmt.Errorf("gated: want false, \"auto\" or \"manual\", got %q", s)
	}
	*g = Gated(s)
	return nil
}

// File is the content of one file. In JSON it is either a string (the text
// of the file) or an object with one of "text", "base64" or "size" (that
// many deterministic pseudo-random bytes), and optionally "lfs" to force
// or forbid storage as an LFS file. By default a file is stored with LFS
// when it is binary (not UTF-8, or has a NUL byte) or 10 MiB or larger.
type File struct {
	Text   string `json:"text,omitempty"`
	Base64 string `json:"base64,omitempty"`
	Size   int64  `json:"size,omitempty"`
	LFS    *bool  `json:"lfs,omitempty"`
}

// MarshalJSON writes a plain string for text files.
func (f File) MarshalJSON() ([]byte, error) {
	if f.Base64 == "" && f.Size == 0 && f.LFS == nil {
		return json.Marshal(f.Text)
	}
	type plain File
	return json.Marshal(plain(f))
}

// UnmarshalJSON reads a string or an object.
func (f *File) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*f = File{}
		return json.Unmarshal(data, &f.Text)
	}
	type plain File
	var p plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("file: %w", err)
	}
	*f = File(p)
	return nil
}

// content returns the bytes of the file; seed makes generated content
// differ between files.
func (f File) content(seed string) ([]byte, error) {
	set := 0
	if f.Text != "" {
		set++
	}
	if f.Base64 != "" {
		set++
	}
	if f.Size != 0 {
		set++
	}
	if set > 1 {
		return nil, fmt.Errorf("more than one of text, base64 and size")
	}
	switch {
	case f.Base64 != "":
		b, err := base64.StdEncoding.DecodeString(f.Base64)
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		return b, nil
	case f.Size < 0 || f.Size > 1<<30:
		return nil, fmt.Errorf("size %d out of range", f.Size)
	case f.Size > 0:
		return pseudoRandomBytes(seed, int(f.Size)), nil
	}
	return []byte(f.Text), nil
}

// Commit is one commit of a repository's history.
type Commit struct {
	// ID is a 40-hex commit id; computed when empty.
	ID      string `json:"id,omitempty"`
	Title   string `json:"title"`
	Message string `json:"message,omitempty"`
	// Author is a user name; default the repository owner (for an
	// organization, its first admin).
	Author string    `json:"author,omitempty"`
	Date   time.Time `json:"date,omitzero"`
	// Files are the changes this commit makes: path → content, or null to
	// delete the file.
	Files map[string]*File `json:"files,omitempty"`
}

// Discussion is a discussion or pull request of a repository.
type Discussion struct {
	// Num defaults to the position in the list, from 1.
	Num           int       `json:"num,omitempty"`
	Title         string    `json:"title"`
	Author        string    `json:"author"`
	Status        string    `json:"status,omitempty"` // open (default), closed, merged, draft
	IsPullRequest bool      `json:"isPullRequest,omitempty"`
	Pinned        bool      `json:"pinned,omitempty"`
	CreatedAt     time.Time `json:"createdAt,omitzero"`
	// Events are shown in order; the first comment is the opening post.
	Events []DiscussionEvent `json:"events,omitempty"`
}

// DiscussionEvent is one event of a discussion.
type DiscussionEvent struct {
	// Type is comment (default), status-change, title-change or commit.
	Type      string    `json:"type,omitempty"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	Content   string    `json:"content,omitempty"` // comment
	Status    string    `json:"status,omitempty"`  // status-change
	From      string    `json:"from,omitempty"`    // title-change
	To        string    `json:"to,omitempty"`      // title-change
	OID       string    `json:"oid,omitempty"`     // commit
	Subject   string    `json:"subject,omitempty"` // commit
}

// SpaceSetting is a secret or a variable of a space. Secret values are
// never shown by the API.
type SpaceSetting struct {
	Key         string    `json:"key"`
	Value       string    `json:"value"`
	Description string    `json:"description,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
}

// Webhook is a user's webhook. It posts to URL or triggers Job, never
// both.
type Webhook struct {
	// ID is 24 hex digits; computed when empty.
	ID       string        `json:"id,omitempty"`
	Owner    string        `json:"owner"`
	URL      string        `json:"url,omitempty"`
	Job      *JobSpec      `json:"job,omitempty"`
	Watched  []WatchedItem `json:"watched"`
	Domains  []string      `json:"domains,omitempty"` // repo, discussion; default both
	Disabled bool          `json:"disabled,omitempty"`
	Secret   string        `json:"secret,omitempty"`
}

// JobSpec is what a Job runs, with the field names of the Hub's job
// specifications (huggingface_hub _jobs_api.py, JobSpec).
type JobSpec struct {
	DockerImage string            `json:"dockerImage,omitempty"`
	SpaceID     string            `json:"spaceId,omitempty"`
	Command     []string          `json:"command,omitempty"`
	Arguments   []string          `json:"arguments,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
	Flavor      string            `json:"flavor,omitempty"`
}

// Job is a Job of the scenario that a webhook may trigger.
type Job struct {
	ID    string `json:"id"` // what a webhook's jobSourceId names
	Owner string `json:"owner"`
	JobSpec
}

// WatchedItem is what a webhook watches: a user, an org or a repository
// (type model, dataset or space with its id).
type WatchedItem struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// ParseScenario decodes and validates a scenario. Unknown fields are errors.
func ParseScenario(data []byte) (*Scenario, error) {
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("hubsim: parse scenario: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("hubsim: parse scenario: data after the scenario object")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// MaxScenarioSize bounds a scenario file: a scenario is written by hand
// or by a test, never near this.
const MaxScenarioSize = 16 << 20

// LoadScenario reads and validates a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := safefile.ReadLimit(path, MaxScenarioSize)
	if err != nil {
		return nil, fmt.Errorf("hubsim: load scenario: %w", err)
	}
	s, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Validate reports the first inconsistency in the scenario: unknown users,
// orgs or roles, duplicate tokens or repositories, bad revisions.
func (s *Scenario) Validate() error {
	_, err := build(s)
	return err
}
