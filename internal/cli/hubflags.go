package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/hub"
)

// hubFlags are shared by the commands that talk to the Hub.
type hubFlags struct {
	endpoint string
	rate     float64
}

// addHubFlags adds --endpoint and --rate to cmd.
func addHubFlags(cmd *cobra.Command, f *hubFlags) {
	cmd.Flags().StringVar(&f.endpoint, "endpoint", "", "the Hub to talk to (default $HF_ENDPOINT, else https://huggingface.co)")
	cmd.Flags().Float64Var(&f.rate, "rate", hub.DefaultRatePerSecond, "at most this many Hub requests per second, paced evenly (all workers together)")
}

// hubClient is the factory's HubClient: a client for the Hub hf names
// (else $HF_ENDPOINT), paced at --rate.
func (f *factory) hubClient(hf hubFlags) (*hub.Client, error) {
	ep := hf.endpoint
	if ep == "" {
		ep = f.Getenv("HF_ENDPOINT")
	}
	if hf.rate <= 0 {
		return nil, errors.New("--rate must be positive")
	}
	return hub.New(hub.Options{Endpoint: ep, RatePerSecond: hf.rate, Burst: 1, UserAgent: "hfwarden/" + Version})
}
