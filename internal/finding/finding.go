// Package finding is the model of what a scan finds: a Finding (one
// occurrence of a secret at one place), its Location, the git commits that
// introduced it, the outcome of verifying it, and a scan's Stats.
//
// It is kept apart from the scan engine so that what only reads findings
// (report writers, the incident model, assess, the store) does not link the
// engine and its readers (archives, container images, git).
package finding

import "time"

// Finding is one occurrence of a secret at one place.
type Finding struct {
	// Rule identifies the credential shape, e.g. "hf-user-token".
	Rule string `json:"rule"`
	// Description says what the credential is, for people.
	Description string `json:"description"`
	// Linked is set for non-Hugging Face secrets found beside HF tokens
	// (OpenAI, Anthropic, GitHub, ...): rotate them with the HF token.
	Linked bool `json:"linked"`
	// Fingerprint is the SHA-256 hex digest of the exact secret.
	Fingerprint string `json:"fingerprint"`
	// Redacted is a preview safe to show, e.g. "hf_AbCd…WxYz".
	Redacted string `json:"redacted"`
	// Secret is the raw secret; empty unless the user asked to see secrets.
	Secret string `json:"secret,omitempty"`
	// Confidence is "high", "medium" or "low".
	Confidence string `json:"confidence"`
	// Encodings is the decoding chain that revealed the secret, outermost
	// first, e.g. ["base64"] or ["percent", "base64"]; empty for plain text.
	Encodings []string `json:"encodings"`
	// Source names the kind of source: "file", "stdin", "notebook".
	Source string `json:"source"`
	// Location is where the secret (or its first part) is.
	Location Location `json:"location"`
	// Parts holds every piece of a token split across string literals.
	Parts []Location `json:"parts,omitempty"`
	// Split is set when the token was assembled from several literals.
	Split bool `json:"split,omitempty"`
	// Time is when the bytes were written, where the source knows it (for
	// git, the earliest commit that introduced them: the exposure start).
	Time *time.Time `json:"time,omitempty"`

	// Git history findings: the author and date of the earliest commit that
	// introduced the secret, every (commit, path) that introduced it, the
	// refs whose tips still hold it (for a commit message: the refs that
	// reach the commit; for a tag message: the refs naming the tag), and
	// whether no ref reaches it at all.
	// Verification says whether the credential is live, where it was
	// checked (scan --verify); nil when it was not checked.
	Verification *Verification `json:"verification,omitempty"`

	CommitDate  *time.Time     `json:"commit_date,omitempty"`
	Author      string         `json:"author,omitempty"`
	Email       string         `json:"email,omitempty"`
	Commits     []Introduction `json:"commits,omitempty"`
	Refs        []string       `json:"refs,omitempty"`
	Unreachable bool           `json:"unreachable,omitempty"`

	raw string // the secret itself: in memory only
}

// KnownTime reports whether t can be evidence of when bytes were written.
// Anything before 1990-01-01 UTC is a sentinel for "unknown", not a date:
// the zero time, the Unix epoch that reproducible builds stamp
// (SOURCE_DATE_EPOCH=0, Bazel), zip's DOS time zero (1980-01-01). No
// Hugging Face token, nor the Hub, existed then. Such a time never becomes
// a finding's Time nor an incident's exposure start.
func KnownTime(t time.Time) bool {
	return t.UTC().Year() >= 1990
}

// RawSecret returns the secret, kept in memory whatever ShowSecrets says so
// that it can be verified; it is never serialised.
func (f *Finding) RawSecret() string { return f.raw }

// SetRawSecret keeps secret in memory as the finding's own secret, for
// verification (RawSecret). It is an unexported field so that no encoder
// (JSON, the store, a report) ever writes it; only the Secret field, set
// when the user asked to see secrets, is serialised.
func (f *Finding) SetRawSecret(secret string) { f.raw = secret }

// Verification is the outcome of checking a credential against the Hub.
type Verification struct {
	// Status is "live", "invalid" or "unknown" (rate-limited, server
	// error, unexpected answer, network: never called live or invalid).
	Status string `json:"status"`
	// Reason explains an unknown status, or says what answered.
	Reason string `json:"reason,omitempty"`
	// Owner is the account the credential belongs to, when live.
	Owner string `json:"owner,omitempty"`
	// CheckedAt is when the Hub answered; Cached is set when the answer
	// came from an earlier run.
	CheckedAt time.Time `json:"checked_at"`
	Cached    bool      `json:"cached,omitempty"`
	// Endpoint is the Hub that answered (its base URL): a simulator's or
	// a staging Hub's answer says nothing about the real one.
	Endpoint string `json:"endpoint,omitempty"`
}

// Introduction is a commit that added a secret-holding blob at a path.
type Introduction struct {
	Commit    string    `json:"commit"`
	Path      string    `json:"path"`
	Author    string    `json:"author"`
	Email     string    `json:"email"`
	Date      time.Time `json:"date"`
	Reachable bool      `json:"reachable"`
}

// Location is a position inside a source item.
type Location struct {
	// Path is the file path ("-" for stdin).
	Path string `json:"path"`
	// Repo names the git repository of a history finding: its absolute
	// path, or its URL without credentials. The same path and line in two
	// repositories are two places.
	Repo string `json:"repo,omitempty"`
	// Line and Column are 1-based; Column counts bytes, or characters in
	// text decoded from UTF-16 or UTF-32 (the finding's encodings name
	// it). Both are 0 in binary files, where Offset is the position.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Offset is the byte offset within the item (file, cell or output);
	// in decoded text (a gzip's, UTF-16's), within the decoded bytes.
	Offset int64 `json:"offset"`
	// Cell and Output index notebook cells and outputs (0-based).
	Cell   *int `json:"cell,omitempty"`
	Output *int `json:"output,omitempty"`
	// Field names the part of a structured item, e.g. "source".
	Field string `json:"field,omitempty"`
	// Chain is the provenance, outermost first.
	Chain []string `json:"chain,omitempty"`
	// Commit is the git commit that introduced the bytes (or whose message
	// holds them); Object is the git object (blob, commit, tag) holding them.
	Commit string `json:"commit,omitempty"`
	Object string `json:"object,omitempty"`
	// Attrs holds what the source knows of the place beyond the path:
	// "image", "layer", "deleted_in_layer", "channel", "user", "issue",
	// "comment", "step", "field" and the like.
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Stats summarises a scan.
type Stats struct {
	Files        int64    `json:"files"`
	Bytes        int64    `json:"bytes"`
	Findings     int      `json:"findings"`
	Secrets      int      `json:"secrets"`
	Ignored      int      `json:"ignored"`
	Skipped      int64    `json:"skipped"`
	Errors       int      `json:"errors"`
	ErrorList    []string `json:"error_list,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	DurationSecs float64  `json:"duration_seconds"`
}
