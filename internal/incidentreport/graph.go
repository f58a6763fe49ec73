package incidentreport

import (
	"fmt"
	"sort"

	"github.com/hfwarden/hfwarden/internal/assess"
)

// The blast-radius graph: four columns — token, owner, namespaces (the
// owner's own and each organization), repositories — laid out
// deterministically, one row per drawn repository.

const (
	rowH      = 24
	nodeH     = 18
	graphTop  = 56
	graphPad  = 20
	colToken  = 10
	colOwner  = 220
	colNS     = 420
	colRepo   = 680
	wToken    = 170
	wOwner    = 160
	wNS       = 200
	wRepo     = 400
	graphW    = colRepo + wRepo + 10
	maxLabel  = 38
	maxNSText = 18
)

var accessColor = map[string]string{
	"admin": "#b91c1c",
	"write": "#ea580c",
	"read":  "#2563eb",
	"none":  "#6b7280",
	"more":  "#6b7280",
}

type gnode struct {
	ID     string // for tests and CSS: token, owner, ns-…, repo-…
	Kind   string // token, owner, ns, repo, more
	Access string // admin, write, read, none, more
	X, Y   int    // top-left
	W, H   int
	Label  string
	Sub    string
	Title  string
	Color  string
}

type gedge struct {
	D      string
	Access string
	Color  string
	Dashed bool
}

type legendItem struct {
	X      int
	Access string
	Color  string
	Label  string
	Dashed bool
}

type graph struct {
	W, H    int
	Nodes   []gnode
	Edges   []gedge
	Legend  []legendItem
	Drawn   int
	Total   int
	Hidden  int
	Caption string
}

func rank(a assess.Access) int {
	switch a {
	case assess.Admin:
		return 3
	case assess.Write:
		return 2
	case assess.Read:
		return 1
	}
	return 0
}

func roleAccess(role string) string {
	switch role {
	case "admin":
		return "admin"
	case "write", "contributor":
		return "write"
	case "":
		return "none"
	}
	return "read"
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// graphNS is one namespace of the graph: its repositories drawn and the
// count of those not drawn.
type graphNS struct {
	name, role string
	personal   bool
	repos      []assess.Repo
	hidden     int
}

// span is the rows a namespace takes, top to bottom.
type span struct{ top, bottom int }

// layout draws a's blast radius with at most maxRepos repositories: the
// most powerful access first, so a cut hides only the weakest.
func layout(a *assess.Report, maxRepos int) *graph {
	g := &graph{W: graphW, Total: len(a.Repos)}
	owner := a.Owner
	if owner == "" {
		owner = "unknown owner"
	}
	spaces, repos := g.namespaces(a, owner, maxRepos)
	g.legend()
	nsSpan, y := g.repoRows(spaces)
	moreY := 0
	if g.Hidden > 0 {
		moreY = y
		y += rowH + rowH/2
	}
	g.H = y + graphPad

	centre := (graphTop + y - rowH/2) / 2
	if g.Hidden > 0 {
		centre = (graphTop + moreY) / 2
	}
	centre -= nodeH / 2
	if centre < graphTop {
		centre = graphTop
	}
	tokAcc := g.tokenAndOwner(a, owner, centre)
	g.namespaceNodes(spaces, nsSpan, tokAcc, centre, moreY)
	if g.Hidden > 0 {
		g.moreNode(repos[maxRepos:], moreY)
	}
	g.Caption = fmt.Sprintf("%d of %d repositories drawn", g.Drawn, g.Total)
	return g
}

// namespaces groups a's repositories, strongest access first, by
// namespace: the owner's own, then each org in the report's order, then
// any other owner a repository names. Only the first maxRepos are drawn;
// it returns the namespaces and the sorted repositories.
func (g *graph) namespaces(a *assess.Report, owner string, maxRepos int) ([]*graphNS, []assess.Repo) {
	var spaces []*graphNS
	byName := map[string]*graphNS{}
	addNS := func(name, role string, personal bool) *graphNS {
		if n, ok := byName[name]; ok {
			return n
		}
		n := &graphNS{name: name, role: role, personal: personal}
		byName[name] = n
		spaces = append(spaces, n)
		return n
	}
	addNS(owner, "owner", true)
	for _, o := range a.Orgs {
		addNS(o.Name, o.Role, false)
	}
	repos := append([]assess.Repo(nil), a.Repos...)
	sort.SliceStable(repos, func(i, j int) bool {
		if rank(repos[i].Access) != rank(repos[j].Access) {
			return rank(repos[i].Access) > rank(repos[j].Access)
		}
		return repos[i].Type+"/"+repos[i].ID < repos[j].Type+"/"+repos[j].ID
	})
	for i, r := range repos {
		o := r.Owner
		if o == "" {
			o = owner
		}
		n := byName[o]
		if n == nil {
			n = addNS(o, "", false)
		}
		if i < maxRepos {
			n.repos = append(n.repos, r)
			g.Drawn++
		} else {
			n.hidden++
			g.Hidden++
		}
	}
	return spaces, repos
}

// legend lists the access colours, and the dashed "not drawn" when some
// repositories are not.
func (g *graph) legend() {
	x := colToken
	for _, l := range []struct{ acc, label string }{{"admin", "admin"}, {"write", "write"}, {"read", "read"}} {
		g.Legend = append(g.Legend, legendItem{X: x, Access: l.acc, Color: accessColor[l.acc], Label: l.label})
		x += 110
	}
	if g.Hidden > 0 {
		g.Legend = append(g.Legend, legendItem{X: x, Access: "more", Color: accessColor["more"], Label: "not drawn", Dashed: true})
	}
}

// repoRows draws the repository nodes, first in g.Nodes: each namespace
// takes its drawn repositories' rows, at least one. It returns each
// namespace's span and the first row below them.
func (g *graph) repoRows(spaces []*graphNS) ([]span, int) {
	y := graphTop
	nsSpan := make([]span, len(spaces))
	for i, n := range spaces {
		rows := len(n.repos)
		if rows == 0 {
			rows = 1
		}
		nsSpan[i] = span{y, y + rows*rowH}
		for j, r := range n.repos {
			ry := y + j*rowH
			acc := string(r.Access)
			label := short(r.ID, maxLabel)
			sub := r.Type
			if r.Private {
				sub += " · private"
			}
			if r.Gated != "" {
				sub += " · gated"
			}
			g.Nodes = append(g.Nodes, gnode{ID: fmt.Sprintf("repo-%d", len(g.Nodes)), Kind: "repo", Access: acc,
				X: colRepo, Y: ry, W: wRepo, H: nodeH, Label: label, Sub: sub,
				Title: fmt.Sprintf("%s %s — %s (%s)", r.Type, r.ID, acc, r.Basis), Color: accessColor[acc]})
		}
		y += rows * rowH
		y += rowH / 2 // gap between namespaces
	}
	return nsSpan, y
}

// tokenAndOwner draws the token and its owner at row centre, linked, in
// the colour of the token's strongest access, which it returns.
func (g *graph) tokenAndOwner(a *assess.Report, owner string, centre int) string {
	tokAcc := "read"
	for _, r := range a.Repos {
		if rank(r.Access) > rank(assess.Access(tokAcc)) {
			tokAcc = string(r.Access)
		}
	}
	tokLabel := a.Redacted
	if tokLabel == "" {
		tokLabel = "token"
	}
	tokSub := "token"
	if a.Token.Role != "" {
		tokSub = a.Token.Role + " token"
	} else if len(a.Token.Scopes) > 0 {
		tokSub = "fine-grained token"
	}
	g.Nodes = append(g.Nodes,
		gnode{ID: "token", Kind: "token", Access: tokAcc, X: colToken, Y: centre, W: wToken, H: nodeH,
			Label: short(tokLabel, 22), Sub: tokSub, Title: "leaked token " + tokLabel, Color: accessColor[tokAcc]},
		gnode{ID: "owner", Kind: "owner", Access: tokAcc, X: colOwner, Y: centre, W: wOwner, H: nodeH,
			Label: short(owner, 20), Sub: a.OwnerType, Title: "acts as " + owner, Color: accessColor[tokAcc]})
	g.Edges = append(g.Edges, edge(colToken+wToken, centre, colOwner, centre, tokAcc, false))
	return tokAcc
}

// namespaceNodes draws each namespace in the middle of its span, linked
// from the owner and to its repositories (the first nodes of g.Nodes, in
// the namespaces' order) and to the "more" node at moreY when some of its
// repositories are not drawn.
func (g *graph) namespaceNodes(spaces []*graphNS, nsSpan []span, tokAcc string, centre, moreY int) {
	mid := func(s span) int { return (s.top+s.bottom)/2 - nodeH/2 }
	repoIdx := 0
	for i, n := range spaces {
		ny := mid(nsSpan[i])
		acc := roleAccess(n.role)
		sub := "role " + n.role
		if n.personal {
			sub, acc = "personal namespace", tokAcc
		} else if n.role == "" {
			sub = "other owner"
		}
		label := short(n.name, maxNSText)
		cnt := len(n.repos) + n.hidden
		g.Nodes = append(g.Nodes, gnode{ID: fmt.Sprintf("ns-%d", i), Kind: "ns", Access: acc, X: colNS, Y: ny, W: wNS, H: nodeH,
			Label: label, Sub: sub, Title: fmt.Sprintf("%s — %s, %d repositories reachable", n.name, sub, cnt), Color: accessColor[acc]})
		g.Edges = append(g.Edges, edge(colOwner+wOwner, centre, colNS, ny, acc, false))
		for range n.repos {
			rn := g.Nodes[repoIdx]
			g.Edges = append(g.Edges, edge(colNS+wNS, ny, colRepo, rn.Y, rn.Access, false))
			repoIdx++
		}
		if n.hidden > 0 {
			g.Edges = append(g.Edges, edge(colNS+wNS, ny, colRepo, moreY, "more", true))
		}
	}
}

// moreNode draws the one node standing for the hidden repositories, with
// their counts by access.
func (g *graph) moreNode(hidden []assess.Repo, moreY int) {
	var ad, wr, rd int
	for _, r := range hidden {
		switch r.Access {
		case assess.Admin:
			ad++
		case assess.Write:
			wr++
		default:
			rd++
		}
	}
	g.Nodes = append(g.Nodes, gnode{ID: "more", Kind: "more", Access: "more", X: colRepo, Y: moreY, W: wRepo, H: nodeH,
		Label: fmt.Sprintf("+%d more", g.Hidden), Sub: fmt.Sprintf("%d admin · %d write · %d read", ad, wr, rd),
		Title: "see the table for every repository", Color: accessColor["more"]})
}

func edge(x1, y1, x2, y2 int, acc string, dashed bool) gedge {
	y1 += nodeH / 2
	y2 += nodeH / 2
	mx := (x1 + x2) / 2
	return gedge{D: fmt.Sprintf("M%d %d C%d %d, %d %d, %d %d", x1, y1, mx, y1, mx, y2, x2, y2),
		Access: acc, Color: accessColor[acc], Dashed: dashed}
}
