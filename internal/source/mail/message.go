package mail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// Bounds on what one message may make the reader hold or do, whatever
// the input: its header is held in memory to be parsed; multiparts are
// read within multiparts only so deep (deeper parts are left to the raw
// pass over the file's bytes).
const (
	maxHeader = 1 << 20
	maxNest   = 16
)

// Read reads a mail file of format f from r: every message's header (its
// fields decoded) and parts, each handed to visit as an item. Text parts
// are text items decoded by their transfer encoding and charset;
// attachments and other parts are items named by their file name, which
// the registry opens with their own readers (a zip, a notebook, a message
// forwarded whole). Each item's provenance names the message (attributes
// "message-id", "from", "date"), its part ("part": the attachment's name
// or the part's number, "1.2") and carries the message's date as its time.
//
// A message that cannot be parsed is returned as a *source.MemberError of
// its own, after the rest has been read: the caller scans the file's bytes
// as they are too. An error the visit returns, other than a
// *source.MemberError, stops the read.
func Read(ctx context.Context, f Format, r io.Reader, prov source.Provenance, visit source.Visit) error {
	switch f {
	case FormatEML:
		err := readMessage(ctx, r, prov, visit)
		var stop stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		return err
	case FormatMbox:
		return readMbox(ctx, r, prov, visit)
	}
	return fmt.Errorf("%s is not a mail format", f)
}

// readMbox reads the messages of an mbox, "message 1", "message 2"...
func readMbox(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	sp := newSplitter(r)
	var errs []error
	for n := 1; sp.Next(); n++ {
		p := prov.With("mail", "message "+strconv.Itoa(n))
		err := readMessage(ctx, sp, p, visit)
		var stop stopError
		if errors.As(err, &stop) {
			return errors.Join(append(errs, stop.err)...)
		}
		if err != nil {
			errs = append(errs, &source.MemberError{Path: p.Path, Err: err})
		}
	}
	if err := sp.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// stopError carries an error that stops the read (the visit's, the
// context's) apart from one confined to a message.
type stopError struct{ err error }

func (s stopError) Error() string { return s.err.Error() }
func (s stopError) Unwrap() error { return s.err }

// message is what a message's header says of it.
type message struct {
	prov source.Provenance
	// header is the raw header, fields in order.
	header []byte
}

// readMessage reads one message from r. prov is the message's place.
func readMessage(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	br := bufio.NewReader(r)
	raw, err := readHeader(br)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil // an empty message (an mbox's stray "From " line)
	}
	h, err := parseHeader(raw)
	if err != nil {
		return fmt.Errorf("reading the header: %w", err)
	}
	m := message{prov: messageProv(prov, h), header: raw}
	if err := m.visitHeader(ctx, visit); err != nil {
		return err
	}
	return m.part(ctx, h, br, "", 0, visit)
}

// readHeader reads a header up to the blank line that ends it, at most
// maxHeader bytes.
func readHeader(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := br.ReadSlice('\n')
		out = append(out, line...)
		if len(out) > maxHeader {
			return nil, fmt.Errorf("header longer than %d bytes", maxHeader)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 || err != nil {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return out, nil
		}
	}
}

// parseHeader parses a raw header (its blank line included or not).
func parseHeader(raw []byte) (textproto.MIMEHeader, error) {
	if !bytes.HasSuffix(raw, []byte("\n\n")) && !bytes.HasSuffix(raw, []byte("\r\n\r\n")) {
		raw = append(append([]byte(nil), raw...), "\r\n\r\n"...)
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return h, err
	}
	return h, nil
}

// decodeWords returns s with its encoded words decoded, s itself where
// they are malformed.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	words := &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
		return charsetReader(charset, r), nil
	}}
	d, err := words.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// messageProv is prov with what the header says of the message: its id,
// sender and date, the date as the time of everything in it.
func messageProv(prov source.Provenance, h textproto.MIMEHeader) source.Provenance {
	mh := netmail.Header(h)
	if id := strings.TrimSpace(mh.Get("Message-Id")); id != "" {
		prov = prov.Attr("message-id", id)
	}
	if from := strings.TrimSpace(mh.Get("From")); from != "" {
		from = decodeWords(from)
		if a, err := netmail.ParseAddress(from); err == nil {
			from = a.Address
			if a.Name != "" {
				from = a.Name + " <" + a.Address + ">"
			}
		}
		prov = prov.Attr("from", from)
		prov.Author = from
	}
	if d := strings.TrimSpace(mh.Get("Date")); d != "" {
		if t, err := netmail.ParseDate(d); err == nil {
			prov.Time = t.UTC()
			d = prov.Time.Format(time.RFC3339)
		}
		prov = prov.Attr("date", d)
	}
	return prov
}

// visitHeader hands on the header's fields, encoded words decoded, as a
// text item: a token in a Subject or an X- field.
func (m *message) visitHeader(ctx context.Context, visit source.Visit) error {
	var b strings.Builder
	var field []string // the lines of one field: its first and its folds
	flush := func() {
		if len(field) == 0 {
			return
		}
		if s := strings.Join(field, ""); strings.Contains(s, "=?") {
			// A field with encoded words is unfolded, then decoded
			// whole: mailers split a long Subject into words on
			// several lines, and a token may span two of them.
			unfolded := strings.NewReplacer("\r\n", "", "\n", "").Replace(s)
			b.WriteString(decodeWords(unfolded) + "\n")
		} else {
			b.WriteString(s)
		}
		field = field[:0]
	}
	for _, line := range bytes.SplitAfter(m.header, []byte("\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			flush()
		}
		field = append(field, string(line))
	}
	flush()
	p := m.prov.With("mail", "headers").Attr("part", "headers")
	p.Field = "headers"
	it := source.Item{Prov: p, Name: "headers", Size: int64(b.Len()), Text: true}
	return m.visit(ctx, visit, it, strings.NewReader(b.String()))
}

// visit hands an item on; a *source.MemberError is recorded already and
// the read goes on.
func (m *message) visit(ctx context.Context, visit source.Visit, it source.Item, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		return stopError{err}
	}
	err := visit(ctx, it, r)
	var me *source.MemberError
	if err == nil || errors.As(err, &me) {
		return nil
	}
	return stopError{err}
}

// part reads one MIME part (the message's body when index is ""): a
// multipart's parts in turn, else the part itself.
func (m *message) part(ctx context.Context, h textproto.MIMEHeader, body io.Reader, index string, depth int, visit source.Visit) error {
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ct, params = "text/plain", nil // RFC 2045's default
	}
	if strings.HasPrefix(ct, "multipart/") && params["boundary"] != "" && depth < maxNest {
		mr := multipart.NewReader(body, params["boundary"])
		for n := 1; ; n++ {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			sub := join(index, n)
			if err != nil {
				return fmt.Errorf("part %s: %w", sub, err)
			}
			if err := m.part(ctx, p.Header, p, sub, depth+1, visit); err != nil {
				return err
			}
		}
	}
	if index == "" {
		index = "1"
	}
	r := transferReader(h.Get("Content-Transfer-Encoding"), body)
	name := fileName(h)
	attachment := name != "" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Content-Disposition"))), "attachment")
	text := strings.HasPrefix(ct, "text/") || ct == "message/delivery-status"
	if text {
		r = charsetReader(params["charset"], r)
	}
	label, part := "part "+index, index
	if name != "" {
		label, part = name, name
	}
	it := source.Item{Prov: m.prov.With("mail", label).Attr("part", part), Name: label, Size: -1, Text: text && !attachment}
	if err := m.visit(ctx, visit, it, r); err != nil {
		return err
	}
	// What the visit left unread (a failed decoding) ends here: the
	// multipart goes on with the next part.
	_, _ = io.Copy(io.Discard, body)
	return nil
}

// join numbers a part within its multipart, as IMAP does: "1", "1.2".
func join(index string, n int) string {
	if index == "" {
		return strconv.Itoa(n)
	}
	return index + "." + strconv.Itoa(n)
}

// fileName is a part's file name, from its disposition or its type.
func fileName(h textproto.MIMEHeader) string {
	name := ""
	if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = p["filename"]
	}
	if name == "" {
		if _, p, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil {
			name = p["name"]
		}
	}
	name = decodeWords(name)
	// A name is one element of a location: no separators of its own.
	name = strings.NewReplacer("/", "_", "\\", "_", "!", "_", "\n", " ", "\r", " ").Replace(strings.TrimSpace(name))
	return name
}

// transferReader decodes a part's content transfer encoding.
func transferReader(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// base64Filter keeps only the base64 alphabet of r: line ends, spaces and
// stray bytes in a MIME body are not data (RFC 2045 6.8).
type base64Filter struct{ r io.Reader }

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}
