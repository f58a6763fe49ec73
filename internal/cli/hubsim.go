package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/hubsim"
)

func newHubsimCmd(e *factory) *cobra.Command {
	var addr, scenario string
	var latency time.Duration
	var rateLimit, whoamiLimit int
	var rateWindow time.Duration
	var printTokens bool
	cmd := &cobra.Command{
		Use:   "hubsim",
		Short: "Run the built-in Hugging Face Hub simulator (for tests and demos)",
		Long: `Serve a Hugging Face Hub simulator seeded from a scenario file (users, orgs and
roles, classic, fine-grained and OAuth tokens, repositories with files, commits,
refs, discussions, private and gated flags, Space secrets, webhooks), or from the
built-in demo scenario. It implements whoami-v2, listings with Link pagination,
repo info, auth-check, refs, commits, tree, file downloads, discussions, org
members, Space secrets and variables, webhooks, uploads (preupload, LFS batch
and storage, ndjson commit) and revocation, with the Hub's status codes, error
and rate-limit headers. Rate limits follow the Hub: per account (or IP address without a valid token), fixed windows, the
api / resolvers / pages quotas of the account's plan, and a strict quota of
its own for whoami-v2; --rate-limit, --rate-window and --whoami-limit change
them.

--print-tokens prints the scenario's tokens as JSON ([{"token","user","kind"}])
and exits: they are simulator tokens, valid nowhere else.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc := hubsim.DemoScenario()
			if scenario != "" {
				var err error
				if sc, err = hubsim.LoadScenario(scenario); err != nil {
					return usageErr("%v", err)
				}
			}
			srv := hubsim.New(sc, hubsim.Options{Latency: latency, RateLimit: rateLimit, RateWindow: rateWindow, WhoamiLimit: whoamiLimit})
			if printTokens {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(srv.Tokens())
			}
			url, stop, err := srv.Start(addr)
			if err != nil {
				return usageErr("starting the simulator: %v", err)
			}
			defer stop()
			fmt.Fprintf(e.stdout, "hubsim listening on %s (HF_ENDPOINT=%s); Ctrl-C stops it\n", url, url)
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&scenario, "scenario", "", "scenario file (JSON; default: the built-in demo)")
	cmd.Flags().DurationVar(&latency, "latency", 0, "added latency per request (e.g. 50ms)")
	cmd.Flags().IntVar(&rateLimit, "rate-limit", 0, "requests per window per account (or IP) in every bucket (0: the Hub's quotas by plan; negative: unlimited)")
	cmd.Flags().DurationVar(&rateWindow, "rate-window", 0, "length of the fixed rate-limit windows (0: the Hub's 5m)")
	cmd.Flags().IntVar(&whoamiLimit, "whoami-limit", 0, "whoami-v2 requests per window per account (or IP), on top of the api quota (0: 100; negative: unlimited)")
	cmd.Flags().BoolVar(&printTokens, "print-tokens", false, "print the scenario's tokens as JSON and exit")
	return cmd
}
