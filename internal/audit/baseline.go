package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// Snapshot is what one repository looked like at a point in time: every
// ref, the commits of main (newest first) and the files of main.
type Snapshot struct {
	Repo    Repo              `json:"repo"`
	At      time.Time         `json:"at"`
	Refs    map[string]string `json:"refs"` // full ref name → commit
	Commits []string          `json:"commits"`
	Files   *pin.Manifest     `json:"files,omitempty"`
}

// Baseline is the state the audit compares with: repository snapshots and
// the ids of the owner's webhooks (nil: not recorded).
type Baseline struct {
	At       time.Time  `json:"at"`
	Repos    []Snapshot `json:"repos"`
	Webhooks []string   `json:"webhooks"`
}

// snapshotOf is b's snapshot of r, or nil.
func (b *Baseline) snapshotOf(r Repo) *Snapshot {
	if b == nil {
		return nil
	}
	for i := range b.Repos {
		if b.Repos[i].Repo == r {
			return &b.Repos[i]
		}
	}
	return nil
}

func refMap(r *hub.Refs) map[string]string {
	m := map[string]string{}
	for _, l := range [][]hub.GitRef{r.Branches, r.Tags} {
		for _, g := range l {
			name := g.Ref
			if name == "" {
				name = g.Name
			}
			m[name] = g.TargetCommit
		}
	}
	return m
}

// knownCommits is the commits the baseline knew: main's, and those under
// each of its refs in today's branch histories. Nil without a baseline.
func (a *repoAudit) knownCommits() map[string]bool {
	if a.base == nil {
		return nil
	}
	known := map[string]bool{}
	for _, id := range a.base.Commits {
		known[id] = true
	}
	targets := map[string]bool{}
	for _, id := range a.base.Refs {
		targets[id] = true
	}
	// Histories are newest first: everything under a known head is known.
	for _, list := range a.branches {
		if i := slices.IndexFunc(list, func(c hub.Commit) bool { return targets[c.ID] }); i >= 0 {
			for _, c := range list[i:] {
				known[c.ID] = true
			}
		}
	}
	return known
}

// TakeBaseline records the repositories' refs, main's commits and files,
// and the owner's webhooks, to compare a later audit with.
func TakeBaseline(ctx context.Context, c *hub.Client, token string, repos []Repo) (*Baseline, error) {
	b := &Baseline{At: time.Now().UTC(), Webhooks: []string{}}
	for _, r := range repos {
		refs, err := c.Refs(ctx, token, r.Type, r.ID, false)
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: listing refs: %w", r, err)
		}
		list, _, err := c.Commits(ctx, token, r.Type, r.ID, "main", 0)
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: listing commits: %w", r, err)
		}
		m, err := pin.Snapshot(ctx, c, token, r.Type, r.ID, "main")
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", r, err)
		}
		s := Snapshot{Repo: r, At: b.At, Refs: refMap(refs), Files: m}
		for _, cm := range list {
			s.Commits = append(s.Commits, cm.ID)
		}
		b.Repos = append(b.Repos, s)
	}
	hooks, err := c.Webhooks(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("snapshot: listing webhooks: %w", err)
	}
	for _, w := range hooks {
		b.Webhooks = append(b.Webhooks, w.ID)
	}
	return b, nil
}
