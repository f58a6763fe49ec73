package hubsim

import (
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// discussionPageSize is the Hub's fixed page size for discussions.
const discussionPageSize = 50

type apiUserRef struct {
	AvatarURL string `json:"avatarUrl"`
	Fullname  string `json:"fullname"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	IsPro     bool   `json:"isPro"`
	IsHf      bool   `json:"isHf"`
	IsMod     bool   `json:"isMod"`
}

type apiRepoRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type apiDiscussion struct {
	Num           int        `json:"num"`
	Author        apiUserRef `json:"author"`
	Repo          apiRepoRef `json:"repo"`
	Title         string     `json:"title"`
	Status        string     `json:"status"`
	CreatedAt     string     `json:"createdAt"`
	IsPullRequest bool       `json:"isPullRequest"`
	NumComments   int        `json:"numComments"`
	Pinned        bool       `json:"pinned"`
}

type apiDiscussionDetails struct {
	apiDiscussion
	Events             []apiEvent `json:"events"`
	Changes            *prChanges `json:"changes,omitempty"`
	FilesWithConflicts []string   `json:"filesWithConflicts,omitempty"`
}

type prChanges struct {
	Base string `json:"base"`
}

type apiEvent struct {
	ID        string     `json:"id"`
	Type      string     `json:"type"`
	CreatedAt string     `json:"createdAt"`
	Author    apiUserRef `json:"author"`
	Data      any        `json:"data"`
}

type commentData struct {
	Edited         bool          `json:"edited"`
	Hidden         bool          `json:"hidden"`
	Latest         commentLatest `json:"latest"`
	NumEdits       int           `json:"numEdits"`
	Editors        []string      `json:"editors"`
	EditableByUser bool          `json:"editableByUser"`
	Reactions      []any         `json:"reactions"`
	IsReport       bool          `json:"isReport"`
}

type commentLatest struct {
	Raw       string     `json:"raw"`
	HTML      string     `json:"html"`
	UpdatedAt string     `json:"updatedAt"`
	Author    apiUserRef `json:"author"`
}

func (st *state) userRef(name string) apiUserRef {
	ref := apiUserRef{AvatarURL: avatarURL(name), Fullname: name, Name: name, Type: "user"}
	if u := st.users[name]; u != nil {
		ref.Fullname, ref.IsPro = u.fullname, u.isPro
	} else if o := st.orgs[name]; o != nil {
		ref.Fullname, ref.Type = o.fullname, "org"
	}
	return ref
}

func (st *state) apiDiscussion(rp *repo, d *discussion) apiDiscussion {
	n := 0
	for _, e := range d.events {
		if e.Type == "comment" {
			n++
		}
	}
	return apiDiscussion{
		Num: d.Num, Author: st.userRef(d.Author), Repo: apiRepoRef{Name: rp.id, Type: rp.typ},
		Title: d.Title, Status: d.Status, CreatedAt: fmtTime(d.CreatedAt),
		IsPullRequest: d.IsPullRequest, NumComments: n, Pinned: d.Pinned,
	}
}

// hDiscussions answers GET /api/{type}s/{repo}/discussions?p=N, newest
// first, with the filters status, type, author and search.
func hDiscussions(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	q := r.URL.Query()
	status, kind, author, search := q.Get("status"), q.Get("type"), q.Get("author"), strings.ToLower(q.Get("search"))
	page, bad := r.intParam("p", 0)
	if bad != nil {
		return bad
	}
	var hits []*discussion
	for _, d := range rp.discussions {
		switch {
		case status != "" && status != "all" && d.Status != status,
			kind == "discussion" && d.IsPullRequest,
			kind == "pull_request" && !d.IsPullRequest,
			author != "" && d.Author != author,
			search != "" && !strings.Contains(strings.ToLower(d.Title), search):
			continue
		}
		hits = append(hits, d)
	}
	slices.SortFunc(hits, func(a, b *discussion) int { return b.Num - a.Num })
	lo := min(page*discussionPageSize, len(hits))
	hi := min(lo+discussionPageSize, len(hits))
	out := struct {
		Discussions []apiDiscussion `json:"discussions"`
		Count       int             `json:"count"`
		Start       int             `json:"start"`
	}{Discussions: []apiDiscussion{}, Count: len(hits), Start: lo}
	for _, d := range hits[lo:hi] {
		out.Discussions = append(out.Discussions, r.srv.st.apiDiscussion(rp, d))
	}
	return jsonResp(http.StatusOK, out)
}

// hDiscussion answers GET /api/{type}s/{repo}/discussions/{num}.
func hDiscussion(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	num, err := strconv.Atoi(r.vars.name)
	var d *discussion
	if err == nil {
		for _, o := range rp.discussions {
			if o.Num == num {
				d = o
			}
		}
	}
	if d == nil {
		return errResp(http.StatusNotFound, "", "Discussion not found")
	}
	st := r.srv.st
	out := apiDiscussionDetails{apiDiscussion: st.apiDiscussion(rp, d), Events: []apiEvent{}}
	if d.IsPullRequest {
		out.Changes = &prChanges{Base: "refs/heads/main"}
		out.FilesWithConflicts = []string{}
	}
	for _, e := range d.events {
		ae := apiEvent{ID: e.id, Type: e.Type, CreatedAt: fmtTime(e.CreatedAt), Author: st.userRef(e.Author)}
		switch e.Type {
		case "comment":
			ae.Data = commentData{
				Latest: commentLatest{
					Raw: e.Content, HTML: "<p>" + html.EscapeString(e.Content) + "</p>\n",
					UpdatedAt: fmtTime(e.CreatedAt), Author: ae.Author,
				},
				Editors: []string{e.Author}, Reactions: []any{},
			}
		case "status-change":
			ae.Data = map[string]string{"status": e.Status}
		case "title-change":
			ae.Data = map[string]string{"from": e.From, "to": e.To}
		case "commit":
			ae.Data = map[string]string{"oid": e.OID, "subject": e.Subject}
		}
		out.Events = append(out.Events, ae)
	}
	return jsonResp(http.StatusOK, out)
}
