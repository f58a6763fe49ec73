package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/store"
)

func newRevokeCmd(e *env) *cobra.Command {
	var db dbFlags
	var hf hubFlags
	var allLive, yes, dryRun bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "revoke [INCIDENT...] [--all-live]",
		Short: "Revoke leaked tokens, then prove it took effect",
		Long: `Revoke the tokens of the given incidents (or of every incident whose latest
verification says live) with one POST /api/credentials/revoke, then check with
whoami-v2, backing off, until the Hub answers 401 or --timeout passes. Each
incident records "contained at T" (revocation confirmed) or "revocation
requested, not confirmed". Revoking a contained incident again does nothing.
The revoke endpoint always answers 202: only whoami-v2 can prove revocation.`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && !allLive {
				return usageErr("name incidents to revoke, or use --all-live")
			}
			st, err := db.open(c.Context())
			if err != nil {
				return usageErr("%v", err)
			}
			defer st.Close()
			targets, err := revokeTargets(c.Context(), st, args, allLive)
			if err != nil {
				return err
			}
			if len(targets) == 0 {
				fmt.Fprintln(e.stdout, "nothing to revoke")
				return nil
			}
			fmt.Fprintf(e.stdout, "to revoke (%d):\n", len(targets))
			for _, in := range targets {
				fmt.Fprintf(termText(e.stdout), "  #%d %s %s owner %s, state %s\n", in.ID, in.Redacted, in.Rule, orDash(in.Owner), in.State)
			}
			if dryRun {
				fmt.Fprintln(e.stdout, "dry run: nothing revoked")
				return nil
			}
			if !yes && !confirm(e, "revoke these tokens everywhere? [y/N] ") {
				return &exitError{code: ExitError, err: fmt.Errorf("not confirmed: nothing revoked (use --yes to skip the question)")}
			}
			c2, err := hf.client()
			if err != nil {
				return usageErr("%v", err)
			}
			return revoke(c.Context(), e, st, c2, targets, timeout)
		},
	}
	addDBFlags(cmd.Flags(), &db)
	addHubFlags(cmd, &hf)
	cmd.Flags().BoolVar(&allLive, "all-live", false, "every incident whose latest verification is live")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be revoked, revoke nothing")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for whoami-v2 to confirm the revocation")
	return cmd
}

func confirm(e *env, question string) bool {
	fmt.Fprint(e.stderr, question)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

func revokeTargets(ctx context.Context, st store.Store, args []string, allLive bool) ([]incident.Incident, error) {
	var out []incident.Incident
	seen := map[int64]bool{}
	add := func(in *incident.Incident) {
		if seen[in.ID] || in.State == incident.Contained || in.State == incident.Audited || in.State == incident.Resolved {
			return // already contained: revoking again is harmless but pointless
		}
		seen[in.ID] = true
		out = append(out, *in)
	}
	for _, a := range args {
		id, err := parseID(a)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		in, err := st.Incident(ctx, id)
		if err != nil {
			return nil, usageErr("incident #%d: %v", id, err)
		}
		add(in)
	}
	if allLive {
		incs, err := st.Incidents(ctx, incident.Filter{})
		if err != nil {
			return nil, err
		}
		for i := range incs {
			if v := incs[i].Verification; v != nil && v.Status == "live" {
				add(&incs[i])
			}
		}
	}
	return out, nil
}

// revoke revokes in one batch, then confirms each token with whoami-v2.
func revoke(ctx context.Context, e *env, st store.Store, c *hub.Client, targets []incident.Incident, timeout time.Duration) error {
	secrets := make([]string, len(targets))
	for i, in := range targets {
		s, err := st.Secret(ctx, in.ID)
		if err != nil {
			return fmt.Errorf("incident #%d: unsealing its secret: %w", in.ID, err)
		}
		secrets[i] = s
	}
	if err := c.Revoke(ctx, secrets); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("revocation request failed: %w", err)}
	}
	now := time.Now().UTC()
	for _, in := range targets {
		if in.State != incident.RevokeRequested {
			if err := st.Transition(ctx, in.ID, incident.RevokeRequested, actor(), "POST /api/credentials/revoke answered 202", now); err != nil {
				return err
			}
		}
	}
	v := &assess.Verifier{Client: c}
	deadline := time.Now().Add(timeout)
	pending := map[int]bool{}
	for i := range targets {
		pending[i] = true
	}
	wait := 500 * time.Millisecond
	for len(pending) > 0 {
		for i := range pending {
			res := v.Verify(ctx, targets[i].Rule, secrets[i])
			if err := st.RecordVerification(ctx, targets[i].ID, res); err != nil {
				return err
			}
			if res.Status == "invalid" {
				delete(pending, i)
				if err := st.Transition(ctx, targets[i].ID, incident.Contained, actor(), "whoami-v2 answers 401 after revocation", res.CheckedAt); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "#%d contained at %s: whoami-v2 answers 401\n", targets[i].ID, res.CheckedAt.Format(time.RFC3339))
			}
		}
		if len(pending) == 0 || time.Now().Add(wait).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 15*time.Second)
	}
	for i := range pending {
		fmt.Fprintf(e.stdout, "#%d revocation requested, not confirmed: whoami-v2 still answers after %s\n", targets[i].ID, timeout)
	}
	if len(pending) > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d revocations not confirmed", len(pending))}
	}
	return nil
}
