package detect

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/testutil/encode"
)

// Test tokens: random letters, never real credentials.
const (
	tok1     = "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"
	tok2     = "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"
	tokAlnum = "hf_8DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTA"
	orgTok   = "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"
	r8       = "r8_wR4y9ojfljoQoaF1LlqsajAIxNKu8iS2G8NPR"
	ghp      = "ghp_VdD53X83RZJzzzzgEOzdmenCkhvMdgaKjIg8"
	ghpat    = "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"
	skProj   = "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"
	skAnt    = "sk-ant-api03-oDnkHIfxIq2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3_YNBDRzrZSgqbjG3uhkWKFLf6xuI5AA"
	akia     = "AKIAAQXV9UPCTNWLAVYF"
	awsSec   = "8JzFalHlsZfYcMMDktXP+tKsf2rcDkdfrUnW5gcF"
	wandb    = "f80e222f828767efc2f91624a8940f1f836f99ee"
	jwt      = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6Im9wZW5pZCBwcm9maWxlIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYWJjZGVm"
)

type want struct {
	rule, secret, conf string
	enc                []string
	parts              int
}

func TestDetectPositives(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []want
	}{
		{"python assignment", `HF_TOKEN = "` + tok1 + `"`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"notebook json escaped quotes", `"    login(token=\"` + tok1 + `\")\n",`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"json newline escape before", `{"text": "line one\n` + tok1 + `\nmore"}`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"url credentials", `git remote add origin https://user:` + tok1 + `@huggingface.co/acme/model`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"env file", "HF_TOKEN=" + tok1 + "\nOTHER=1\n", []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"yaml", "env:\n  token: " + tok1 + "\n", []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"toml", `token = '` + tok1 + `'`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"shell header", `curl -H "Authorization: Bearer ` + tok1 + `" https://huggingface.co/api/whoami-v2`, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"log line", "2024-01-01 INFO using token=" + tok1 + ";", []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"start and end of input", tok1, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"alphanumeric is medium", "t=" + tokAlnum, []want{{"hf-user-token", tokAlnum, "medium", nil, 0}}},
		{"legacy org token", `api_key="` + orgTok + `"`, []want{{"hf-org-token", orgTok, "high", nil, 0}}},
		{"oauth token", "Authorization: Bearer hf_oauth_" + jwt + "\n", []want{{"hf-oauth-token", "hf_oauth_" + jwt, "high", nil, 0}}},
		{"trusted publisher jwt", "HF_TOKEN=hf_jwt_" + jwt, []want{{"hf-jwt", "hf_jwt_" + jwt, "high", nil, 0}}},
		{"oauth refresh", "refresh_token = hf_oauth__refresh_Zk3pQ9xLmT7vR2sW8yB4nC6d\n", []want{{"hf-oauth-refresh-token", "hf_oauth__refresh_Zk3pQ9xLmT7vR2sW8yB4nC6d", "high", nil, 0}}},
		{"base64", "HF: " + encode.Base64("token="+tok1+"\n"), []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"base64 shift 1", "HF: " + encode.Base64("x="+tok1+"\n"), []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"base64 shift 2", "HF: " + encode.Base64("xy "+tok1+"\n"), []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"base64 no context", encode.Base64(tok1), []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"base64url", "t=" + encode.Base64URL("\xfb\xff "+tok1), []want{{"hf-user-token", tok1, "high", []string{"base64url"}, 0}}},
		{"kubernetes secret", "apiVersion: v1\nkind: Secret\ndata:\n  HF_TOKEN: " + encode.Base64(tok1) + "\n", []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"percent underscore", "GET /x?token=hf%5F" + tok1[3:] + " HTTP/1.1", []want{{"hf-user-token", tok1, "high", []string{"percent"}, 0}}},
		{"percent everything", "q=" + encode.PercentAll(tok1) + "&x=1", []want{{"hf-user-token", tok1, "high", []string{"percent"}, 0}}},
		{"query escape", "https://x/?u=" + url.QueryEscape("https://a:"+tok1+"@huggingface.co"), []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"unicode escapes", `{"t": "` + encode.UnicodeEscape(tok1) + `"}`, []want{{"hf-user-token", tok1, "high", []string{"unicode-escape"}, 0}}},
		{"hex escapes", `s = "` + encode.HexEscape(tok1) + `"`, []want{{"hf-user-token", tok1, "high", []string{"unicode-escape"}, 0}}},
		{"partial json escape", `"` + tok1[:10] + `\u00` + hex.EncodeToString([]byte{tok1[10]}) + tok1[11:] + `"`, []want{{"hf-user-token", tok1, "high", []string{"json-escape"}, 0}}},
		{"hex", "blob " + hex.EncodeToString([]byte(" "+tok1+" ")) + " end", []want{{"hf-user-token", tok1, "high", []string{"hex"}, 0}}},
		{"base64 of base64", "x " + encode.Base64(encode.Base64("k="+tok1+"\n")), []want{{"hf-user-token", tok1, "high", []string{"base64", "base64"}, 0}}},
		{"percent of base64", "x=" + url.QueryEscape(encode.Base64("a="+tok1+"\n")), []want{{"hf-user-token", tok1, "high", []string{"base64"}, 0}}},
		{"three levels", "x " + encode.Base64(encode.Base64(`{"t":"`+tok1[:9]+`\u00`+hex.EncodeToString([]byte{tok1[9]})+tok1[10:]+`"}`)), []want{{"hf-user-token", tok1, "high", []string{"base64", "base64", "json-escape"}, 0}}},
		{"split plus", `token = "` + tok1[:12] + `" + "` + tok1[12:] + `"`, []want{{"hf-user-token", tok1, "medium", nil, 2}}},
		{"split python implicit multiline", "login(token=(\n    \"" + tok1[:8] + "\"\n    '" + tok1[8:20] + "'\n    \"" + tok1[20:] + "\"))", []want{{"hf-user-token", tok1, "medium", nil, 3}}},
		{"split shell adjacent", `export HF_TOKEN='` + tok1[:15] + `'"` + tok1[15:] + `"`, []want{{"hf-user-token", tok1, "medium", nil, 2}}},
		{"split js template", "const t = `" + tok1[:5] + "` +\n  `" + tok1[5:] + "`;", []want{{"hf-user-token", tok1, "medium", nil, 2}}},
		{"two tokens", tok1 + "\n" + tok2, []want{{"hf-user-token", tok1, "high", nil, 0}, {"hf-user-token", tok2, "high", nil, 0}}},
		{"replicate", "REPLICATE_API_TOKEN=" + r8, []want{{"replicate-api-token", r8, "high", nil, 0}}},
		{"github classic", "GITHUB_TOKEN: " + ghp, []want{{"github-token", ghp, "high", nil, 0}}},
		{"github fine-grained", "t=" + ghpat, []want{{"github-fine-grained-pat", ghpat, "high", nil, 0}}},
		{"openai project", `openai.api_key = "` + skProj + `"`, []want{{"openai-api-key", skProj, "high", nil, 0}}},
		{"anthropic", `ANTHROPIC_API_KEY="` + skAnt + `"`, []want{{"anthropic-api-key", skAnt, "high", nil, 0}}},
		{"aws pair", "aws_access_key_id = " + akia + "\naws_secret_access_key = " + awsSec + "\n", []want{{"aws-access-key", akia + ":" + awsSec, "high", nil, 0}}},
		{"wandb env", "WANDB_API_KEY=" + wandb + "\n", []want{{"wandb-api-key", wandb, "high", nil, 0}}},
		{"wandb login", `wandb.login(key="` + wandb + `")`, []want{{"wandb-api-key", wandb, "high", nil, 0}}},
	}
	d := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Detect([]byte(tt.input))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d matches %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Rule != w.rule || g.Secret != w.secret || string(g.Confidence) != w.conf {
					t.Errorf("match %d = %s %q %s, want %s %q %s", i, g.Rule, g.Secret, g.Confidence, w.rule, w.secret, w.conf)
				}
				if !slices.Equal(g.Encodings, w.enc) {
					t.Errorf("match %d encodings = %v, want %v", i, g.Encodings, w.enc)
				}
				if len(g.Parts) != w.parts {
					t.Errorf("match %d parts = %v, want %d parts", i, g.Parts, w.parts)
				}
				if g.Start < 0 || g.End > len(tt.input) || g.Start >= g.End {
					t.Errorf("match %d span [%d,%d) outside input of %d bytes", i, g.Start, g.End, len(tt.input))
				}
				if w.enc == nil && w.parts == 0 && tt.input[g.Start:g.End] != w.secret && !strings.HasPrefix(w.rule, "aws") {
					t.Errorf("match %d span holds %q, want the secret", i, tt.input[g.Start:g.End])
				}
				for _, p := range g.Parts {
					if !strings.Contains(w.secret, tt.input[p.Start:p.End]) {
						t.Errorf("part %v = %q is not part of the secret", p, tt.input[p.Start:p.End])
					}
				}
			}
		})
	}
}

func TestDetectNegatives(t *testing.T) {
	tests := []struct{ name, input string }{
		{"longer identifier", "&hf_servingcellpriorityparametersxyzabcdefg=1"},
		{"35 letters", tok1 + "Q"},
		{"33 letters", tok1[:len(tok1)-1] + " "},
		{"inside identifier", "my_" + tok1},
		{"letter before", "x" + tok1},
		{"placeholder x", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
		{"placeholder X", "hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"},
		{"your token", "hf_YOUR_TOKEN_HERE"},
		{"your token letters", "hf_YourHuggingFaceTokenGoesHereNowOk"},
		{"sequential", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"},
		{"repeated", "hf_aBcDeFgGgGgGgGgGgGgGgGgGgGgGgGgGgG"},
		{"camelCase words", "hf_getAccessTokenFromEnvironmentVar"},
		{"all lower", "hf_servingcellpriorityparametersabcd"},
		{"digits mostly", "hf_1234a678901234567890123456789012b4"},
		{"split with variable", `t = "hf_abcXyzQ" + suffix`},
		{"split list not concatenation", `["hf_` + tok1[3:12] + `", "` + tok1[12:] + `"]`},
		{"aws id alone", "key = " + akia + "\n"},
		{"wandb without context", "sha = " + wandb},
		{"hf_hub_download", "from huggingface_hub import hf_hub_download\nhf_hub_download(repo_id=x)"},
		{"base64 noise", encode.Base64(strings.Repeat("\x00\x01\x02 binary stuff \xff\xfe", 50))},
		{"sk in word", "task-queue risk-free"},
	}
	d := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Detect([]byte(tt.input)); len(got) != 0 {
				t.Fatalf("unexpected matches %+v", got)
			}
		})
	}
}

func TestNoDecode(t *testing.T) {
	d := New(Options{NoDecode: true})
	if got := d.Detect([]byte(encode.Base64(tok1))); len(got) != 0 {
		t.Fatalf("decoders off, yet found %+v", got)
	}
	if got := d.Detect([]byte(tok1)); len(got) != 1 {
		t.Fatalf("plain token not found with decoders off: %+v", got)
	}
}

func TestPrefilterMatchesScalar(t *testing.T) {
	// The vectorised scan and the scalar one must report the same anchors.
	d := New(Options{})
	var sb strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&sb, "line %d hf_ x %s sk- r8_ AKIA ghp_ api_org_ %%68 68\\ aGZf oZl hmX 68665f wandb\n", i, strings.Repeat("ab", i%7))
	}
	data := []byte(sb.String())
	var fast, slow []int
	d.tables.scan(data, func(p int, b uint8) {
		// The SIMD scan over-approximates; keep exact hits only.
		for _, a := range d.anchors {
			if a.bucket&b != 0 && a.at(data, p) {
				fast = append(fast, p)
				return
			}
		}
	})
	d.tables.scanScalar(data, 0, func(p int, b uint8) {
		for _, a := range d.anchors {
			if a.bucket&b != 0 && a.at(data, p) {
				slow = append(slow, p)
				return
			}
		}
	})
	if len(slow) == 0 || !slices.Equal(fast, slow) {
		t.Fatalf("prefilters disagree: %d vs %d candidates", len(fast), len(slow))
	}
}

func TestBase64AnchorsDerived(t *testing.T) {
	// "aGZf" is base64 of "hf_" at alignment 0; derived anchors must hold it.
	found := false
	for _, a := range base64Anchors() {
		if strings.HasPrefix("aGZf", a.pat[0]+a.pat[1]+a.pat[2]) {
			found = true
		}
	}
	if !found {
		t.Fatal("anchor for aGZf missing")
	}
}
