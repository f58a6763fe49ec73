package scan

import (
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
)

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
	// Line and Column are 1-based; Column counts bytes. Both are 0 in binary
	// files, where Offset is the position.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Offset is the byte offset within the item (file, cell or output).
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

// nameHider replaces the secrets in names (detect.Detector.Hide), each
// distinct name looked at once: a scan has many findings in few places.
type nameHider struct {
	det  *detect.Detector
	seen map[string]string
}

func (h *nameHider) hide(s string) string {
	if s == "" {
		return s
	}
	if v, ok := h.seen[s]; ok {
		return v
	}
	v := h.det.Hide(s)
	h.seen[s] = v
	return v
}

func (h *nameHider) location(l *Location) {
	l.Path = h.hide(l.Path)
	l.Repo = h.hide(l.Repo)
	l.Field = h.hide(l.Field)
	l.Object = h.hide(l.Object)
	if len(l.Chain) > 0 {
		chain := make([]string, len(l.Chain)) // shared with other findings of the chunk
		for i, c := range l.Chain {
			chain[i] = h.hide(c)
		}
		l.Chain = chain
	}
	if len(l.Attrs) > 0 {
		attrs := make(map[string]string, len(l.Attrs)) // shared too
		for k, v := range l.Attrs {
			attrs[k] = h.hide(v)
		}
		l.Attrs = attrs
	}
}

// hideNames replaces every secret in the names of the findings (file and
// member names, notebook fields, git paths, refs, authors, image
// references) and in the error and warning lists by its label, so that
// no report, store or terminal gets a token from a name. A finding's
// own secret stays in its fingerprint and preview. Called with s.mu held.
func (s *Scanner) hideNames() {
	h := &nameHider{det: s.det, seen: map[string]string{}}
	for i := range s.findings {
		f := &s.findings[i]
		h.location(&f.Location)
		for j := range f.Parts {
			h.location(&f.Parts[j])
		}
		f.Author, f.Email = h.hide(f.Author), h.hide(f.Email)
		for j := range f.Commits {
			c := &f.Commits[j]
			c.Path, c.Author, c.Email = h.hide(c.Path), h.hide(c.Author), h.hide(c.Email)
		}
		if len(f.Refs) > 0 {
			refs := make([]string, len(f.Refs))
			for j, r := range f.Refs {
				refs[j] = h.hide(r)
			}
			f.Refs = refs
		}
	}
	for i, e := range s.stats.ErrorList {
		s.stats.ErrorList[i] = h.hide(e)
	}
	for i, w := range s.stats.Warnings {
		s.stats.Warnings[i] = h.hide(w)
	}
}
