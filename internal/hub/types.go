package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// WhoAmI is the answer of GET /api/whoami-v2: the token's owner and the
// token itself. Unknown fields are ignored; absent ones stay zero.
type WhoAmI struct {
	// Type is "user", "org" for legacy organization tokens, or "app" for
	// app tokens.
	Type string `json:"type"`
	// ID is the owner's 24-hex Hub id.
	ID string `json:"id"`
	// Name is the user or organization name.
	Name string `json:"name"`
	// Fullname is the display name.
	Fullname string `json:"fullname"`
	// Email is absent for some tokens.
	Email string `json:"email"`
	// EmailVerified tells whether Email is verified.
	EmailVerified bool `json:"emailVerified"`
	// IsPro is a PRO subscription.
	IsPro bool `json:"isPro"`
	// CanPay is a payment method on file.
	CanPay bool `json:"canPay"`
	// BillingMode is "prepaid" or "postpaid".
	BillingMode string `json:"billingMode"`
	// Orgs are the owner's organization memberships.
	Orgs []OrgMembership `json:"orgs"`
	// Scope is what an app token (Type "app") may act on; nil otherwise.
	Scope *AppScope `json:"scope"`
	// Auth describes the credential used.
	Auth Auth `json:"auth"`
}

// AppScope is [WhoAmI.Scope] (huggingface.js ApiWhoAmIApp): the users and
// organizations an app token acts on, with one role on all of them.
type AppScope struct {
	// Entities name the users and organizations.
	Entities []string `json:"entities"`
	// Role is admin, write, contributor or read.
	Role string `json:"role"`
}

// OrgMembership is one entry of [WhoAmI.Orgs].
type OrgMembership struct {
	// ID is the organization's Hub id.
	ID string `json:"id"`
	// Type is "org".
	Type string `json:"type"`
	// Name is the organization name.
	Name string `json:"name"`
	// Fullname is its display name.
	Fullname string `json:"fullname"`
	// Plan is e.g. "team", "enterprise" or empty.
	Plan string `json:"plan"`
	// RoleInOrg is admin, write, contributor, read or no_access.
	RoleInOrg string `json:"roleInOrg"`
	// ResourceGroups the user belongs to inside the organization.
	ResourceGroups []ResourceGroup `json:"resourceGroups"`
}

// ResourceGroup is a resource group membership inside an organization.
type ResourceGroup struct {
	// ID is the group's Hub id.
	ID string `json:"id"`
	// Name is the group name.
	Name string `json:"name"`
	// Role is the user's role in the group.
	Role string `json:"role"`
}

// Auth is [WhoAmI.Auth].
type Auth struct {
	// Type is access_token, oauth, app_token or app_token_as_user.
	Type string `json:"type"`
	// AccessToken describes the token; without a role or name for OAuth
	// tokens, empty for legacy org tokens and absent for app tokens.
	AccessToken AccessToken `json:"accessToken"`
}

// AccessToken is [Auth.AccessToken].
type AccessToken struct {
	// DisplayName is the name the user gave the token.
	DisplayName string `json:"displayName"`
	// Role is read, write or fineGrained.
	Role string `json:"role"`
	// CreatedAt is when the token was created.
	CreatedAt time.Time `json:"createdAt"`
	// FineGrained lists a fine-grained token's permissions; nil otherwise.
	FineGrained *FineGrained `json:"fineGrained"`
}

// FineGrained is a fine-grained token's permissions.
type FineGrained struct {
	// CanReadGatedRepos lets the token read gated repositories the user
	// was granted.
	CanReadGatedRepos bool `json:"canReadGatedRepos"`
	// Global permissions, e.g. "discussion.write", "post.write".
	Global []string `json:"global"`
	// Scoped permissions, per entity.
	Scoped []Scope `json:"scoped"`
}

// Scope is the permissions a fine-grained token has on one entity.
type Scope struct {
	// Entity the permissions apply to.
	Entity Entity `json:"entity"`
	// Permissions, e.g. "repo.content.read", "repo.write".
	Permissions []string `json:"permissions"`
}

// Entity is a fine-grained scope's target.
type Entity struct {
	// ID is the entity's Hub id (JSON "_id").
	ID string `json:"_id"`
	// Type is model, dataset, space, bucket, kernel, collection, org,
	// user, resource-group or oauth-app.
	Type string `json:"type"`
	// Name is the entity's name.
	Name string `json:"name"`
}

// GatedMode is a repository's gating: "" (not gated), "auto" or "manual".
// The Hub sends false, "auto" or "manual"; an unexpected true decodes as
// "true".
type GatedMode string

// UnmarshalJSON accepts false, true, null or a string.
func (g *GatedMode) UnmarshalJSON(b []byte) error {
	switch s := string(bytes.TrimSpace(b)); s {
	case "false", "null":
		*g = ""
		return nil
	case "true":
		*g = "true"
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("gated: %w", err)
	}
	*g = GatedMode(s)
	return nil
}

// RepoSummary is one entry of a repository listing.
type RepoSummary struct {
	// InternalID is the Hub's 24-hex id (JSON "_id").
	InternalID string `json:"_id"`
	// ID is "namespace/name".
	ID string `json:"id"`
	// Private repositories appear only to tokens that can read them.
	Private bool `json:"private"`
	// Gated is "", "auto" or "manual".
	Gated GatedMode `json:"gated"`
	// Disabled by the Hub: every request on it answers 403.
	Disabled bool `json:"disabled"`
	// LastModified is the last commit time.
	LastModified time.Time `json:"lastModified"`
}

// RepoInfo is the answer of GET /api/{type}s/{id}[/revision/{rev}].
type RepoInfo struct {
	// InternalID is the Hub's 24-hex id (JSON "_id").
	InternalID string `json:"_id"`
	// ID is "namespace/name".
	ID string `json:"id"`
	// Author is the namespace.
	Author string `json:"author"`
	// SHA is the commit the revision resolves to.
	SHA string `json:"sha"`
	// LastModified is the last commit time.
	LastModified time.Time `json:"lastModified"`
	// CreatedAt is the repository's creation time.
	CreatedAt time.Time `json:"createdAt"`
	// Private repository.
	Private bool `json:"private"`
	// Gated is "", "auto" or "manual".
	Gated GatedMode `json:"gated"`
	// Disabled by the Hub.
	Disabled bool `json:"disabled"`
	// Siblings are the files at the revision.
	Siblings []Sibling `json:"siblings"`
}

// Sibling is a file in [RepoInfo.Siblings].
type Sibling struct {
	// RFilename is the path in the repository.
	RFilename string `json:"rfilename"`
	// Size in bytes (present when asked for).
	Size int64 `json:"size"`
	// BlobID is the git blob id.
	BlobID string `json:"blobId"`
	// LFS is set for LFS files.
	LFS *SiblingLFS `json:"lfs"`
}

// SiblingLFS describes an LFS file in [Sibling.LFS].
type SiblingLFS struct {
	// Size of the content.
	Size int64 `json:"size"`
	// SHA256 of the content.
	SHA256 string `json:"sha256"`
	// PointerSize is the size of the git pointer file.
	PointerSize int64 `json:"pointerSize"`
}

// Refs is the answer of GET /api/{type}s/{id}/refs.
type Refs struct {
	// Branches of the repository.
	Branches []GitRef `json:"branches"`
	// Tags of the repository.
	Tags []GitRef `json:"tags"`
	// Converts are refs/convert/* (e.g. parquet).
	Converts []GitRef `json:"converts"`
	// PullRequests are refs/pr/* (only with includePRs).
	PullRequests []GitRef `json:"pullRequests"`
}

// GitRef is a branch, tag or other ref.
type GitRef struct {
	// Name is the short name, e.g. "main".
	Name string `json:"name"`
	// Ref is the full name, e.g. "refs/heads/main".
	Ref string `json:"ref"`
	// TargetCommit is the commit id.
	TargetCommit string `json:"targetCommit"`
}

// Commit is one entry of a commit listing.
type Commit struct {
	// ID is the commit hash.
	ID string `json:"id"`
	// Title is the first line of the message.
	Title string `json:"title"`
	// Message is the rest of the message.
	Message string `json:"message"`
	// Authors are the Hub users credited.
	Authors []CommitAuthor `json:"authors"`
	// Date is the commit date.
	Date time.Time `json:"date"`
}

// CommitAuthor is one of [Commit.Authors].
type CommitAuthor struct {
	// User is the Hub user name.
	User string `json:"user"`
	// Avatar is the avatar URL.
	Avatar string `json:"avatar"`
}

// TreeEntry is one entry of a tree listing.
type TreeEntry struct {
	// Type is "file" or "directory".
	Type string `json:"type"`
	// OID is the git object id.
	OID string `json:"oid"`
	// Size in bytes.
	Size int64 `json:"size"`
	// Path from the repository root.
	Path string `json:"path"`
	// LFS is set for LFS files.
	LFS *TreeLFS `json:"lfs"`
	// LastCommit is set when the Hub expands it.
	LastCommit *TreeCommit `json:"lastCommit"`
}

// TreeLFS describes an LFS file in [TreeEntry.LFS].
type TreeLFS struct {
	// OID is the content's sha256.
	OID string `json:"oid"`
	// Size of the content.
	Size int64 `json:"size"`
	// PointerSize is the size of the git pointer file.
	PointerSize int64 `json:"pointerSize"`
}

// TreeCommit is [TreeEntry.LastCommit].
type TreeCommit struct {
	// ID is the commit hash.
	ID string `json:"id"`
	// Title is the commit title.
	Title string `json:"title"`
	// Date is the commit date.
	Date time.Time `json:"date"`
}

// DiscussionSummary is one entry of a discussion listing.
type DiscussionSummary struct {
	// Num is the discussion number.
	Num int `json:"num"`
	// Title of the discussion.
	Title string `json:"title"`
	// Status is open, closed, merged or draft.
	Status string `json:"status"`
	// CreatedAt is when it was opened.
	CreatedAt time.Time `json:"createdAt"`
	// Author opened it.
	Author DiscussionAuthor `json:"author"`
	// IsPullRequest distinguishes pull requests from discussions.
	IsPullRequest bool `json:"isPullRequest"`
}

// DiscussionAuthor is a discussion or event author.
type DiscussionAuthor struct {
	// Name is the Hub user name.
	Name string `json:"name"`
	// Fullname is the display name.
	Fullname string `json:"fullname"`
	// Type is "user" or "org".
	Type string `json:"type"`
}

// Discussion is the answer of GET /api/{type}s/{id}/discussions/{num}.
type Discussion struct {
	DiscussionSummary
	// Events in order: comments, status and title changes, commits.
	Events []DiscussionEvent `json:"events"`
}

// DiscussionEvent is one of [Discussion.Events].
type DiscussionEvent struct {
	// ID of the event.
	ID string `json:"id"`
	// Type is comment, status-change, commit or title-change.
	Type string `json:"type"`
	// CreatedAt is when it happened.
	CreatedAt time.Time `json:"createdAt"`
	// Author caused it.
	Author DiscussionAuthor `json:"author"`
	// Data is the type-specific content.
	Data EventData `json:"data"`
}

// EventData is [DiscussionEvent.Data]; which fields are set depends on the
// event type.
type EventData struct {
	// Latest is a comment's current text.
	Latest *CommentText `json:"latest"`
	// Hidden is a hidden comment.
	Hidden bool `json:"hidden"`
	// Status is a status change's new status.
	Status string `json:"status"`
	// Subject and OID describe a commit event.
	Subject string `json:"subject"`
	// OID is a commit event's commit.
	OID string `json:"oid"`
	// From and To are a title change's old and new titles.
	From string `json:"from"`
	// To is a title change's new title.
	To string `json:"to"`
}

// CommentText is a comment revision.
type CommentText struct {
	// Raw is the Markdown source.
	Raw string `json:"raw"`
}

// OrgMember is one entry of GET /api/organizations/{org}/members.
type OrgMember struct {
	// User is the member's user name.
	User string `json:"user"`
	// Fullname is the display name.
	Fullname string `json:"fullname"`
	// Type is "user".
	Type string `json:"type"`
	// IsPro is a PRO subscription.
	IsPro bool `json:"isPro"`
	// Role in the organization, when the Hub shows it.
	Role string `json:"role"`
}

// SpaceSetting is a Space secret or variable. Secrets have no Value.
type SpaceSetting struct {
	// Key is the environment variable name.
	Key string `json:"key"`
	// Value is a variable's value; empty for secrets.
	Value string `json:"value"`
	// Description is free text.
	Description string `json:"description"`
	// UpdatedAt is the last change.
	UpdatedAt time.Time `json:"updatedAt"`
}

// decodeSpaceSettings accepts a JSON array of settings or an object keyed
// by name (the huggingface_hub variables shape), returning them sorted by key.
func decodeSpaceSettings(b []byte) ([]SpaceSetting, error) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '[' {
		var list []SpaceSetting
		err := json.Unmarshal(t, &list)
		return list, err
	}
	var m map[string]SpaceSetting
	if err := json.Unmarshal(t, &m); err != nil {
		return nil, err
	}
	list := make([]SpaceSetting, 0, len(m))
	for k, v := range m {
		if v.Key == "" {
			v.Key = k
		}
		list = append(list, v)
	}
	slices.SortFunc(list, func(a, b SpaceSetting) int { return strings.Compare(a.Key, b.Key) })
	return list, nil
}

// Webhook is one of the token owner's webhooks. Its secret is not decoded.
type Webhook struct {
	// ID of the webhook.
	ID string `json:"id"`
	// URL the Hub posts to; empty for a Job webhook.
	URL string `json:"url"`
	// Job is what a Job webhook runs on every event instead of posting
	// anywhere (huggingface_hub hf_api.py, WebhookInfo: "one of url or
	// job"); nil for a URL webhook.
	Job *JobSpec `json:"job"`
	// Watched entities.
	Watched []WatchedItem `json:"watched"`
	// Domains are "repo" and/or "discussion".
	Domains []string `json:"domains"`
	// Disabled webhook.
	Disabled bool `json:"disabled"`
}

// JobSpec is what a Job runs (hub-docs jobs-webhooks.md; field names of
// huggingface_hub _jobs_api.py, JobSpec).
type JobSpec struct {
	// DockerImage is the image the Job runs, or empty for a Space's.
	DockerImage string `json:"dockerImage"`
	// SpaceID is the Space whose image the Job runs, or empty.
	SpaceID string `json:"spaceId"`
	// Command and Arguments are what runs in it.
	Command   []string `json:"command"`
	Arguments []string `json:"arguments"`
	// Environment holds the Job's variables (values may be secrets).
	Environment map[string]string `json:"environment"`
	// Flavor is the hardware, e.g. "cpu-basic".
	Flavor string `json:"flavor"`
}

// WatchedItem is one of [Webhook.Watched].
type WatchedItem struct {
	// Type is user, org, model, dataset or space.
	Type string `json:"type"`
	// Name of the watched entity.
	Name string `json:"name"`
}

// decodeWebhooks accepts a JSON array or {"webhooks": [...]}.
func decodeWebhooks(b []byte) ([]Webhook, error) {
	t := bytes.TrimSpace(b)
	var list []Webhook
	if len(t) > 0 && t[0] == '[' {
		err := json.Unmarshal(t, &list)
		return list, err
	}
	var wrapped struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	err := json.Unmarshal(t, &wrapped)
	return wrapped.Webhooks, err
}

// File is a downloaded repository file.
type File struct {
	// Data is the content.
	Data []byte
	// Commit is the X-Repo-Commit the Hub resolved the revision to.
	Commit string
	// ETag is X-Linked-Etag (LFS sha256) or ETag, unquoted.
	ETag string
	// Size is X-Linked-Size (an LFS file's size, on the Hub's first hop
	// when it redirects to storage), else -1.
	Size int64
	// XetHash is X-Xet-Hash, set when the file is stored with Xet.
	XetHash string
	// ContentType of the answer.
	ContentType string
}
