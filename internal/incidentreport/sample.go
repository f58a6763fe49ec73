package incidentreport

import (
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
)

// Sample is a realistic, fixed incident for previews and checks: alice's
// classic write token, leaked in files, a notebook and git history,
// reaching three organizations and a dozen repositories, since contained.
// It holds no real secret.
func Sample() Data {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	ptr := func(s string) *time.Time { t := at(s); return &t }
	ip := func(i int) *int { return &i }

	const fp = "9f2c4e1a7b3d5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"
	const red = "hf_Xq7R…k2Wd"
	created := ptr("2024-03-02T09:14:00Z")

	a := &assess.Report{
		Status: "live", Fingerprint: fp, Redacted: red, CheckedAt: at("2025-06-10T08:47:00Z"),
		Endpoint: "https://huggingface.co", Owner: "alice", OwnerType: "user", Fullname: "Alice Martin",
		Token:        assess.Token{Name: "ci-upload", Role: "write", Type: "access_token", CreatedAt: created, Scopes: []string{}},
		CanReadGated: true,
		Orgs: []assess.Org{
			{Name: "acme-ai", Role: "admin", Plan: "enterprise"},
			{Name: "vision-lab", Role: "write", Plan: "team"},
			{Name: "open-datasets", Role: "read"},
		},
		Repos: []assess.Repo{
			{ID: "acme-ai/acme-llm-7b", Type: "model", Owner: "acme-ai", Access: assess.Admin, Basis: "classic write token ∩ org role admin"},
			{ID: "acme-ai/acme-llm-7b-instruct", Type: "model", Owner: "acme-ai", Access: assess.Admin, Basis: "classic write token ∩ org role admin"},
			{ID: "acme-ai/internal-evals", Type: "dataset", Owner: "acme-ai", Private: true, Access: assess.Admin, Basis: "classic write token ∩ org role admin"},
			{ID: "acme-ai/chat-demo", Type: "space", Owner: "acme-ai", Access: assess.Admin, Basis: "classic write token ∩ org role admin"},
			{ID: "alice/llama-finetune-lora", Type: "model", Owner: "alice", Access: assess.Admin, Basis: "classic write token of the owner"},
			{ID: "alice/scratch-notes", Type: "dataset", Owner: "alice", Private: true, Access: assess.Admin, Basis: "classic write token of the owner"},
			{ID: "vision-lab/detr-finetuned", Type: "model", Owner: "vision-lab", Access: assess.Write, Basis: "classic write token ∩ org role write"},
			{ID: "vision-lab/segmentation-v2", Type: "model", Owner: "vision-lab", Private: true, Access: assess.Write, Basis: "classic write token ∩ org role write"},
			{ID: "vision-lab/coco-subset", Type: "dataset", Owner: "vision-lab", Gated: "manual", Access: assess.Write, Basis: "classic write token ∩ org role write"},
			{ID: "open-datasets/common-crawl-dedup", Type: "dataset", Owner: "open-datasets", Access: assess.Read, Basis: "classic write token ∩ org role read"},
			{ID: "open-datasets/pii-benchmark", Type: "dataset", Owner: "open-datasets", Private: true, Gated: "auto", Access: assess.Read, Basis: "classic write token ∩ org role read"},
			{ID: "open-datasets/leaderboard", Type: "space", Owner: "open-datasets", Access: assess.Read, Basis: "classic write token ∩ org role read"},
		},
		Capabilities: []string{
			"inference: call serverless inference billed to alice",
			"gated repositories: read those alice was granted",
			"repositories: create, update, delete; rewrite history; plant Space secrets and variables",
			"webhooks: create and change (persistence)",
			"jobs: run compute billed to alice",
			"organization acme-ai: administer (members, settings, tokens)",
		},
		Severity: "critical",
		Reasons: []string{
			"can write to 7 repositories of organization(s) acme-ai, vision-lab: files, history and releases others depend on",
			"administers organization(s) acme-ai: members, settings and tokens",
			"6 of the writable repositories are public: replaced model files reach everyone who downloads them (supply chain)",
			"can read 1 private repositories",
			"beyond repositories: webhooks: create and change (persistence)",
		},
	}

	inc := incident.Incident{
		ID: 42, Fingerprint: fp, Rule: "hf-user-token", Redacted: red, State: incident.Contained,
		Severity: "critical", Owner: "alice", Orgs: []string{"acme-ai", "vision-lab", "open-datasets"}, Assignee: "bob",
		FirstSeen: at("2025-06-10T08:31:00Z"), LastSeen: at("2025-06-10T09:05:00Z"),
		ExposureStart:     ptr("2025-05-28T16:22:00Z"),
		Verification:      &finding.Verification{Status: "invalid", Reason: "whoami-v2: 401 Invalid credentials", CheckedAt: at("2025-06-10T09:20:00Z")},
		RevokeRequestedAt: ptr("2025-06-10T08:55:00Z"),
		ContainedAt:       ptr("2025-06-10T09:20:00Z"),
		Occurrences:       5,
	}
	f := func(src, path string, loc finding.Location) finding.Finding {
		loc.Path = path
		return finding.Finding{Rule: "hf-user-token", Description: "Hugging Face user access token", Fingerprint: fp,
			Redacted: red, Confidence: "high", Encodings: []string{}, Source: src, Location: loc}
	}
	occ := []incident.Occurrence{
		{ID: 1, IncidentID: 42, ScanID: "scan-0611", SeenAt: at("2025-06-10T08:31:00Z"),
			Finding: f("file", "deploy/.env.production", finding.Location{Line: 7, Column: 10})},
		{ID: 2, IncidentID: 42, ScanID: "scan-0611", SeenAt: at("2025-06-10T08:31:00Z"),
			Finding: func() finding.Finding {
				x := f("file", "scripts/push_to_hub.py", finding.Location{Line: 23, Column: 17})
				x.Split = true
				x.Parts = []finding.Location{{Path: "scripts/push_to_hub.py", Line: 23, Column: 17}, {Path: "scripts/push_to_hub.py", Line: 24, Column: 5}}
				return x
			}()},
		{ID: 3, IncidentID: 42, ScanID: "scan-0611", SeenAt: at("2025-06-10T08:32:00Z"),
			Finding: func() finding.Finding {
				x := f("notebook", "notebooks/finetune-detr.ipynb", finding.Location{Cell: ip(4), Output: ip(0), Field: "outputs", Line: 2, Column: 31})
				x.Encodings = []string{"base64"}
				return x
			}()},
		{ID: 4, IncidentID: 42, ScanID: "scan-0612", SeenAt: at("2025-06-10T09:05:00Z"),
			Finding: func() finding.Finding {
				x := f("git", "config/training.yaml", finding.Location{Line: 12, Column: 14, Commit: "3b9f0c2d1e4a5b6c7d8e9f00112233445566aabb"})
				x.CommitDate, x.Author, x.Email = ptr("2025-05-28T16:22:00Z"), "Alice Martin", "alice@example.com"
				return x
			}()},
		{ID: 5, IncidentID: 42, ScanID: "scan-0612", SeenAt: at("2025-06-10T09:05:00Z"),
			Finding: func() finding.Finding {
				x := f("git", "commit message", finding.Location{Field: "message", Line: 3, Column: 8, Commit: "c0ffee00deadbeef0011223344556677889900aa"})
				x.CommitDate, x.Author, x.Email = ptr("2025-06-02T11:40:00Z"), "Carol Diaz", "carol@example.com"
				x.Unreachable = true
				return x
			}()},
	}
	ev := []incident.Event{
		{ID: 1, IncidentID: 42, At: at("2025-06-10T08:31:00Z"), Actor: "hfwarden", Kind: "scan", Message: "3 occurrences in scan-0611 (working tree)"},
		{ID: 2, IncidentID: 42, At: at("2025-06-10T08:40:00Z"), Actor: "hfwarden", Kind: "verify", Message: "live: whoami-v2 answered for alice"},
		{ID: 3, IncidentID: 42, At: at("2025-06-10T08:47:00Z"), Actor: "hfwarden", Kind: "assess", Message: "critical: 12 repositories, 3 organizations"},
		{ID: 4, IncidentID: 42, At: at("2025-06-10T08:50:00Z"), Actor: "bob", Kind: "assign", Message: "assigned to bob (on-call)"},
		{ID: 5, IncidentID: 42, At: at("2025-06-10T08:55:00Z"), Actor: "bob", Kind: "transition", From: incident.Open, To: incident.RevokeRequested, Message: "asked alice to revoke ci-upload in Settings → Access Tokens"},
		{ID: 6, IncidentID: 42, At: at("2025-06-10T09:05:00Z"), Actor: "hfwarden", Kind: "scan", Message: "2 occurrences in scan-0612 (git history)"},
		{ID: 7, IncidentID: 42, At: at("2025-06-10T09:20:00Z"), Actor: "hfwarden", Kind: "verify", Message: "invalid: whoami-v2: 401 Invalid credentials"},
		{ID: 8, IncidentID: 42, At: at("2025-06-10T09:20:00Z"), Actor: "bob", Kind: "transition", From: incident.RevokeRequested, To: incident.Contained, Message: "token revoked by alice; verified invalid"},
	}
	return Data{
		Incident: inc, Occurrences: occ, Events: ev, Assessment: a,
		Generated: at("2025-06-10T10:00:00Z"),
		Used:      []string{"vision-lab/detr-finetuned", "alice/llama-finetune-lora", "vision-lab/coco-subset=read"},
	}
}
