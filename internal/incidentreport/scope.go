package incidentreport

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
)

// Fine-grained permissions a replacement may hold.
const (
	PermRead  = "repo.content.read"
	PermWrite = "repo.write"
)

// ExpiryDays is the lifetime recommended for a replacement token.
const ExpiryDays = 90

// ScopeEntry is one repository-level entry of a fine-grained token.
type ScopeEntry struct {
	Type        string   `json:"type"` // model, dataset or space
	Name        string   `json:"name"` // repository id
	Permissions []string `json:"permissions"`
	Private     bool     `json:"private"`
	Gated       bool     `json:"gated"`
	// Reason says why the entry is there and why at that level.
	Reason string `json:"reason"`
}

// Recommendation is the least-privilege replacement for the leaked token.
type Recommendation struct {
	Entries           []ScopeEntry `json:"entries"`
	CanReadGatedRepos bool         `json:"can_read_gated_repos"`
	// Global permissions: always none.
	Global        []string  `json:"global"`
	ExpiresInDays int       `json:"expires_in_days"`
	RotateBy      time.Time `json:"rotate_by"`
	// Fallback is set when no repositories were said to be used and the
	// entries are the repositories the leaked token could write.
	Fallback bool `json:"fallback"`
	// Notes say what was assumed or left out.
	Notes []string `json:"notes"`
}

// RecommendScope returns the repository-level entries of a least-privilege
// fine-grained token covering the repositories the leaked token was used
// for. Each used item is a repository id, optionally "type:id" (model,
// dataset, space) to disambiguate, and optionally suffixed "=read" or
// "=write" to state the access needed; without a suffix the replacement
// keeps what the leaked token had there, capped at write (admin rights are
// never carried over). When used is empty it falls back to the
// repositories the leaked token could write. Public repositories only read
// need no entry. No global permissions are ever recommended.
func RecommendScope(a *assess.Report, used []string) []ScopeEntry {
	e, _, _ := recommend(a, used)
	return e
}

// Recommend is RecommendScope with the token-level settings: gated access
// only when a gated repository is among the entries, an expiry and notes.
func Recommend(a *assess.Report, used []string, now time.Time) Recommendation {
	e, fallback, notes := recommend(a, used)
	r := Recommendation{Entries: e, Global: []string{}, ExpiresInDays: ExpiryDays,
		RotateBy: now.UTC().Add(ExpiryDays * 24 * time.Hour).Truncate(24 * time.Hour), Fallback: fallback, Notes: notes}
	if r.Entries == nil {
		r.Entries = []ScopeEntry{}
	}
	for _, x := range e {
		if x.Gated {
			r.CanReadGatedRepos = true
		}
	}
	r.Notes = append(r.Notes, "no global permissions: add inference, discussion or webhook permissions only if the workload needs them",
		fmt.Sprintf("set the token to expire, or rotate it by %s (%d days)", r.RotateBy.Format("2006-01-02"), ExpiryDays))
	return r
}

func recommend(a *assess.Report, used []string) (entries []ScopeEntry, fallback bool, notes []string) {
	if a == nil {
		return nil, len(used) == 0, []string{"no assessment: the leaked token's reach is unknown, so no scope can be derived"}
	}
	seen := map[string]bool{}
	add := func(r assess.Repo, perms []string, reason string) {
		k := r.Type + ":" + r.ID
		if seen[k] {
			return
		}
		seen[k] = true
		entries = append(entries, ScopeEntry{Type: r.Type, Name: r.ID, Permissions: perms,
			Private: r.Private, Gated: r.Gated != "", Reason: reason})
	}
	canWrite := func(x assess.Access) bool { return x == assess.Write || x == assess.Admin }
	if len(used) == 0 {
		fallback = true
		notes = append(notes, "fallback: no repositories were stated as used, so the replacement covers the repositories the leaked token could write — narrow it to those the workload really writes")
		for _, r := range a.Repos {
			if canWrite(r.Access) {
				add(r, []string{PermRead, PermWrite}, "the leaked token could write it ("+string(r.Access)+")")
			}
		}
	} else {
		for _, u := range used {
			id, need := u, ""
			if i := strings.LastIndex(u, "="); i >= 0 {
				id, need = u[:i], strings.ToLower(u[i+1:])
			}
			typ := ""
			if i := strings.Index(id, ":"); i >= 0 {
				typ, id = id[:i], id[i+1:]
			}
			found := false
			for _, r := range a.Repos {
				if r.ID != id || (typ != "" && r.Type != typ) {
					continue
				}
				found = true
				switch {
				case need == "write" && !canWrite(r.Access):
					notes = append(notes, fmt.Sprintf("%s %s: write was requested but the leaked token could only %s it; granted read", r.Type, r.ID, r.Access))
					add(r, []string{PermRead}, "used; the leaked token could only read it")
				case need == "write" || (need == "" && canWrite(r.Access)):
					add(r, []string{PermRead, PermWrite}, "used, and written to")
				case !r.Private && r.Gated == "":
					notes = append(notes, fmt.Sprintf("%s %s is public: reading it needs no permission", r.Type, r.ID))
				default:
					add(r, []string{PermRead}, "used, read only")
				}
			}
			if !found {
				notes = append(notes, fmt.Sprintf("%s is not among the repositories the leaked token reaches; left out", u))
			}
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].Type != entries[j].Type {
			return entries[i].Type < entries[j].Type
		}
		return entries[i].Name < entries[j].Name
	})
	return entries, fallback, notes
}

// pasteToken is the shape of a fine-grained token's permissions as the Hub
// states them (whoami-v2 "fineGrained"), for a person to reproduce.
type pasteToken struct {
	Name              string       `json:"name"`
	CanReadGatedRepos bool         `json:"canReadGatedRepos"`
	Global            []string     `json:"global"`
	Scoped            []pasteScope `json:"scoped"`
	ExpiresAt         string       `json:"expiresAt"`
}

type pasteScope struct {
	Entity      pasteEntity `json:"entity"`
	Permissions []string    `json:"permissions"`
}

type pasteEntity struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// PasteJSON is the replacement's permissions in the Hub's fine-grained
// token shape, indented.
func (r Recommendation) PasteJSON() string {
	p := pasteToken{Name: "replacement-" + r.RotateBy.Format("20060102"), CanReadGatedRepos: r.CanReadGatedRepos,
		Global: []string{}, Scoped: []pasteScope{}, ExpiresAt: r.RotateBy.Format("2006-01-02")}
	for _, e := range r.Entries {
		p.Scoped = append(p.Scoped, pasteScope{Entity: pasteEntity{Type: e.Type, Name: e.Name}, Permissions: e.Permissions})
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}
