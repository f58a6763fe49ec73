package hubsim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// demoSeed fixes the demo tokens: they are the same in every build.
const demoSeed = "hfwarden hubsim demo tokens v1"

// tokenLetters is the alphabet of real hf_ token bodies.
const tokenLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// demoTokens draws tokens from a generator seeded with demoSeed.
type demoTokens struct{ rng *rand.Rand }

func newDemoTokens() *demoTokens {
	return &demoTokens{rng: rand.New(rand.NewChaCha8(sha256.Sum256([]byte(demoSeed))))}
}

// classic returns "hf_" and 34 letters, the shape of a user access token.
func (d *demoTokens) classic() string {
	b := make([]byte, 34)
	for i := range b {
		b[i] = tokenLetters[d.rng.IntN(len(tokenLetters))]
	}
	return "hf_" + string(b)
}

// oauth returns "hf_oauth_" and an (unsigned, simulated) JWT whose payload
// carries the scope claim.
func (d *demoTokens) oauth(sub, scope string, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "EdDSA", "typ": "JWT"})
	payload, _ := json.Marshal(map[string]any{
		"iss": "hubsim", "sub": sub, "scope": scope, "iat": iat.Unix(), "exp": exp.Unix(),
	})
	sig := make([]byte, 64)
	for i := range sig {
		sig[i] = byte(d.rng.Uint32())
	}
	return "hf_oauth_" + enc.EncodeToString(header) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

// demoRepo builds a repository with a README, a config.json and a small
// binary (LFS) file, added over three commits.
func demoRepo(id, typ, binPath string, created time.Time, authors [3]string) Repo {
	name := id[strings.IndexByte(id, '/')+1:]
	readme := fmt.Sprintf("---\nlicense: apache-2.0\ntags:\n- hubsim\n---\n# %s\n\nA simulated %s for hfwarden demos and tests. Nothing here is real.\n", name, typ)
	config := fmt.Sprintf("{\n  \"simulated\": true,\n  \"repo\": %q,\n  \"hidden_size\": 64\n}\n", id)
	lfs := true
	bin := &File{Size: 4096, LFS: &lfs}
	if strings.HasSuffix(binPath, ".safetensors") {
		bin = &File{Base64: base64.StdEncoding.EncodeToString(demoSafetensors()), LFS: &lfs}
	}
	return Repo{
		ID: id, Type: typ, CreatedAt: created,
		Commits: []Commit{
			{Title: "Initial commit", Author: authors[0], Date: created,
				Files: map[string]*File{"README.md": {Text: readme}}},
			{Title: "Add config.json", Message: "Settings used by the demo.", Author: authors[1], Date: created.Add(48 * time.Hour),
				Files: map[string]*File{"config.json": {Text: config}}},
			{Title: "Upload " + binPath, Author: authors[2], Date: created.Add(120 * time.Hour),
				Files: map[string]*File{binPath: bin}},
		},
		Tags: map[string]string{"v1.0": "main"},
	}
}

// DemoScenario returns the built-in demo: users alice and bob, orgs acme
// (alice admin, bob read) and research (alice write), four tokens (alice's
// classic write token, bob's classic read token, alice's fine-grained
// token scoped to acme, bob's OAuth token), repositories of every type,
// public, private and gated, with history, tags, discussions and space
// settings, and one webhook of alice. The tokens are generated from a
// fixed seed, so they are the same in every run; their names start with
// "sim-" to mark them as simulator tokens.
func DemoScenario() *Scenario {
	gen := newDemoTokens()
	aliceWrite, bobRead, aliceFG := gen.classic(), gen.classic(), gen.classic()
	bobOAuth := gen.oauth(mongoID("user", "bob"), "openid profile read-repos", day(2024, 6, 1), day(2099, 1, 1))

	model := demoRepo("alice/sim-sentiment-model", "model", "model.safetensors", day(2024, 2, 1), [3]string{"alice", "alice", "alice"})
	model.PipelineTag, model.Likes, model.Downloads = "text-classification", 12, 340
	model.RepoTags = []string{"text-classification", "hubsim"}
	model.Branches = map[string]string{"dev": "main~1"}
	model.Tags = map[string]string{"v1.0": "main", "v0.9": "main~1"}
	model.Discussions = []Discussion{
		{Title: "Does it handle French text?", Author: "bob", CreatedAt: day(2024, 2, 10), Status: "closed",
			Events: []DiscussionEvent{
				{Author: "bob", CreatedAt: day(2024, 2, 10), Content: "Hi! Does this model handle French reviews?"},
				{Author: "alice", CreatedAt: day(2024, 2, 11), Content: "Only English for now, French is planned."},
				{Type: "status-change", Author: "alice", CreatedAt: day(2024, 2, 11), Status: "closed"},
			}},
		{Title: "Add evaluation results", Author: "bob", CreatedAt: day(2024, 3, 2), IsPullRequest: true,
			Events: []DiscussionEvent{
				{Author: "bob", CreatedAt: day(2024, 3, 2), Content: "This PR adds the evaluation table to the model card."},
			}},
	}

	notes := demoRepo("alice/sim-private-notes", "dataset", "data/train.bin", day(2024, 2, 5), [3]string{"alice", "alice", "alice"})
	notes.Private = true

	space := demoRepo("alice/sim-chat-demo", "space", "assets/logo.bin", day(2024, 2, 20), [3]string{"alice", "alice", "alice"})
	space.SDK = "gradio"
	space.Secrets = []SpaceSetting{{Key: "OPENAI_API_KEY", Value: "sim-space-secret-value", Description: "simulated secret"}}
	space.Variables = []SpaceSetting{{Key: "MODEL_ID", Value: "alice/sim-sentiment-model", Description: "model served by the demo"}}

	internal := demoRepo("acme/sim-internal-llm", "model", "pytorch_model.bin", day(2024, 3, 1), [3]string{"alice", "alice", "alice"})
	internal.Private = true
	internal.Tags = map[string]string{"v0.1": "main~1"}
	internal.Discussions = []Discussion{{Title: "Weights leaked in a notebook?", Author: "bob", CreatedAt: day(2024, 3, 9),
		Events: []DiscussionEvent{
			{Author: "bob", CreatedAt: day(2024, 3, 9), Content: "I saw an access token in the training notebook output."},
			{Author: "alice", CreatedAt: day(2024, 3, 9).Add(time.Hour), Content: "Thanks, rotating it now."},
		}}}

	gated := demoRepo("acme/sim-gated-model", "model", "model.safetensors", day(2024, 3, 15), [3]string{"alice", "alice", "alice"})
	gated.Gated = "manual"

	customers := demoRepo("acme/sim-customer-data", "dataset", "data/customers.bin", day(2024, 4, 1), [3]string{"alice", "alice", "alice"})
	customers.Private = true

	bench := demoRepo("research/sim-benchmark", "dataset", "data/test.bin", day(2024, 4, 10), [3]string{"alice", "alice", "alice"})
	bench.Gated = "auto"
	// Bob asked for access (the "auto" gate accepted at once): without
	// the request he would be refused like anyone else.
	bench.ApprovedUsers = []string{"bob"}
	bench.Discussions = []Discussion{{Title: "License question", Author: "bob", CreatedAt: day(2024, 4, 12),
		Events: []DiscussionEvent{
			{Author: "bob", CreatedAt: day(2024, 4, 12), Content: "Can the benchmark be used commercially?"},
			{Type: "title-change", Author: "alice", CreatedAt: day(2024, 4, 13), From: "License question", To: "License: commercial use?"},
			{Author: "alice", CreatedAt: day(2024, 4, 13), Content: "Research use only, see the README."},
		}}}

	evalSpace := demoRepo("research/sim-eval-space", "space", "assets/results.bin", day(2024, 5, 1), [3]string{"alice", "alice", "alice"})
	evalSpace.Private = true
	evalSpace.SDK = "streamlit"
	evalSpace.Secrets = []SpaceSetting{{Key: "HF_TOKEN", Value: "sim-space-secret-value", Description: "token the space uses to push results"}}
	evalSpace.Variables = []SpaceSetting{{Key: "RESULTS_REPO", Value: "research/sim-benchmark"}}

	return &Scenario{
		Users: []User{
			{Name: "alice", Fullname: "Alice Simulated", Email: "alice@example.com", IsPro: true,
				Orgs: []Membership{{Name: "acme", RoleInOrg: "admin"}, {Name: "research", RoleInOrg: "write"}}},
			{Name: "bob", Fullname: "Bob Simulated", Email: "bob@example.com",
				Orgs: []Membership{{Name: "acme", RoleInOrg: "read"}}},
		},
		Orgs: []Org{
			{Name: "acme", Fullname: "Acme Simulated Corp", Plan: "enterprise"},
			{Name: "research", Fullname: "Simulated Research Lab", Plan: "team"},
		},
		Tokens: []Token{
			{Token: aliceWrite, User: "alice", Kind: KindClassic, DisplayName: "sim-alice-write", Role: "write", CreatedAt: day(2024, 3, 1)},
			{Token: bobRead, User: "bob", Kind: KindClassic, DisplayName: "sim-bob-read", Role: "read", CreatedAt: day(2024, 4, 2)},
			{Token: aliceFG, User: "alice", Kind: KindFineGrained, DisplayName: "sim-alice-acme-ci", Role: "fineGrained", CreatedAt: day(2024, 5, 3),
				FineGrained: &FineGrained{
					CanReadGatedRepos: true,
					Global:            []string{"discussion.write"},
					Scoped: []Scope{{Entity: Entity{Type: "org", Name: "acme"},
						Permissions: []string{"repo.content.read", "repo.write"}}},
				}},
			{Token: bobOAuth, User: "bob", Kind: KindOAuth, DisplayName: "sim-bob-oauth", Orgs: []string{"acme"}, CreatedAt: day(2024, 6, 1)},
		},
		Repos: []Repo{model, notes, space, internal, gated, customers, bench, evalSpace},
		Webhooks: []Webhook{{Owner: "alice", URL: "https://hooks.example.com/hubsim/alice",
			Watched: []WatchedItem{{Type: "user", Name: "alice"}, {Type: "org", Name: "acme"}},
			Domains: []string{"repo", "discussion"}, Secret: "sim-webhook-secret"}},
	}
}

// demoSafetensors is a small, valid safetensors file (one F32 tensor of
// 1,024 zeros), so that the demo's model files pass inspection until an
// attacker replaces them.
func demoSafetensors() []byte {
	header := `{"__metadata__":{"format":"pt"},"weight":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	b := make([]byte, 8, 8+len(header)+4096)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, 4096)...)
}
