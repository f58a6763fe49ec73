// Package incident is the data model of a leak: one secret across every
// scan and source (the incident), each place it was seen (occurrences), and
// everything done about it (events), with the state machine that governs
// the response.
package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/finding"
)

// State is where an incident's response stands.
type State string

// States. The happy path is open → revoke-requested → contained →
// audited → resolved; false-positive and accepted-risk close an incident
// with a reason.
const (
	Open            State = "open"
	RevokeRequested State = "revoke-requested"
	Contained       State = "contained"
	Audited         State = "audited"
	Resolved        State = "resolved"
	FalsePositive   State = "false-positive"
	AcceptedRisk    State = "accepted-risk"
)

// transitions lists the allowed moves.
var transitions = map[State][]State{
	Open: {RevokeRequested, Contained, FalsePositive, AcceptedRisk, Resolved},
	// Revoke-requested → resolved is for issuers whose containment
	// hfwarden cannot prove (GitHub gives no proof): the person closing
	// it states the issuer's confirmation as the reason (NeedsReason).
	RevokeRequested: {Contained, Open, FalsePositive, AcceptedRisk, Resolved},
	Contained:       {Audited, Resolved, Open},
	Audited:         {Resolved, Open},
	Resolved:        {Open},
	FalsePositive:   {Open},
	AcceptedRisk:    {Open},
}

// CanMove tells whether an incident may go from one state to another.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NeedsReason tells whether a move must say why: false-positive and
// accepted-risk always, and revoke-requested → resolved, which closes an
// incident without hfwarden's proof of containment.
func NeedsReason(from, to State) bool {
	return to == FalsePositive || to == AcceptedRisk || (from == RevokeRequested && to == Resolved)
}

// CheckMove returns a descriptive error for a move that is not allowed,
// or that needs a reason (NeedsReason) and has none.
func CheckMove(from, to State, reason string) error {
	if !CanMove(from, to) {
		return fmt.Errorf("an incident cannot go from %s to %s", from, to)
	}
	if NeedsReason(from, to) && strings.TrimSpace(reason) == "" {
		if from == RevokeRequested && to == Resolved {
			return fmt.Errorf("moving from %s to %s needs a reason: the issuer's confirmation that the token is revoked", from, to)
		}
		return fmt.Errorf("moving to %s needs a reason", to)
	}
	return nil
}

// ByHand tells whether a person may move an incident from one state to
// another (incidents resolve). Revoke-requested and contained are stated
// only by revoke: the first once the Hub took the revocation request, the
// second once whoami-v2 proved it with a 401. By hand they would claim
// what nothing proved.
func ByHand(from, to State) bool {
	return to != Contained && to != RevokeRequested && CanMove(from, to)
}

// Incident is one secret across every scan and source.
type Incident struct {
	ID          int64  `json:"id"`
	Fingerprint string `json:"fingerprint"`
	Rule        string `json:"rule"`
	Redacted    string `json:"redacted"`
	State       State  `json:"state"`
	// Severity and Orgs come from the latest assessment; Owner too, or,
	// before any, from the latest live verification.
	Severity string   `json:"severity,omitempty"`
	Owner    string   `json:"owner,omitempty"`
	Orgs     []string `json:"orgs,omitempty"`
	Assignee string   `json:"assignee,omitempty"`
	// FirstSeen is when hfwarden first recorded it; ExposureStart the
	// earliest evidence of the exposure (commit date, message time).
	FirstSeen     time.Time  `json:"first_seen"`
	LastSeen      time.Time  `json:"last_seen"`
	ExposureStart *time.Time `json:"exposure_start,omitempty"`
	// Verification is the latest liveness check.
	Verification *finding.Verification `json:"verification,omitempty"`
	// RevokeRequestedAt and ContainedAt time the revocation.
	RevokeRequestedAt *time.Time `json:"revoke_requested_at,omitempty"`
	ContainedAt       *time.Time `json:"contained_at,omitempty"`
	// Occurrences counts the places it was seen.
	Occurrences int `json:"occurrences"`
	// Assessment is the latest blast-radius snapshot.
	Assessment *assess.Report `json:"assessment,omitempty"`
}

// Occurrence is one place an incident's secret was seen.
type Occurrence struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	ScanID     string    `json:"scan_id"`
	SeenAt     time.Time `json:"seen_at"`
	// Finding is the finding as the scan reported it (no secret).
	Finding finding.Finding `json:"finding"`
	// Key identifies the place: fingerprint + provenance, so that a rescan
	// of the same place adds nothing.
	Key string `json:"key"`
}

// Event is one thing that happened to an incident.
type Event struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	// Kind is transition, note, assign, verify, assess, audit, revoke,
	// scan or used (EventUsed).
	Kind    string `json:"kind"`
	From    State  `json:"from,omitempty"`
	To      State  `json:"to,omitempty"`
	Message string `json:"message,omitempty"`
}

// EventUsed is the kind of the event that states which repositories the
// token was meant for; its message is UsedMessage's.
const EventUsed = "used"

// usedPrefix starts a used event's message, so the log reads as a sentence.
const usedPrefix = "meant for: "

// UsedMessage is the message of a used event listing repos, each a
// repository id, optionally "type:id" and optionally suffixed "=read" or
// "=write". A repository id holds no spaces or commas, so the list reads
// back unambiguously; an empty list or a malformed item is an error. It is
// the one parser of a stated use: "report --used" and "incidents note
// --used" both go through it, so a typo ("=wrte", "bogus:") is refused
// before it replaces an earlier, valid statement.
func UsedMessage(repos []string) (string, error) {
	if len(repos) == 0 {
		return "", fmt.Errorf("no repositories stated")
	}
	for _, r := range repos {
		if err := checkUsed(r); err != nil {
			return "", fmt.Errorf("%q is not a repository (owner/name, optionally type:owner/name=read|write): %v", r, err)
		}
	}
	return usedPrefix + strings.Join(repos, ", "), nil
}

// checkUsed validates one used item: [type:]owner/name[=read|=write].
func checkUsed(r string) error {
	if r == "" || strings.ContainsAny(r, " ,\t\r\n") {
		return fmt.Errorf("empty or holds a space or comma")
	}
	id := r
	if i := strings.LastIndex(id, "="); i >= 0 {
		need := strings.ToLower(id[i+1:])
		if need != "read" && need != "write" {
			return fmt.Errorf("the access must be =read or =write, not =%s", id[i+1:])
		}
		id = id[:i]
	}
	if i := strings.Index(id, ":"); i >= 0 {
		// The types the assessment reports, so the item can match a repo.
		if typ := id[:i]; typ != "model" && typ != "dataset" && typ != "space" {
			return fmt.Errorf("the type must be model, dataset or space, not %q", typ)
		}
		id = id[i+1:]
	}
	owner, name, ok := strings.Cut(id, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/:=") || strings.ContainsAny(owner, ":=") {
		return fmt.Errorf("the repository must be owner/name")
	}
	return nil
}

// UsedRepos returns the repositories the latest used event lists; nil
// when nobody stated them.
func UsedRepos(ev []Event) []string {
	var latest *Event
	for i := range ev {
		if ev[i].Kind == EventUsed && (latest == nil || !ev[i].At.Before(latest.At)) {
			latest = &ev[i]
		}
	}
	if latest == nil {
		return nil
	}
	list, ok := strings.CutPrefix(latest.Message, usedPrefix)
	if !ok || list == "" {
		return nil
	}
	return strings.Split(list, ", ")
}

// ScanRun is one recorded scan, whatever it found: what it walked and
// whether it read everything. It tells "searched, the token is absent"
// from "not searched".
type ScanRun struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Kinds are the kinds of source walked: "git" (history), "file",
	// "image", "sweep".
	Kinds []string `json:"kinds"`
	// Targets are what was named to scan: paths, repositories (as
	// finding.Location.Repo names them), image references.
	Targets []string `json:"targets,omitempty"`
	// Complete is set when every input could be read.
	Complete bool `json:"complete"`
}

// Filter selects incidents; empty fields match everything.
type Filter struct {
	State    State
	Severity string
	Owner    string
	Org      string
	Limit    int
}

// OccurrenceKey identifies the place of a finding: the secret's fingerprint
// and every part of its provenance (the git repository included), so that rescanning the same place adds
// no occurrence, while the same secret elsewhere does.
func OccurrenceKey(f finding.Finding) string {
	l := f.Location
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%v\x00%v\x00%s",
		f.Fingerprint, f.Source, l.Path, l.Commit, l.Object, l.Field, l.Line, l.Column, l.Offset,
		deref(l.Cell), deref(l.Output), strings.Join(f.Encodings, "+"))
	// The repository is hashed only when there is one, so that the keys of
	// everything else (and of stores recorded before) do not change.
	if l.Repo != "" {
		fmt.Fprintf(h, "\x00repo\x00%s", l.Repo)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// LiveAt returns, per endpoint, the verification that makes an
// incident's token live there: the latest conclusive answer (live or
// invalid) of that endpoint when it is live and not followed by the
// incident's containment. An unknown answer never erases a live one, nor
// does another endpoint's answer: a 401 of a simulator says nothing of
// the real Hub. history is the incident's verification history (any
// order); the result is sorted by endpoint.
func LiveAt(in *Incident, history []finding.Verification) []finding.Verification {
	latest := map[string]finding.Verification{}
	for _, v := range history {
		if v.Status != "live" && v.Status != "invalid" {
			continue
		}
		if old, ok := latest[v.Endpoint]; !ok || !v.CheckedAt.Before(old.CheckedAt) {
			latest[v.Endpoint] = v
		}
	}
	var out []finding.Verification
	for _, v := range latest {
		if v.Status != "live" {
			continue
		}
		// Containment is proven by revoke's 401 after the revocation; a
		// live answer after it (the token came back, or the 401 was of
		// another endpoint and this one still answers) is live again.
		if in.ContainedAt != nil && !v.CheckedAt.After(*in.ContainedAt) {
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b finding.Verification) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out
}

// ProvesContainment tells whether a 401 of endpoint after a revocation
// request made at requested proves the incident contained: only where the
// token was live before the request (LiveAt of the answers before it). A
// 401 of an endpoint that never saw the token live, or that already
// rejected it, says nothing of where it was live. earlier is the time of
// an earlier request of the same response (zero for none): the token live
// there before it, then rejected, still proves that request took effect.
// When it does not prove it, why says so.
func ProvesContainment(in *Incident, history []finding.Verification, endpoint string, requested, earlier time.Time) (ok bool, why string) {
	for _, at := range []time.Time{requested, earlier} {
		if at.IsZero() {
			continue
		}
		var before []finding.Verification
		for _, v := range history {
			if v.CheckedAt.Before(at) {
				before = append(before, v)
			}
		}
		for _, lv := range LiveAt(in, before) {
			if lv.Endpoint == endpoint {
				return true, ""
			}
		}
	}
	var last *finding.Verification
	for i, v := range history {
		if v.Endpoint == endpoint && (v.Status == "live" || v.Status == "invalid") && v.CheckedAt.Before(requested) &&
			(last == nil || !v.CheckedAt.Before(last.CheckedAt)) {
			last = &history[i]
		}
	}
	if last != nil && last.Status == "invalid" {
		return false, "the Hub at " + endpoint + " rejected the token before the revocation (" + last.CheckedAt.UTC().Format(time.RFC3339) + ")"
	}
	return false, "the Hub at " + endpoint + " never saw the token live before the revocation"
}
