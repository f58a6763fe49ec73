package hubsim

import (
	"net/http"
	"slices"
	"strings"
)

// routeVars are the parts of a path a handler needs.
type routeVars struct {
	typ    string // model, dataset or space
	repoID string // namespace/name
	rev    string
	path   string
	name   string // discussion number, webhook id, org, branch or tag
	action string // webhook enable/disable, auth-check write
}

// routed is the outcome of routing: a handler, or the methods the path
// allows (405), or neither (404).
type routed struct {
	handler func(*request) *response
	vars    routeVars
	allow   []string
	bucket  string // rate-limit bucket: api (default), resolvers or pages
	exempt  bool   // not counted against the rate limit
	whoami  bool   // also counted against whoami-v2's own quota
}

type methods map[string]func(*request) *response

// pick selects the handler for method; HEAD falls back to GET.
func pick(method string, v routeVars, m methods) routed {
	if h, ok := m[method]; ok {
		return routed{handler: h, vars: v}
	}
	if h, ok := m[http.MethodGet]; ok && method == http.MethodHead {
		return routed{handler: h, vars: v}
	}
	allow := make([]string, 0, len(m))
	for k := range m {
		allow = append(allow, k)
	}
	slices.Sort(allow)
	return routed{vars: v, allow: allow}
}

// repoType maps the plural used in paths to the repository type.
func repoType(plural string) (string, bool) {
	switch plural {
	case "models":
		return "model", true
	case "datasets":
		return "dataset", true
	case "spaces":
		return "space", true
	}
	return "", false
}

// route finds what answers method on the path segments.
func route(method string, segs []string) routed {
	if len(segs) == 0 {
		return routed{bucket: "pages"}
	}
	if segs[0] == "api" {
		return routeAPI(method, segs[1:])
	}
	if len(segs) == 3 && segs[0] == "_hubsim" && segs[1] == "lfs-upload" {
		// Storage, not the Hub: counted against no quota.
		rt := pick(method, routeVars{name: segs[2]}, methods{http.MethodPut: hLFSUpload})
		rt.exempt = true
		return rt
	}
	return routeFile(method, segs)
}

func routeAPI(method string, segs []string) routed {
	n := len(segs)
	if n == 0 {
		return routed{}
	}
	switch segs[0] {
	case "whoami-v2":
		if n == 1 {
			rt := pick(method, routeVars{}, methods{http.MethodGet: hWhoami})
			rt.whoami = true
			return rt
		}
		return routed{}
	case "credentials":
		if n == 2 && segs[1] == "revoke" {
			rt := pick(method, routeVars{}, methods{http.MethodPost: hRevoke})
			rt.exempt = true
			return rt
		}
		return routed{}
	case "organizations":
		switch {
		case n == 3 && segs[2] == "members":
			return pick(method, routeVars{name: segs[1]}, methods{http.MethodGet: hOrgMembers})
		case n == 5 && segs[2] == "settings" && segs[3] == "tokens" && segs[4] == "revoke":
			return pick(method, routeVars{name: segs[1]}, methods{http.MethodPost: hOrgRevoke})
		}
		return routed{}
	case "settings":
		if n < 2 || segs[1] != "webhooks" {
			return routed{}
		}
		switch n {
		case 2:
			return pick(method, routeVars{}, methods{http.MethodGet: hWebhookList, http.MethodPost: hWebhookCreate})
		case 3:
			return pick(method, routeVars{name: segs[2]}, methods{
				http.MethodGet: hWebhookGet, http.MethodPost: hWebhookUpdate, http.MethodPut: hWebhookUpdate,
				http.MethodDelete: hWebhookDelete,
			})
		case 4:
			if segs[3] == "enable" || segs[3] == "disable" {
				return pick(method, routeVars{name: segs[2], action: segs[3]}, methods{http.MethodPost: hWebhookEnable})
			}
		}
		return routed{}
	}
	typ, ok := repoType(segs[0])
	if !ok {
		return routed{}
	}
	if n == 1 {
		return pick(method, routeVars{typ: typ}, methods{http.MethodGet: hList})
	}
	if n < 3 {
		return routed{}
	}
	v := routeVars{typ: typ, repoID: segs[1] + "/" + segs[2]}
	rest := segs[3:]
	if len(rest) == 0 {
		v.rev = "HEAD"
		return pick(method, v, methods{http.MethodGet: hRepoInfo})
	}
	tail := strings.Join(rest[1:], "/")
	switch rest[0] {
	case "revision":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodGet: hRepoInfo})
		}
	case "auth-check":
		switch {
		case len(rest) == 1:
			return pick(method, v, methods{http.MethodGet: hAuthCheck})
		case len(rest) == 2 && rest[1] == "write":
			v.action = "write"
			return pick(method, v, methods{http.MethodGet: hAuthCheck})
		}
	case "refs":
		if len(rest) == 1 {
			return pick(method, v, methods{http.MethodGet: hRefs})
		}
	case "commits":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodGet: hCommits})
		}
	case "tree":
		if len(rest) >= 2 {
			v.rev = rest[1]
			v.path = strings.Join(rest[2:], "/")
			return pick(method, v, methods{http.MethodGet: hTree})
		}
	case "paths-info":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodPost: hPathsInfo})
		}
	case "discussions":
		switch len(rest) {
		case 1:
			return pick(method, v, methods{http.MethodGet: hDiscussions})
		case 2:
			v.name = rest[1]
			return pick(method, v, methods{http.MethodGet: hDiscussion})
		}
	case "secrets", "variables":
		if typ == "space" && len(rest) == 1 {
			v.action = rest[0]
			return pick(method, v, methods{
				http.MethodGet: hSpaceSettingsGet, http.MethodPost: hSpaceSettingsPost, http.MethodDelete: hSpaceSettingsDelete,
			})
		}
	case "preupload":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodPost: hPreupload})
		}
	case "commit":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodPost: hCommit})
		}
	case "super-squash":
		if tail != "" {
			v.rev = tail
			return pick(method, v, methods{http.MethodPost: hSuperSquash})
		}
	case "branch":
		if tail != "" {
			v.name = tail
			return pick(method, v, methods{http.MethodPost: hBranchCreate, http.MethodDelete: hBranchDelete})
		}
	case "tag":
		if tail != "" {
			v.rev = tail
			v.name = tail
			return pick(method, v, methods{http.MethodPost: hTagCreate, http.MethodDelete: hTagDelete})
		}
	}
	return routed{}
}

// routeFile routes /{prefix}{namespace}/{name}/{resolve|raw}/{rev}/{path}.
func routeFile(method string, segs []string) routed {
	typ := "model"
	if t, ok := repoType(segs[0]); ok && t != "model" {
		typ = t
		segs = segs[1:]
	}
	if len(segs) == 6 && strings.HasSuffix(segs[1], ".git") && segs[2] == "info" && segs[3] == "lfs" && segs[4] == "objects" {
		// The Git LFS API: not documented as a Hub API bucket; the
		// simulator counts it as api.
		v := routeVars{typ: typ, repoID: segs[0] + "/" + strings.TrimSuffix(segs[1], ".git")}
		switch segs[5] {
		case "batch":
			return pick(method, v, methods{http.MethodPost: hLFSBatch})
		case "verify":
			return pick(method, v, methods{http.MethodPost: hLFSVerify})
		}
		return routed{bucket: "pages"}
	}
	if len(segs) < 5 || (segs[2] != "resolve" && segs[2] != "raw") {
		return routed{bucket: "pages"}
	}
	v := routeVars{typ: typ, repoID: segs[0] + "/" + segs[1], action: segs[2], rev: segs[3], path: strings.Join(segs[4:], "/")}
	rt := pick(method, v, methods{http.MethodGet: hResolve})
	// Resolvers are "all the URLs that contain a /resolve/ segment";
	// everything else outside /api/ is a page (hub-docs rate-limits.md).
	rt.bucket = "resolvers"
	if v.action == "raw" {
		rt.bucket = "pages"
	}
	return rt
}
