package export

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// parseSlackTS parses a Slack message timestamp, "1712345678.000200"
// (seconds and microseconds since the epoch).
func parseSlackTS(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, false
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return time.Unix(s, ns).UTC(), true
}

// timeLayouts are the textual timestamps exports and logs use.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000-0700",   // Jira JSON
	"2006-01-02T15:04:05-0700",       // Jira JSON without fraction
	"Mon, 2 Jan 2006 15:04:05 -0700", // Jira XML (RFC 1123 with one-digit days)
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", // no zone: taken as UTC
}

// parseTime parses a textual timestamp in one of timeLayouts, or a number
// of seconds or milliseconds since the epoch.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-:") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		return unixTime(f)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// unixTime reads a number as seconds since the epoch, or milliseconds when
// it is too large to be seconds (past the year 5138).
func unixTime(f float64) (time.Time, bool) {
	switch {
	case f <= 0 || f >= 1e17:
		return time.Time{}, false
	case f >= 1e14: // microseconds
		return time.UnixMicro(int64(f)).UTC(), true
	case f >= 1e11: // milliseconds
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec := int64(f)
	// Microseconds are all a float64 keeps of a fraction at this size.
	return time.Unix(sec, int64(math.Round((f-float64(sec))*1e6))*1e3).UTC(), true
}

// dateAttr formats a time for an attribute, or keeps the raw text when it
// did not parse.
func dateAttr(t time.Time, ok bool, raw string) string {
	if ok {
		return t.Format(time.RFC3339)
	}
	return raw
}
