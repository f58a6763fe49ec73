// Package hubsim is a simulated Hugging Face Hub for tests and demos. It
// serves the parts of the Hub API that hfwarden's client uses, with the
// Hub's response shapes, status codes, error headers and rate-limit
// headers, so that real clients (the npm @huggingface/hub client, and
// hfwarden's own) accept it.
//
//	srv := hubsim.New(hubsim.DemoScenario(), hubsim.Options{})
//	baseURL, stop, err := srv.Start("127.0.0.1:0")
//	defer stop()
//
// # Endpoints
//
// Paths are relative to the base URL; a token is sent as
// "Authorization: Bearer TOKEN".
//
//	GET  /api/whoami-v2
//	POST /api/credentials/revoke                      {"credentials":[…]} → always 202
//	POST /api/organizations/{org}/settings/tokens/revoke  {"token"} (Enterprise org admin)
//	GET  /api/organizations/{org}/members             cursor pagination, Link header
//	GET  /api/{models|datasets|spaces}?author=&search=&limit=&expand=&cursor=
//	GET  /api/{type}s/{ns}/{name}[/revision/{rev}]
//	GET  /api/{type}s/{ns}/{name}/auth-check[/write]
//	GET  /api/{type}s/{ns}/{name}/refs?include_prs=1
//	GET  /api/{type}s/{ns}/{name}/commits/{rev}?limit=&p=
//	GET  /api/{type}s/{ns}/{name}/tree/{rev}[/{path}]?recursive=&expand=&limit=&cursor=
//	POST /api/{type}s/{ns}/{name}/paths-info/{rev}    {paths, expand} (JSON or form)
//	GET  /api/{type}s/{ns}/{name}/discussions?p=&status=&type=&author=&search=
//	GET  /api/{type}s/{ns}/{name}/discussions/{num}
//	POST /api/{type}s/{ns}/{name}/preupload/{branch}
//	POST /api/{type}s/{ns}/{name}/commit/{branch}     NDJSON: header, file, lfsFile, deletedFile, deletedFolder
//	POST /api/{type}s/{ns}/{name}/super-squash/{branch}
//	POST|DELETE /api/{type}s/{ns}/{name}/branch/{branch}
//	POST /api/{type}s/{ns}/{name}/tag/{rev} {tag}; DELETE /api/{type}s/{ns}/{name}/tag/{tag}
//	GET|POST|DELETE /api/spaces/{ns}/{name}/secrets, /variables
//	GET|POST /api/settings/webhooks; GET|POST|DELETE /api/settings/webhooks/{id};
//	POST /api/settings/webhooks/{id}/enable, /disable
//	GET|HEAD /{prefix}{ns}/{name}/{resolve|raw}/{rev}/{path}   prefix "", "datasets/" or "spaces/"
//	POST /{prefix}{ns}/{name}.git/info/lfs/objects/batch, /verify   Git LFS API (uploads)
//	PUT  /_hubsim/lfs-upload/{id}                     presigned storage URL (on the CDN when one runs)
//	GET|HEAD /_hubsim/cdn/{type}/{ns}/{name}/{sha256} on the CDN only: LFS files
//
// Anything else is 404 with a JSON {"error"} body; a known path with the
// wrong method is 405.
//
// # Behaviour
//
// Errors carry a JSON body {"error": message}, the message in
// X-Error-Message and, where the Hub sets one, X-Error-Code (RepoNotFound,
// RevisionNotFound, EntryNotFound, GatedRepo).
//
// An unknown, revoked or expired token gets 401 "Invalid credentials in
// Authorization header" on every endpoint but revocation; so does a
// missing token where one is needed (whoami, webhooks, writes).
//
// A repository that does not exist, or that is private and out of the
// caller's reach, gets X-Error-Code RepoNotFound and "Repository not
// found": 401 without a token, 404 with one (the same for both cases, which
// reveals nothing). A repository the Hub disabled answers every request
// with 403 "Access to this resource is disabled." and no error code; it
// stays listed, with "disabled": true.
//
// Access follows hub-docs: a classic (or org) token's role, read or write,
// intersected with the user's rights: their own namespace is theirs, in an
// organization admin and write may write, contributor and read may only
// read, no_access reaches nothing (docs/hub/organizations-security.md).
// A fine-grained token gets what its scoped permissions grant on the owner
// (user or org), on the repository's resource group or on the repository
// itself: repo.content.read to read, repo.write to write (and read).
// Public repositories are readable with any token. When the user could
// read or write but the token does not allow it, the answer is 403 without
// an error code. Listing shows a private repository only to callers who
// may read it.
//
// Resource groups (docs/hub/security-resource-groups.md): a repository of
// a group follows the member's role in the group (admin, write,
// contributor, read), whatever their org role; a private one is out of
// reach, and not listed, for org members outside the group, org admins
// excepted (they manage every group). whoami lists each org's
// resourceGroups [{id, name, role}]; a fine-grained scope on a group has
// entity type "resource-group", the group's name and the same id.
//
// OAuth tokens (docs/hub/oauth.md, "Currently supported scopes" and
// "Accessing organization resources"): whoami-v2 answers auth.type "oauth"
// with expiresAt and an accessToken without role nor displayName; the
// power is the scopes, carried in the token's JWT scope claim: read-repos
// reads, write-repos and manage-repos write, on the user's own
// repositories and on those of the organizations the user granted the app
// (the scenario's "orgs"; all of the user's orgs are still listed in
// whoami, which the sources do not settle). gated-repos or a repos scope
// passes the gates; webhooks manages webhooks. Other scopes change no
// repository access here (contribute-repos is not modelled).
//
// App tokens (huggingface.js packages/hub/src/types/api/api-who-am-i.ts
// ApiWhoAmIApp, types/public.ts AuthType): whoami-v2 answers
// {"type": "app", id, name, "scope": {"entities", "role"}} with auth.type
// "app_token"; the token acts on the users and orgs named in entities (by
// name here) with the role, admin or write to write, contributor or read to
// read, and on nothing else but public repositories.
//
// The files of a gated repository (resolve, raw, auth-check) are open to
// the owner and the members of the owning organization whose token has
// rights on the repository; anyone else needs an accepted access request
// (approvedUsers: an "auto" repository accepts every request, but a user
// who never asked is refused like at a "manual" one), and a fine-grained
// token also needs canReadGatedRepos (a member's fine-grained token scoped
// elsewhere too). Otherwise the answer is X-Error-Code GatedRepo with 401
// without a token and 403 with one ("… is restricted and you are not in
// the authorized list …"). Metadata, trees and commits of gated
// repositories stay visible.
//
// Listings and repository info take expand (repeated, or expand[]): each
// type accepts only its own properties (spaces have no "gated" and no
// "downloads"); any other value is 400 `"expand" must be one of [...]`.
// With expand only "_id", "id" and the requested properties come back
// (those the simulator does not model are left out); without it, every
// modelled field.
//
// # Sources
//
// The behaviour above follows, per endpoint, what the official clients and
// their recorded tests show the Hub answers:
//
//	GET /api/{models|datasets|spaces} expand    huggingface_hub src/huggingface_hub/hf_api.py
//	                                            (ExpandModelProperty_T, ExpandDatasetProperty_T,
//	                                            ExpandSpaceProperty_T); tests/test_hf_api.py
//	                                            (test_list_models_expand_author, _multiple,
//	                                            _unexpected_value: only the requested fields, 400)
//	GET /api/{type}s/{ns}/{name} expand         the same lists; tests/test_hf_api.py
//	                                            test_model_info_expand_*
//	RepoNotFound 401 / 404, disabled 403,       huggingface_hub src/huggingface_hub/utils/_http.py
//	GatedRepo 401 / 403                         (hf_raise_for_status), src/huggingface_hub/errors.py
//	                                            (RepositoryNotFoundError, GatedRepoError,
//	                                            DisabledRepoError)
//	GET /api/{type}s/{ns}/{name}/auth-check     huggingface_hub tests/test_hf_api.py TestHfApiAuthCheck
//	                                            (missing repo, auto-gated repo refused to a user
//	                                            who did not ask); huggingface.js
//	                                            packages/hub/src/lib/check-repo-access.spec.ts
//	                                            (missing repo: 401 anonymous, 404 authenticated)
//	GET /api/spaces expand                      huggingface.js packages/hub/src/lib/list-spaces.ts
//	                                            (sdk, likes, private, lastModified: no gated)
//
// Files (sources: huggingface_hub src/huggingface_hub/file_download.py,
// get_hf_file_metadata, and constants.py for the headers it reads;
// huggingface.js packages/hub/src/lib/download-file.ts): /resolve/ answers
// with X-Repo-Commit, a quoted ETag (the git blob id, or for LFS files the
// SHA-256, also sent as X-Linked-Etag with X-Linked-Size), Content-Length
// and Accept-Ranges; a single "Range: bytes=a-b" gets 206 with
// Content-Range. When the simulator's CDN runs (Start starts it, or
// StartCDN), an LFS file is instead a 302 to the CDN, another origin, with
// those Hub headers on this first hop only; the CDN serves the bytes
// (ranges too) without credentials. No file is stored with Xet, so
// X-Xet-Hash is never sent. /raw/ serves the LFS pointer of LFS files, from
// the Hub.
//
// Uploads (sources: huggingface_hub src/huggingface_hub/_commit_api.py,
// _fetch_upload_modes and _prepare_commit_payload, src/huggingface_hub/lfs.py,
// post_lfs_batch_info and lfs_upload; huggingface.js
// packages/hub/src/lib/commit.ts): preupload {files: [{path, size,
// sample}], gitAttributes?} answers "lfs" for a file the .gitattributes of
// the request (else of the revision) puts under filter=lfs, for one of
// 10 MiB or more and for a binary sample (a NUL byte or invalid UTF-8),
// "regular" otherwise and for empty files. The LFS batch API (Accept and
// Content-Type application/vnd.git-lfs+json, write access, operation
// "upload", transfer "basic") gives each object the repository lacks an
// upload action, a presigned PUT that refuses an Authorization header and
// content other than the announced SHA-256 and size, and a verify action on
// the Hub; objects it has get no actions. The NDJSON commit takes "file"
// lines inline, refusing binaries and files of 10 MiB or more as the Hub
// does, and "lfsFile" lines {path, algo: "sha256", oid, size} for objects
// stored in the repository.
//
// Pagination: repository lists, trees and organization members use limit
// (default and maximum 1000; members 500) and an opaque cursor; commits
// use limit (default 50) and a page number p, with X-Total-Count;
// discussions use p with pages of 50. The next page is announced as
// Link: <absolute URL>; rel="next".
//
// Rate limits (source: hub-docs docs/hub/rate-limits.md; whoami-v2's
// strictness: huggingface_hub src/huggingface_hub/hf_api.py, whoami; the
// client side: huggingface_hub src/huggingface_hub/utils/_http.py,
// parse_ratelimit_headers): requests count per account (all tokens of a
// user, or an org token's organization) or, without a valid token, per IP
// address, in fixed windows (Options.RateWindow, 5 minutes by default), in
// three buckets: "resolvers" for /resolve/, "pages" for every other path
// outside /api/ (raw files), "api" for the rest. The quotas are those of
// the account's plan, as documented ([TierQuotas]); a user gets the best of
// their own plan and their organizations'. Options.RateLimit sets every
// quota to one number. Every response carries
// RateLimit: "api";r=<remaining>;t=<seconds to reset> and
// RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window seconds>;
// past the quota the answer is 429 with Retry-After. whoami-v2 also has a
// strict quota of its own (Options.WhoamiLimit, 100 per window by default:
// the Hub does not publish the number); past it the answer is 429 with
// Retry-After while the api bucket's headers still show requests left.
// Revocation requests are never refused nor counted.
//
// Secrets and variables of a space need write access, even to list them.
// Both lists have the shape of the Hub's variables endpoint,
// {"KEY": {"value", "description", "updatedAt"}}, without "value" for
// secrets, and without "updatedAt" for a setting never updated since it
// was created (a scenario setting without a date); a POST sets it (source:
// huggingface_hub src/huggingface_hub/_space_api.py, SpaceSecret and
// SpaceVariable, "if the secret has been updated at least once").
//
// Pull requests (source: huggingface_hub src/huggingface_hub/hf_api.py,
// list_repo_refs and create_commit; tests/test_hf_api.py
// test_list_refs_with_prs): every pull request of the scenario has a ref,
// refs/pr/{num}, at main's head; "pullRequests" lists them in /refs only
// with include_prs=1 (absent otherwise). Preupload and commit accept an
// open (or draft) pull request's ref as the revision: the commit moves
// that ref, not a branch, and adds a "commit" event to the pull request.
// Other writes (branches, tags, super-squash) refuse it.
//
// Webhooks (source: huggingface_hub src/huggingface_hub/hf_api.py,
// create_webhook and WebhookInfo; hub-docs docs/hub/jobs-webhooks.md)
// post to a "url" or trigger a Job: created with "jobSourceId" (a Job of
// the scenario's "jobs", the caller's or one of their organizations'),
// such a webhook is answered with "job" (dockerImage or spaceId, command,
// arguments, environment, flavor) and no "url". One of the two is
// required, both are a 400, an unknown Job a 404.
//
// # Scenario format
//
// A scenario is JSON (see testdata/scenario.json). Dates are RFC 3339;
// objects without one get fixed dates from 2024-01-01, so everything is
// deterministic. Unknown fields are errors. The // notes below explain the
// fields; they are not part of the format.
//
//	{
//	  "users": [
//	    {"name": "alice", "fullname": "Alice", "email": "alice@example.com", "isPro": true,
//	     "orgs": [{"name": "acme", "roleInOrg": "admin"}]},     // admin|write|contributor|read|no_access
//	    {"name": "bob", "orgs": [{"name": "acme", "roleInOrg": "no_access",
//	     "resourceGroups": [{"name": "vision", "role": "write"}]}]}
//	  ],
//	  "orgs": [{"name": "acme", "fullname": "Acme", "plan": "enterprise",
//	            "resourceGroups": ["vision"]}],
//	  "tokens": [
//	    {"token": "hf_…", "user": "alice", "kind": "classic", "role": "write",
//	     "displayName": "sim-alice-write", "createdAt": "2024-03-01T09:00:00Z"},
//	    {"token": "hf_…", "user": "alice", "kind": "fineGrained", "displayName": "sim-ci",
//	     "fineGrained": {"canReadGatedRepos": true, "global": ["discussion.write"],
//	       "scoped": [{"entity": {"type": "org", "name": "acme"},
//	                   "permissions": ["repo.content.read", "repo.write"]}]}},
//	    {"token": "hf_oauth_…", "user": "alice", "kind": "oauth",   // scopes default to the JWT's
//	     "scopes": ["openid", "read-repos", "write-repos"], "orgs": ["acme"],  // orgs consented to
//	     "expiresAt": "2030-01-01T00:00:00Z"},
//	    {"token": "hf_…", "user": "ci-app", "kind": "app", "role": "write", "entities": ["acme"]},
//	    {"token": "hf_…", "user": "bob", "kind": "fineGrained", "fineGrained": {"scoped": [
//	     {"entity": {"type": "resource-group", "name": "acme/vision"}, "permissions": ["repo.write"]}]}},
//	    {"token": "api_org_…", "user": "acme", "kind": "org", "role": "read"},
//	    {"token": "hf_…", "user": "alice", "kind": "classic", "revoked": true}
//	  ],
//	  "repos": [
//	    {"id": "acme/model", "type": "model", "private": true, "gated": false,  // or "auto", "manual"
//	     "resourceGroup": "vision",
//	     "approvedUsers": [],                         // accepted access requests (gated)
//	     "disabled": false, "createdAt": "2024-02-01T00:00:00Z",
//	     "likes": 3, "downloads": 10, "repoTags": ["demo"], "pipelineTag": "text-generation",
//	     "files": {                                   // the files of the first commit
//	       "README.md": "# Model\n",                  // text
//	       "weights.bin": {"base64": "AAEC"},         // bytes
//	       "big.bin": {"size": 1048576, "lfs": true}  // deterministic pseudo-random bytes
//	     },
//	     "commits": [                                 // oldest first; default one "Initial commit"
//	       {"title": "Initial commit", "author": "alice", "date": "2024-02-01T00:00:00Z"},
//	       {"title": "Drop weights", "message": "body", "files": {"weights.bin": null}}
//	     ],
//	     "branches": {"dev": "main~1"},               // main, main~N or a commit id
//	     "tags": {"v1.0": "main"},
//	     "discussions": [
//	       {"title": "Question", "author": "alice", "status": "open", "isPullRequest": false,
//	        "events": [{"type": "comment", "author": "alice", "content": "Hi"},
//	                   {"type": "status-change", "author": "alice", "status": "closed"},
//	                   {"type": "title-change", "author": "alice", "from": "Q", "to": "Question"},
//	                   {"type": "commit", "author": "alice", "oid": "…", "subject": "Fix"}]}]},
//	    {"id": "acme/demo", "type": "space", "sdk": "gradio",
//	     "secrets": [{"key": "HF_TOKEN", "value": "…", "description": "…"}],
//	     "variables": [{"key": "MODEL_ID", "value": "acme/model"}]}
//	  ],
//	  "webhooks": [
//	    {"owner": "alice", "url": "https://example.com/hook", "domains": ["repo", "discussion"],
//	     "watched": [{"type": "org", "name": "acme"}], "disabled": false, "secret": "…"},
//	    {"owner": "alice", "job": {"dockerImage": "ubuntu", "command": ["bash", "-c", "…"],
//	     "flavor": "cpu-basic"}, "watched": [{"type": "user", "name": "alice"}]}   // instead of url
//	  ],
//	  "jobs": [{"id": "…", "owner": "alice", "dockerImage": "ubuntu"}]   // for jobSourceId
//	}
//
// A file is stored with LFS when it is binary (not UTF-8, or has a NUL
// byte) or 10 MiB or larger, unless "lfs" says otherwise. Commit ids are
// computed from the commit's content and parent unless given. Webhook and
// object ids are stable 24-hex digests of their names.
package hubsim
