package mail

import (
	"bytes"
	"strings"
)

// Format is a kind of mail file.
type Format int

// The formats this package knows.
const (
	FormatNone Format = iota
	// FormatEML is one RFC 5322 message (.eml, a Maildir file).
	FormatEML
	// FormatMbox is messages one after the other, each opened by a
	// "From " line (mbox, a Google Takeout export, git format-patch).
	FormatMbox
)

// String returns the format's short name.
func (f Format) String() string {
	switch f {
	case FormatEML:
		return "eml"
	case FormatMbox:
		return "mbox"
	}
	return "none"
}

// sniffLen is how much of a file's head Sniff looks at.
const sniffLen = 8 << 10

// Sniff picks the format of a file from its first bytes (up to 8 KiB);
// FormatNone if unsure. It is strict, since it is asked of every file: an
// .eml must open with lines that are all header fields (or their
// continuations) up to the blank line that ends them, among them at
// least three a message has, one of which only a message has (From: with
// an address, Received:, Message-ID:, Return-Path:, Delivered-To:). A
// YAML file, a package's metadata or an HTTP header dump has no such
// set. An mbox opens with a "From " line followed by such a header.
func Sniff(head []byte) Format {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	// A cheap first look: header names start with a capital letter.
	if len(head) < 8 || head[0] < 'A' || head[0] > 'Z' {
		return FormatNone
	}
	if bytes.HasPrefix(head, []byte("From ")) {
		line, rest, ok := bytes.Cut(head, []byte{'\n'})
		if !ok || len(line) > 1000 || !bytes.ContainsAny(line, "0123456789") {
			return FormatNone
		}
		if sniffHeader(rest, len(head) == sniffLen) {
			return FormatMbox
		}
		return FormatNone
	}
	if sniffHeader(head, len(head) == sniffLen) {
		return FormatEML
	}
	return FormatNone
}

// headerKind tells whether a field (named in lower case) is one that only
// a message has (strong) or one a message has too (known).
func headerKind(name string, value []byte) (strong, known bool) {
	switch name {
	case "from":
		return bytes.IndexByte(value, '@') >= 0, true
	case "message-id":
		at := bytes.IndexByte(value, '@') >= 0 // an id with no host is no proof
		return at, at
	case "received", "return-path", "delivered-to", "dkim-signature", "arc-seal":
		return true, true
	case "date", "subject", "to", "cc", "mime-version", "content-type", "reply-to", "in-reply-to", "references", "x-mailer", "user-agent", "sender":
		return false, true
	}
	return false, false
}

// sniffHeader reports whether b opens with a message's header. cut tells
// that b is a cut of a longer file: a header running past it is taken.
func sniffHeader(b []byte, cut bool) bool {
	if len(b) == 0 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	strong, known := 0, 0
	var seen map[string]bool // made at the first field: most heads have none
	fields := 0
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte{'\n'})
		if !ok && !cut {
			ok = true // the file ends without a newline
		}
		if !ok {
			break // cut inside a line: judge what came before
		}
		b = rest
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			break // the end of the header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue // a folded field
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || !fieldName(name) {
			return false
		}
		fields++
		if seen == nil {
			seen = make(map[string]bool, 16)
		}
		n := strings.ToLower(string(name))
		if seen[n] {
			continue
		}
		seen[n] = true
		st, kn := headerKind(n, value)
		if st {
			strong++
		}
		if kn {
			known++
		}
	}
	return strong > 0 && known >= 3
}

// fieldName reports whether b is an RFC 5322 field name: printable
// ASCII, no colon, no space.
func fieldName(b []byte) bool {
	if len(b) == 0 || len(b) > 76 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}
