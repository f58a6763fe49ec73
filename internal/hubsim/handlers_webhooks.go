package hubsim

import (
	"net/http"
	"slices"
)

type apiWebhook struct {
	ID       string        `json:"id"`
	URL      string        `json:"url,omitempty"` // absent for a Job webhook
	Job      *JobSpec      `json:"job,omitempty"`
	Watched  []WatchedItem `json:"watched"`
	Domains  []string      `json:"domains"`
	Secret   *string       `json:"secret,omitempty"`
	Disabled bool          `json:"disabled"`
}

func toAPIWebhook(w *webhook) apiWebhook {
	out := apiWebhook{ID: w.ID, URL: w.URL, Job: w.Job, Watched: w.Watched, Domains: w.Domains, Disabled: w.Disabled}
	if w.Secret != "" {
		s := w.Secret
		out.Secret = &s
	}
	return out
}

// webhookCaller authenticates a webhook request: a user's token that may
// read (or write) webhooks. Classic tokens need role write to change them,
// OAuth tokens the webhooks scope; fine-grained ones user.webhooks.read or
// .write.
func (r *request) webhookCaller(write bool) (*user, *response) {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return nil, bad
	}
	switch {
	case p.tok == nil:
		return nil, errResp(http.StatusUnauthorized, "", msgInvalidCredentials)
	case p.user == nil:
		return nil, errResp(http.StatusForbidden, "", "Organization tokens cannot manage webhooks")
	case p.tok.Kind == KindFineGrained:
		if p.tok.hasUserPermission("user.webhooks.write") || (!write && p.tok.hasUserPermission("user.webhooks.read")) {
			return p.user, nil
		}
		perm := "user.webhooks.read"
		if write {
			perm = "user.webhooks.write"
		}
		return nil, errResp(http.StatusForbidden, "", "Access denied. This fine-grained token does not have the permission "+perm+".")
	case p.tok.Kind == KindOAuth:
		if !p.tok.hasScope("webhooks") {
			return nil, errResp(http.StatusForbidden, "", "This OAuth token has no webhooks scope")
		}
	case write && p.tok.Role != "write":
		return nil, errResp(http.StatusForbidden, "", "You need a token with write access to manage webhooks")
	}
	return p.user, nil
}

// ownWebhook authorises the caller (for writing when write is set) and
// finds their webhook named in the path.
func (r *request) ownWebhook(write bool) (*webhook, *response) {
	u, bad := r.webhookCaller(write)
	if bad != nil {
		return nil, bad
	}
	for _, w := range r.srv.st.webhooks {
		if w.ID == r.vars.name && w.Owner == u.name {
			return w, nil
		}
	}
	return nil, errResp(http.StatusNotFound, "", "Webhook not found")
}

// hWebhookList answers GET /api/settings/webhooks with the caller's
// webhooks.
func hWebhookList(r *request) *response {
	u, bad := r.webhookCaller(false)
	if bad != nil {
		return bad
	}
	out := []apiWebhook{}
	for _, w := range r.srv.st.webhooks {
		if w.Owner == u.name {
			out = append(out, toAPIWebhook(w))
		}
	}
	return jsonResp(http.StatusOK, out)
}

// webhookBody is the body of a create or update request.
type webhookBody struct {
	URL     string        `json:"url"`
	JobID   string        `json:"jobSourceId"` // instead of url: the Job to trigger
	Watched []WatchedItem `json:"watched"`
	Domains []string      `json:"domains"`
	Secret  *string       `json:"secret"`
}

// hWebhookCreate answers POST /api/settings/webhooks.
func hWebhookCreate(r *request) *response {
	u, bad := r.webhookCaller(true)
	if bad != nil {
		return bad
	}
	var in webhookBody
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	w := Webhook{Owner: u.name, URL: in.URL, Watched: in.Watched, Domains: in.Domains}
	if in.JobID != "" {
		j, ok := r.srv.st.jobs[in.JobID]
		if !ok || (j.Owner != u.name && u.roleIn(j.Owner) == "") {
			return errResp(http.StatusNotFound, "", "Job not found")
		}
		w.Job = cloneJob(&j.JobSpec)
	}
	if in.Secret != nil {
		w.Secret = *in.Secret
	}
	if err := checkWebhook(&w); err != nil {
		return errResp(http.StatusBadRequest, "", err.Error())
	}
	w.ID = r.srv.st.newWebhookID(u.name)
	nw := &webhook{Webhook: w}
	r.srv.st.webhooks = append(r.srv.st.webhooks, nw)
	return jsonResp(http.StatusOK, map[string]any{"webhook": toAPIWebhook(nw)})
}

// hWebhookGet answers GET /api/settings/webhooks/{id}.
func hWebhookGet(r *request) *response {
	w, bad := r.ownWebhook(false)
	if bad != nil {
		return bad
	}
	return jsonResp(http.StatusOK, map[string]any{"webhook": toAPIWebhook(w)})
}

// hWebhookUpdate answers POST (or PUT) /api/settings/webhooks/{id}.
func hWebhookUpdate(r *request) *response {
	w, bad := r.ownWebhook(true)
	if bad != nil {
		return bad
	}
	var in webhookBody
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	next := w.Webhook
	if in.URL != "" {
		next.URL = in.URL
	}
	if in.JobID != "" {
		return errResp(http.StatusBadRequest, "", "the Job of a webhook cannot be changed")
	}
	if in.Watched != nil {
		next.Watched = in.Watched
	}
	if in.Domains != nil {
		next.Domains = in.Domains
	}
	if in.Secret != nil {
		next.Secret = *in.Secret
	}
	if err := checkWebhook(&next); err != nil {
		return errResp(http.StatusBadRequest, "", err.Error())
	}
	w.Webhook = next
	return jsonResp(http.StatusOK, map[string]any{"webhook": toAPIWebhook(w)})
}

// hWebhookEnable answers POST /api/settings/webhooks/{id}/{enable,disable}.
func hWebhookEnable(r *request) *response {
	w, bad := r.ownWebhook(true)
	if bad != nil {
		return bad
	}
	w.Disabled = r.vars.action == "disable"
	return jsonResp(http.StatusOK, map[string]any{"webhook": toAPIWebhook(w)})
}

// hWebhookDelete answers DELETE /api/settings/webhooks/{id}.
func hWebhookDelete(r *request) *response {
	w, bad := r.ownWebhook(true)
	if bad != nil {
		return bad
	}
	st := r.srv.st
	st.webhooks = slices.DeleteFunc(st.webhooks, func(o *webhook) bool { return o == w })
	return jsonResp(http.StatusOK, map[string]any{})
}
