package mail

import (
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// charsetReader decodes r from charset into UTF-8. ASCII and UTF-8 are
// read as they are, and so is a charset nobody knows: its ASCII bytes,
// where tokens are, are the same.
func charsetReader(charset string, r io.Reader) io.Reader {
	var enc encoding.Encoding
	switch cs := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"`)); cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return r
	case "utf-16":
		// RFC 2781: big-endian unless a byte order mark says otherwise.
		enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case "utf-16le":
		enc = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case "utf-16be":
		enc = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case "utf-32":
		enc = utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case "utf-32le":
		enc = utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case "utf-32be":
		enc = utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	default:
		e, err := htmlindex.Get(cs)
		if err != nil {
			return r
		}
		enc = e
	}
	return enc.NewDecoder().Reader(r)
}
