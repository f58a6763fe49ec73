package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Class is what an answer from the Hub means, independent of its raw status
// code. Callers decide on the class, never on the status code.
type Class int

// The classes. The zero value is not a valid class.
const (
	// OK is a 2xx answer with the expected content.
	OK Class = iota + 1
	// InvalidCredentials is a 401 saying "Invalid credentials in
	// Authorization header": the token does not exist (any more).
	InvalidCredentials
	// Forbidden is a 403 (fine-grained scope missing, org token policy,
	// token revoked by an organization administrator) from the Hub itself.
	Forbidden
	// NotFound is a 404, an X-Error-Code of RepoNotFound, RevisionNotFound
	// or EntryNotFound, or a 401 on a repository endpoint (private or
	// missing repository).
	NotFound
	// Gated is an X-Error-Code of GatedRepo: the repository exists but the
	// token's user has not been granted access.
	Gated
	// RateLimited is a 429. [Error.ResetAt] says when the quota resets, if
	// the Hub said so.
	RateLimited
	// ServerError is a 5xx.
	ServerError
	// UnexpectedContent is an answer that is not what the Hub API sends:
	// HTML (a WAF or proxy page) where JSON was expected, whatever the
	// status code; an undecodable or oversized body; a 1xx/3xx status;
	// a redirect or pagination link the client refuses to follow.
	UnexpectedContent
	// NetworkError is a failure to get any answer: timeout, connection
	// refused or reset, DNS, TLS, or the caller's context ending.
	NetworkError
	// BadRequest is any other 4xx (400, 405, 409, 413, 422, …): the Hub
	// rejected the request itself, which says nothing about the token.
	BadRequest
	// Disabled is a 403 saying "Access to this resource is disabled.":
	// the Hub has disabled the repository, for everyone. It says nothing
	// about the token's access.
	Disabled
)

var classNames = [...]string{
	OK:                 "ok",
	InvalidCredentials: "invalid-credentials",
	Forbidden:          "forbidden",
	NotFound:           "not-found",
	Gated:              "gated",
	RateLimited:        "rate-limited",
	ServerError:        "server-error",
	UnexpectedContent:  "unexpected-content",
	NetworkError:       "network-error",
	BadRequest:         "bad-request",
	Disabled:           "disabled",
}

// String returns the class's stable kebab-case name, e.g. "rate-limited".
func (c Class) String() string {
	if c > 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "unclassified(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText encodes the class as its String form, for JSON reports.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Unknown reports whether an answer of this class says nothing about a
// token's validity: rate limits, server errors, unexpected content, network
// failures and other rejected requests. Such answers are never "live" and
// never "invalid".
func (c Class) Unknown() bool {
	switch c {
	case OK, InvalidCredentials, Forbidden, NotFound, Gated, Disabled:
		return false
	}
	return true
}

// ErrResponseTooLarge is wrapped by an [Error] whose response body exceeded
// the size bound ([Options.MaxResponseBytes] or DownloadFile's maxBytes).
var ErrResponseTooLarge = errors.New("response body too large")

// Error is every failure the client returns after it started a request.
// Message never contains a token.
type Error struct {
	// Class is what the answer means.
	Class Class
	// StatusCode is the HTTP status, 0 when there was no answer.
	StatusCode int
	// Code is the X-Error-Code header (RepoNotFound, GatedRepo, …), if any.
	Code string
	// Message is the X-Error-Message header or the JSON "error" field,
	// or a description of the failure: one line, truncated, with anything
	// resembling a Hugging Face token redacted.
	Message string
	// ResetAt is when a rate limit resets (RateLimited only; zero when the
	// Hub did not say).
	ResetAt time.Time
	// Op is what the client was doing, e.g. "whoami" or "list models".
	Op string
	// Method is the HTTP method.
	Method string
	// Endpoint is the URL path that was requested (no host, no query).
	Endpoint string
	// Err is the underlying cause, if any (a context error, a transport
	// error, [ErrResponseTooLarge], a JSON error).
	Err error
}

// Error returns a one-line description.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hub: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Class.String())
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
		if e.Code != "" {
			b.WriteString(" ")
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if !e.ResetAt.IsZero() {
		b.WriteString("; resets at ")
		b.WriteString(e.ResetAt.UTC().Format(time.RFC3339))
	}
	if e.Endpoint != "" {
		b.WriteString(" [")
		if e.Method != "" {
			b.WriteString(e.Method)
			b.WriteString(" ")
		}
		b.WriteString(e.Endpoint)
		b.WriteString("]")
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: OK for nil, the class of the first
// [*Error] in its chain, NetworkError for a bare context error, and 0
// (unclassified) for anything else.
func ClassOf(err error) Class {
	if err == nil {
		return OK
	}
	var he *Error
	if errors.As(err, &he) {
		return he.Class
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return NetworkError
	}
	return 0
}

// IsUnknown reports whether err leaves a token's status undetermined: true
// for RateLimited, ServerError, UnexpectedContent, NetworkError and
// BadRequest, and for any non-nil error that is not an [*Error]. It is false
// for nil and for the classes that are a real answer about the token.
func IsUnknown(err error) bool {
	if err == nil {
		return false
	}
	return ClassOf(err).Unknown()
}

// endpointKind tells the classifier how to read a 401.
type endpointKind int

const (
	kindOther  endpointKind = iota // org, webhooks, revoke: 401 without the invalid-token text → Forbidden
	kindWhoAmI                     // 401 without the invalid-token text → UnexpectedContent
	kindRepo                       // 401 without the invalid-token text → NotFound
)

// expectBody is what a 2xx body must look like.
type expectBody int

const (
	expectJSON        expectBody = iota // a JSON document
	expectJSONOrEmpty                   // a JSON document or nothing (auth-check, revoke)
	expectAny                           // file content
)

// invalidCredentialsText is the Hub's message for a token that does not exist.
const invalidCredentialsText = "invalid credentials in authorization header"

// disabledText is the Hub's message for a repository it has disabled; like
// huggingface_hub (utils/_http.py, DisabledRepoError) the client knows it
// by this message alone, there is no error code.
const disabledText = "access to this resource is disabled."

// classification is the outcome of classify.
type classification struct {
	class   Class
	code    string
	message string
	resetAt time.Time
}

// classify decides the class of an HTTP answer. body may be truncated for
// non-2xx answers.
func classify(kind endpointKind, expect expectBody, status int, h http.Header, body []byte, now time.Time) classification {
	code := strings.TrimSpace(h.Get("X-Error-Code"))
	hmsg := strings.TrimSpace(h.Get("X-Error-Message"))
	msg := hmsg
	if msg == "" {
		msg = jsonErrorMessage(body)
	}
	isJSON := looksJSON(h, body)
	empty := len(bytes.TrimSpace(body)) == 0
	out := classification{code: code, message: msg}

	switch {
	case status >= 200 && status < 300:
		switch {
		case expect == expectJSON && !isJSON,
			expect == expectJSONOrEmpty && !empty && !isJSON:
			out.class = UnexpectedContent
			out.message = describeContent(h, "expected JSON")
		default:
			out.class = OK
			out.message = ""
		}
		return out
	case status == http.StatusTooManyRequests:
		out.class = RateLimited
		out.resetAt = parseReset(h, now)
		return out
	case status >= 500 && status < 600:
		out.class = ServerError
		return out
	}

	switch code {
	case "GatedRepo":
		out.class = Gated
		return out
	case "RepoNotFound", "RevisionNotFound", "EntryNotFound":
		out.class = NotFound
		return out
	}
	// Without the Hub's headers, a body that is neither JSON nor empty
	// (an HTML WAF or proxy page, a captive portal) is not the Hub talking.
	fromHub := code != "" || hmsg != "" || isJSON || (empty && !isHTML(h))
	if status < 400 || status >= 500 || !fromHub {
		out.class = UnexpectedContent
		if msg == "" {
			out.message = describeContent(h, "unexpected answer")
		}
		return out
	}
	switch status {
	case http.StatusUnauthorized:
		switch {
		case strings.Contains(strings.ToLower(msg), invalidCredentialsText):
			out.class = InvalidCredentials
		case kind == kindRepo:
			out.class = NotFound
		case kind == kindWhoAmI:
			out.class = UnexpectedContent
		default:
			out.class = Forbidden
		}
	case http.StatusForbidden:
		out.class = Forbidden
		if strings.ToLower(msg) == disabledText {
			out.class = Disabled
		}
	case http.StatusNotFound, http.StatusGone:
		out.class = NotFound
	default:
		out.class = BadRequest
	}
	return out
}

// isHTML reports whether the Content-Type is HTML or XML.
func isHTML(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return strings.Contains(mt, "html") || strings.Contains(mt, "xml")
}

// looksJSON reports whether body is (the start of) a JSON object or array
// and the Content-Type does not say otherwise.
func looksJSON(h http.Header, body []byte) bool {
	if isHTML(h) {
		return false
	}
	b := bytes.TrimLeftFunc(body, unicode.IsSpace)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// describeContent names a body that is not what was expected.
func describeContent(h http.Header, what string) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	return what + ", got " + ct
}

// jsonErrorMessage extracts {"error": "..."} or {"message": "..."}.
func jsonErrorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil && s != "" {
		return s
	}
	return v.Message
}

// parseReset reads when a rate limit resets from `RateLimit: "api";r=0;t=N`
// and Retry-After (seconds or HTTP-date), taking the later of the two. A
// RateLimit entry with requests remaining is not what refused the request
// (whoami-v2 has its own quota, hub-docs rate-limits.md lists per-action
// ones), so its reset counts only when nothing else says when: this is
// what huggingface_hub does (utils/_http.py, the RateLimit reset only when
// remaining is 0, else Retry-After).
func parseReset(h http.Header, now time.Time) time.Time {
	var reset time.Time
	later := func(t time.Time) {
		if t.After(reset) {
			reset = t
		}
	}
	var unspent time.Duration
	for _, line := range h.Values("RateLimit") {
		// Several policies may be listed; prefer the exhausted ones.
		for entry := range strings.SplitSeq(line, ",") {
			r, t := -1.0, -1.0
			for part := range strings.SplitSeq(entry, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok {
					continue
				}
				f, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(v), `"`), 64)
				if err != nil || f < 0 || f > 1e7 {
					continue
				}
				switch strings.TrimSpace(k) {
				case "r":
					r = f
				case "t":
					t = f
				}
			}
			if t < 0 {
				continue
			}
			d := time.Duration(t * float64(time.Second))
			if r == 0 {
				if d > 0 {
					later(now.Add(d))
				}
			} else {
				unspent = max(unspent, d)
			}
		}
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.ParseFloat(ra, 64); err == nil {
			if secs >= 0 && secs < 1e7 {
				later(now.Add(time.Duration(secs * float64(time.Second))))
			}
		} else if t, err := http.ParseTime(ra); err == nil {
			later(t)
		}
	}
	if reset.IsZero() && unspent > 0 {
		reset = now.Add(unspent)
	}
	return reset
}

// tokenLike matches anything shaped like a Hugging Face credential, so that
// a message echoing one is redacted even when it is not the token sent.
var tokenLike = regexp.MustCompile(`(?:hf_|api_org_)[A-Za-z0-9_.\-]{6,}`)

// maxMessageRunes bounds Error.Message.
const maxMessageRunes = 200

// sanitize makes a server-provided or transport message safe to show: the
// given secrets and token-shaped strings redacted, control characters and
// newlines turned into spaces, whitespace collapsed, length bounded.
func sanitize(msg string, secrets []string) string {
	if msg == "" {
		return ""
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
		}
	}
	msg = tokenLike.ReplaceAllString(msg, "[REDACTED]")
	msg = strings.Join(strings.FieldsFunc(msg, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if utf8.RuneCountInString(msg) > maxMessageRunes {
		r := []rune(msg)
		msg = string(r[:maxMessageRunes]) + "…"
	}
	return msg
}
