package source

import "time"

// LineTimeWindow is how far into a line its timestamp may start: after a
// level, a bracket, a syslog priority and version ("<134>1 "), a host or
// a logger name, but before the message.
const LineTimeWindow = 40

// LineTime reads the timestamp that opens a log line: an RFC 3339 /
// ISO 8601 date and time ("2026-03-04T10:11:12Z", "2026-03-04 10:11:12,345",
// "[2026-03-04 10:11:12 +0100]"), Go's standard log format
// ("2026/03/04 10:11:12", "2026/03/04 10:11:12.123456": local time, with no
// zone, so read as UTC like any time without one), or a Common Log Format time
// ("[04/Mar/2026:10:11:12 +0000]", web server access logs), starting within the first LineTimeWindow
// bytes of line, which holds the bytes of the line before the finding. A
// time without a zone is read as UTC, the default of CI runners and
// containers. Dates without a year (the classic syslog "Mar  4 10:11:12")
// are not read: the year is a guess, and a wrong exposure start is worse
// than none.
//
// It is meant for the line of a finding only, never for every line.
func LineTime(line []byte) (time.Time, bool) {
	for i := 0; i < len(line) && i < LineTimeWindow; i++ {
		if !isDigit(line[i]) || (i > 0 && isAlnum(line[i-1])) {
			continue
		}
		if t, ok := parseStamp(line[i:]); ok {
			return t, true
		}
		if t, ok := parseCLF(line[i:]); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseStamp reads YYYY-MM-DD[T ]HH:MM:SS[.frac][zone] at the start of b,
// or YYYY/MM/DD HH:MM:SS[.frac], the format of Go's standard log package.
func parseStamp(b []byte) (time.Time, bool) {
	if len(b) < 19 || (b[4] != '-' && b[4] != '/') || b[7] != b[4] || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	if s := b[10]; s != 'T' && s != 't' && s != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		year < 1990 || year > 2199 || month < 1 || month > 12 || day < 1 || day > 31 ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && isDigit(b[i+1]) {
		i++
		scale := 100_000_000
		for ; i < len(b) && isDigit(b[i]); i++ {
			nsec += int(b[i]-'0') * scale
			scale /= 10
		}
	}
	loc := time.UTC
	switch {
	case i < len(b) && (b[i] == 'Z' || b[i] == 'z'):
		i++
	case i < len(b) && (b[i] == '+' || b[i] == '-'):
		off, n, ok := zoneOffset(b[i:])
		if !ok {
			return time.Time{}, false
		}
		loc, i = time.FixedZone("", off), i+n
	case i+1 < len(b) && b[i] == ' ' && (b[i+1] == '+' || b[i+1] == '-'):
		if off, n, ok := zoneOffset(b[i+1:]); ok && n == 5 { // " +0100" only
			loc, i = time.FixedZone("", off), i+1+n
		}
	case i+3 < len(b) && b[i] == ' ' && (string(b[i+1:i+4]) == "UTC" || string(b[i+1:i+4]) == "GMT"):
		i += 4
	}
	if i < len(b) && isDigit(b[i]) { // "10:11:123": not a time
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day { // February 30th
		return time.Time{}, false
	}
	return t, true
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseCLF reads DD/Mon/YYYY:HH:MM:SS[ ±HHMM] at the start of b, the
// Common Log Format time of Apache and nginx access logs.
func parseCLF(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' {
		return time.Time{}, false
	}
	month := 0
	for m, name := range months {
		if string(b[3:6]) == name {
			month = m + 1
		}
	}
	day, ok1 := digits(b[0:2])
	year, ok2 := digits(b[7:11])
	hour, ok3 := digits(b[12:14])
	minute, ok4 := digits(b[15:17])
	sec, ok5 := digits(b[18:20])
	if month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		year < 1990 || year > 2199 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	loc := time.UTC
	i := 20
	if i+1 < len(b) && b[i] == ' ' && (b[i+1] == '+' || b[i+1] == '-') {
		off, n, ok := zoneOffset(b[i+1:])
		if !ok || n != 5 {
			return time.Time{}, false
		}
		loc, i = time.FixedZone("", off), i+1+n
	}
	if i < len(b) && isDigit(b[i]) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// zoneOffset reads ±HH:MM, ±HHMM or ±HH; n is the bytes read.
func zoneOffset(b []byte) (off, n int, ok bool) {
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	if len(b) < 3 {
		return 0, 0, false
	}
	h, okH := digits(b[1:3])
	m, n := 0, 3
	switch {
	case len(b) >= 6 && b[3] == ':':
		mm, okM := digits(b[4:6])
		m, n, okH = mm, 6, okH && okM
	case len(b) >= 5 && isDigit(b[3]):
		mm, okM := digits(b[3:5])
		m, n, okH = mm, 5, okH && okM
	}
	if !okH || h > 14 || m > 59 {
		return 0, 0, false
	}
	return sign * (h*3600 + m*60), n, true
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
