package scan

import (
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
)

// nameHider replaces the secrets in names (detect.Detector.Hide), each
// distinct name looked at once: a scan has many findings in few places.
type nameHider struct {
	det  *detect.Detector
	seen map[string]string
}

func (h *nameHider) hide(s string) string {
	if s == "" {
		return s
	}
	if v, ok := h.seen[s]; ok {
		return v
	}
	v := h.det.Hide(s)
	h.seen[s] = v
	return v
}

func (h *nameHider) location(l *finding.Location) {
	l.Path = h.hide(l.Path)
	l.Repo = h.hide(l.Repo)
	l.Field = h.hide(l.Field)
	l.Object = h.hide(l.Object)
	if len(l.Chain) > 0 {
		chain := make([]string, len(l.Chain)) // shared with other findings of the chunk
		for i, c := range l.Chain {
			chain[i] = h.hide(c)
		}
		l.Chain = chain
	}
	if len(l.Attrs) > 0 {
		attrs := make(map[string]string, len(l.Attrs)) // shared too
		for k, v := range l.Attrs {
			attrs[k] = h.hide(v)
		}
		l.Attrs = attrs
	}
}

// hideNames replaces every secret in the names of the findings (file and
// member names, notebook fields, git paths, refs, authors, image
// references) and in the error and warning lists by its label, so that
// no report, store or terminal gets a token from a name. A finding's
// own secret stays in its fingerprint and preview. Called with s.mu held.
func (s *Scanner) hideNames() {
	h := &nameHider{det: s.det, seen: map[string]string{}}
	for i := range s.findings {
		f := &s.findings[i]
		h.location(&f.Location)
		for j := range f.Parts {
			h.location(&f.Parts[j])
		}
		f.Author, f.Email = h.hide(f.Author), h.hide(f.Email)
		for j := range f.Commits {
			c := &f.Commits[j]
			c.Path, c.Author, c.Email = h.hide(c.Path), h.hide(c.Author), h.hide(c.Email)
		}
		if len(f.Refs) > 0 {
			refs := make([]string, len(f.Refs))
			for j, r := range f.Refs {
				refs[j] = h.hide(r)
			}
			f.Refs = refs
		}
	}
	for i, e := range s.stats.ErrorList {
		s.stats.ErrorList[i] = h.hide(e)
	}
	for i, w := range s.stats.Warnings {
		s.stats.Warnings[i] = h.hide(w)
	}
}
