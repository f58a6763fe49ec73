package detect

import (
	"slices"
	"strings"

	"github.com/hfwarden/hfwarden/internal/secret"
)

// hideWindow bounds the text looked at from each candidate start in Hide:
// longer than any credential the rules know.
const hideWindow = 512

// Hide returns s with every secret the detector finds in it replaced by
// its label (secret.Label): for short strings that name a place or a
// person (a file or member name, a git ref, a note, an assignee), which
// are printed, reported and stored where a raw token must never be.
//
// In file contents a token glued to a preceding word ("xhf_…") is not a
// token; in a name it is ("backup_hf_….txt"), so Hide also tries every
// start inside a word.
func (d *Detector) Hide(s string) string {
	if s == "" {
		return s
	}
	ms := d.Detect([]byte(s))
	for i := 1; i < len(s); i++ {
		if !isWordByte(s[i-1]) || !isLetter(s[i]) || covered(ms, i) {
			continue
		}
		w := s[i:min(len(s), i+hideWindow)]
		for _, m := range d.Detect([]byte(w)) {
			if m.Start == 0 {
				m.Start, m.End = i, i+m.End
				ms = append(ms, m)
				break
			}
		}
	}
	return Replace(s, ms, secret.Label)
}

// Replace returns s with the text of each match (found in s) replaced by
// with(its secret); a match overlapping one already replaced is skipped.
func Replace(s string, ms []Match, with func(secret string) string) string {
	if len(ms) == 0 {
		return s
	}
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Match) int { return a.Start - b.Start })
	var b strings.Builder
	at := 0
	for _, m := range ms {
		if m.Start < at || m.End > len(s) {
			continue // inside a span already replaced
		}
		b.WriteString(s[at:m.Start])
		b.WriteString(with(m.Secret))
		at = m.End
	}
	b.WriteString(s[at:])
	return b.String()
}

func covered(ms []Match, i int) bool {
	for _, m := range ms {
		if m.Start <= i && i < m.End {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-' }
