package source

import (
	"testing"
	"time"
)

func TestLineTime(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		name, line string
		want       string // RFC 3339 in UTC; "" for none
	}{
		{"RFC 3339 at line start", "2026-03-04T10:11:12Z INFO using token ", "2026-03-04T10:11:12Z"},
		{"fraction and offset", "2026-03-04T10:11:12.250+01:00 app: ", "2026-03-04T09:11:12.25Z"},
		{"GitHub Actions", "2026-03-04T10:11:12.1234567Z ##[debug]env HF_TOKEN=", "2026-03-04T10:11:12.1234567Z"},
		{"bracketed, no zone", "[2026-03-04 10:11:12] training started, token ", "2026-03-04T10:11:12Z"},
		{"Python logging", "2026-03-04 10:11:12,345 - root - INFO - ", "2026-03-04T10:11:12.345Z"},
		{"space and numeric zone", "[2026-03-04 10:11:12 -0500] ", "2026-03-04T15:11:12Z"},
		{"UTC word", "2026-03-04 10:11:12 UTC token=", "2026-03-04T10:11:12Z"},
		{"hour-only offset", "2026-03-04T10:11:12+02 x ", "2026-03-04T08:11:12Z"},
		{"after a level", "INFO  2026-03-04T10:11:12Z loaded ", "2026-03-04T10:11:12Z"},
		{"RFC 5424 syslog", "<134>1 2026-03-04T10:11:12.003Z host app 42 - - ", "2026-03-04T10:11:12.003Z"},
		{"key=value", "ts=2026-03-04T10:11:12Z level=info msg=", "2026-03-04T10:11:12Z"},
		{"Common Log Format", `127.0.0.1 - - [20/Nov/2026:10:05:03 +0000] "GET /x?token=`, "2026-11-20T10:05:03Z"},
		{"Common Log Format, offset", `::1 - frank [20/Nov/2026:10:05:03 -0700] "GET `, "2026-11-20T17:05:03Z"},
		{"Common Log Format, bad month", `1.2.3.4 - - [20/Foo/2026:10:05:03 +0000] "GET `, ""},
		{"Common Log Format, Feb 30", `1.2.3.4 - - [30/Feb/2026:10:05:03 +0000] "GET `, ""},
		{"RFC 5424 syslog, low priority", "<34>1 2026-11-20T10:05:03Z host app - - - ", "2026-11-20T10:05:03Z"},
		{"Go log package", "2026/02/06 10:11:12 token ", "2026-02-06T10:11:12Z"},
		{"Go log package, microseconds", "2026/02/06 10:11:12.123456 main.go:12: token ", "2026-02-06T10:11:12.123456Z"},
		{"mixed separators", "2026/02-06 10:11:12 ", ""},
		{"syslog without a year", "Mar  4 10:11:12 host app[42]: token ", ""},
		{"date only", "2026-03-04 deploy with ", ""},
		{"too far into the line", "a message long enough to push the time out 2026-03-04T10:11:12Z ", ""},
		{"February 30th", "2026-02-30T10:11:12Z ", ""},
		{"hour 24", "2026-03-04T24:00:00Z ", ""},
		{"more digits after seconds", "2026-03-04 10:11:123 ", ""},
		{"part of a longer number", "12026-03-04T10:11:12Z ", ""},
		{"inside an identifier", "build2026-03-04T10:11:12Z ", ""},
		{"bad zone", "2026-03-04T10:11:12+25:00 ", ""},
		{"year out of range", "1970-01-01T00:00:00Z ", ""},
		{"no time", "HF_TOKEN=", ""},
		{"empty", "", ""},
		{"cut short", "2026-03-04T10:11", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := LineTime([]byte(c.line))
			switch {
			case c.want == "" && ok:
				t.Errorf("LineTime(%q) = %v, want none", c.line, got)
			case c.want != "" && !ok:
				t.Errorf("LineTime(%q): none, want %s", c.line, c.want)
			case c.want != "" && !got.Equal(utc(c.want)):
				t.Errorf("LineTime(%q) = %v, want %s", c.line, got.UTC(), c.want)
			}
		})
	}
}
