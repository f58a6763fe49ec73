package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
)

// spaceSettings flags a Space's secrets and variables set in the window
// (by name only), and those the Hub gives no update time for.
func (a *repoAudit) spaceSettings(ctx context.Context) error {
	if a.repo.Type != hub.RepoSpace {
		return nil // only Spaces have secrets and variables
	}
	o := a.opt
	for _, which := range []struct {
		kind, what   string
		sev, undated string
		list         func(context.Context, string, string) ([]hub.SpaceSetting, error)
	}{
		{KindSecretAdded, "secret", High, Medium, o.Client.SpaceSecrets},
		{KindVariableAdded, "variable", Medium, Low, o.Client.SpaceVariables},
	} {
		list, err := which.list(ctx, o.Token, a.repo.ID)
		if err != nil {
			a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: listing Space %ss: %v", a.repo, which.what, err))
			continue
		}
		for _, s := range list {
			if s.UpdatedAt.IsZero() {
				// The Hub sends no updatedAt for a setting never updated
				// (huggingface_hub _space_api.py): when it was set cannot be
				// told, so it is reported, a notch lower, for a human to
				// confirm, never dropped.
				a.add(Finding{Kind: which.kind, Severity: which.undated, Path: s.Key,
					Evidence: fmt.Sprintf("Space %s %s has no update time: when it was set is unknown; confirm it", which.what, s.Key)})
				continue
			}
			if !o.inWindow(s.UpdatedAt) {
				continue
			}
			t := s.UpdatedAt
			// Only names: a variable's value may itself be a secret.
			a.add(Finding{Kind: which.kind, Severity: which.sev, Path: s.Key, Time: &t,
				Evidence: fmt.Sprintf("Space %s %s added or changed %s", which.what, s.Key, t.UTC().Format(time.RFC3339))})
		}
	}
	return nil
}
