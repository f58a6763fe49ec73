package hubsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Shapes of GET /api/whoami-v2.

type whoamiUser struct {
	Type          string      `json:"type"`
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Fullname      string      `json:"fullname"`
	Email         string      `json:"email,omitempty"`
	EmailVerified *bool       `json:"emailVerified,omitempty"`
	CanPay        bool        `json:"canPay"`
	IsPro         bool        `json:"isPro"`
	PeriodEnd     *int64      `json:"periodEnd"`
	AvatarURL     string      `json:"avatarUrl"`
	BillingMode   string      `json:"billingMode"`
	Orgs          []whoamiOrg `json:"orgs"`
	Auth          whoamiAuth  `json:"auth"`
}

type whoamiOrg struct {
	Type                 string          `json:"type"`
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	Fullname             string          `json:"fullname"`
	Email                *string         `json:"email"`
	CanPay               bool            `json:"canPay"`
	AvatarURL            string          `json:"avatarUrl"`
	PeriodEnd            *int64          `json:"periodEnd"`
	Plan                 string          `json:"plan"`
	RoleInOrg            string          `json:"roleInOrg"`
	SecurityRestrictions []string        `json:"securityRestrictions"`
	ResourceGroups       []resourceGroup `json:"resourceGroups"`
}

type resourceGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// whoamiOrgPrincipal answers for a legacy organization token.
type whoamiOrgPrincipal struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Fullname  string     `json:"fullname"`
	AvatarURL string     `json:"avatarUrl"`
	Plan      string     `json:"plan"`
	Auth      whoamiAuth `json:"auth"`
}

// whoamiApp answers for an app token (huggingface.js
// packages/hub/src/types/api/api-who-am-i.ts ApiWhoAmIApp).
type whoamiApp struct {
	Type  string         `json:"type"`
	ID    string         `json:"id"`
	Name  string         `json:"name"`
	Scope whoamiAppScope `json:"scope"`
	Auth  whoamiAuth     `json:"auth"`
}

type whoamiAppScope struct {
	Entities []string `json:"entities"`
	Role     string   `json:"role"`
}

type whoamiAuth struct {
	Type        string             `json:"type"`
	AccessToken *whoamiAccessToken `json:"accessToken,omitempty"`
	ExpiresAt   string             `json:"expiresAt,omitempty"`
}

type whoamiAccessToken struct {
	DisplayName string             `json:"displayName,omitempty"`
	Role        string             `json:"role,omitempty"`
	CreatedAt   string             `json:"createdAt,omitempty"`
	FineGrained *whoamiFineGrained `json:"fineGrained,omitempty"`
}

type whoamiFineGrained struct {
	CanReadGatedRepos bool           `json:"canReadGatedRepos"`
	Global            []string       `json:"global"`
	Scoped            []whoamiScoped `json:"scoped"`
}

type whoamiScoped struct {
	Entity      whoamiEntity `json:"entity"`
	Permissions []string     `json:"permissions"`
}

type whoamiEntity struct {
	ID   string `json:"_id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// hWhoami answers GET /api/whoami-v2.
func hWhoami(r *request) *response {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return bad
	}
	if p.tok == nil {
		return errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
	}
	st, t := r.srv.st, p.tok
	auth := whoamiAuth{Type: "access_token"}
	switch t.Kind {
	case KindOrg:
		auth.AccessToken = &whoamiAccessToken{}
		return jsonResp(http.StatusOK, whoamiOrgPrincipal{
			Type: "org", ID: p.org.id, Name: p.org.name, Fullname: p.org.fullname,
			AvatarURL: avatarURL(p.org.name), Plan: p.org.plan, Auth: auth,
		})
	case KindApp:
		return jsonResp(http.StatusOK, whoamiApp{
			Type: "app", ID: mongoID("app", t.User), Name: t.User,
			Scope: whoamiAppScope{Entities: slices.Clone(t.Entities), Role: t.Role},
			Auth:  whoamiAuth{Type: "app_token"},
		})
	case KindOAuth:
		// An OAuth token has neither a role nor a display name: its power
		// is its scopes (in its JWT) and the organizations consented to.
		auth.Type = "oauth"
		auth.AccessToken = &whoamiAccessToken{CreatedAt: fmtTime(t.CreatedAt)}
		if !t.ExpiresAt.IsZero() {
			auth.ExpiresAt = fmtTime(t.ExpiresAt)
		}
	default:
		auth.AccessToken = &whoamiAccessToken{DisplayName: t.DisplayName, Role: t.Role, CreatedAt: fmtTime(t.CreatedAt)}
		if fg := t.FineGrained; fg != nil {
			wf := &whoamiFineGrained{CanReadGatedRepos: fg.CanReadGatedRepos, Global: fg.Global, Scoped: []whoamiScoped{}}
			if wf.Global == nil {
				wf.Global = []string{}
			}
			for _, sc := range fg.Scoped {
				name := sc.Entity.Name
				if sc.Entity.Type == "resource-group" {
					_, name, _ = strings.Cut(name, "/") // a group is shown by its name; its id is in orgs[].resourceGroups
				}
				wf.Scoped = append(wf.Scoped, whoamiScoped{
					Entity:      whoamiEntity{ID: st.entityID(sc.Entity), Type: sc.Entity.Type, Name: name},
					Permissions: sc.Permissions,
				})
			}
			auth.AccessToken.FineGrained = wf
		}
	}
	u := p.user
	out := whoamiUser{
		Type: "user", ID: u.id, Name: u.name, Fullname: u.fullname, Email: u.email,
		IsPro: u.isPro, AvatarURL: avatarURL(u.name), BillingMode: "postpaid", Orgs: []whoamiOrg{}, Auth: auth,
	}
	if u.email != "" {
		verified := true
		out.EmailVerified = &verified
	}
	for _, m := range u.orgs {
		o := st.orgs[m.Name]
		groups := []resourceGroup{}
		for _, g := range m.ResourceGroups {
			groups = append(groups, resourceGroup{ID: groupID(o.name, g.Name), Name: g.Name, Role: g.Role})
		}
		out.Orgs = append(out.Orgs, whoamiOrg{
			Type: "org", ID: o.id, Name: o.name, Fullname: o.fullname, AvatarURL: avatarURL(o.name),
			Plan: o.plan, RoleInOrg: m.RoleInOrg, SecurityRestrictions: []string{}, ResourceGroups: groups,
		})
	}
	return jsonResp(http.StatusOK, out)
}

// hRevoke answers POST /api/credentials/revoke {"credentials":[…]}: always
// 202, authenticated or not, known tokens or not; every scenario token
// named stops working.
func hRevoke(r *request) *response {
	var in struct {
		Credentials []string `json:"credentials"`
	}
	_ = json.Unmarshal(r.body, &in) // the answer is 202 whatever the body
	now := r.srv.now()
	for _, c := range in.Credentials {
		t := r.srv.st.tokens[c]
		if t != nil && t.revokedAt.IsZero() {
			t.revokedAt = now
		}
		r.srv.revocations = append(r.srv.revocations, Revocation{Token: c, Known: t != nil, At: now})
	}
	return jsonResp(http.StatusAccepted, map[string]any{})
}

// hOrgRevoke answers POST /api/organizations/{org}/settings/tokens/revoke
// {"token"}: an Enterprise org's admin cuts a member's token off the org.
func hOrgRevoke(r *request) *response {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return bad
	}
	if p.tok == nil {
		return errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
	}
	st := r.srv.st
	o := st.orgs[r.vars.name]
	if o == nil {
		return errResp(http.StatusNotFound, "", "Organization not found")
	}
	admin := p.user != nil && p.user.roleIn(o.name) == "admin"
	switch {
	case !admin:
		return errResp(http.StatusForbidden, "", "You must be an admin of "+o.name+" to revoke tokens")
	case p.tok.Kind == KindFineGrained && !slices.ContainsFunc(p.tok.FineGrained.Scoped, func(sc Scope) bool {
		return sc.Entity.Type == "org" && sc.Entity.Name == o.name && slices.Contains(sc.Permissions, "org.write")
	}):
		return errResp(http.StatusForbidden, "", "This fine-grained token does not have the permission org.write on "+o.name)
	case p.tok.Kind != KindFineGrained && p.tok.Role != "write":
		return errResp(http.StatusForbidden, "", "A write token is required to revoke tokens")
	case o.plan != "enterprise":
		return errResp(http.StatusForbidden, "", "Token revocation by organization admins requires an Enterprise plan")
	}
	var in struct {
		Token string `json:"token"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	t := st.tokens[in.Token]
	if t == nil || t.Kind == KindOrg || t.Kind == KindApp || st.users[t.User].roleIn(o.name) == "" {
		return errResp(http.StatusNotFound, "", "Token not found among the members of "+o.name)
	}
	now := r.srv.now()
	if _, done := t.orgRevoked[o.name]; !done {
		t.orgRevoked[o.name] = now
	}
	r.srv.revocations = append(r.srv.revocations, Revocation{Token: in.Token, Known: true, Org: o.name, At: now})
	return jsonResp(http.StatusOK, map[string]any{})
}

type apiMember struct {
	AvatarURL string `json:"avatarUrl"`
	Fullname  string `json:"fullname"`
	IsPro     bool   `json:"isPro"`
	User      string `json:"user"`
	Type      string `json:"type"`
	Role      string `json:"role,omitempty"`
}

// hOrgMembers answers GET /api/organizations/{org}/members, paginated by
// cursor and limit. Roles are shown to members of the organization only.
func hOrgMembers(r *request) *response {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return bad
	}
	o := r.srv.st.orgs[r.vars.name]
	if o == nil {
		return errResp(http.StatusNotFound, "", "Organization not found")
	}
	showRoles := p.user != nil && p.user.roleIn(o.name) != "" || p.org == o
	lo, hi, link, bad := r.paginate(len(o.members), 500, 1000)
	if bad != nil {
		return bad
	}
	out := make([]apiMember, 0, hi-lo)
	for _, m := range o.members[lo:hi] {
		am := apiMember{AvatarURL: avatarURL(m.name), Fullname: m.fullname, IsPro: m.isPro, User: m.name, Type: "user"}
		if showRoles {
			am.Role = m.roleIn(o.name)
		}
		out = append(out, am)
	}
	return pageResp(out, link)
}
