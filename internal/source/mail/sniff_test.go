package mail

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestSniff: mail is told by its header, strictly: text that only looks
// like one is not taken.
func TestSniff(t *testing.T) {
	long := "Received: from x by y; Mon, 4 Mar 2024 09:00:00 +0000\nReturn-Path: <a@b>\nDelivered-To: c@d\n" + strings.Repeat("X-Long: "+strings.Repeat("v", 70)+"\n", 200)
	for _, c := range []struct {
		name, head string
		want       Format
	}{
		{"minimal", "From: a@example.com\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: s\n\nbody", FormatEML},
		{"crlf, folded", "Received: from a\r\n\tby b; Mon, 4 Mar 2024\r\nMessage-ID: <1@b>\r\nTo: c@d\r\n\r\n", FormatEML},
		{"header past the head", long[:sniffLen], FormatEML},
		{"header only, no body", "Return-Path: <a@b>\nFrom: a@b\nTo: c@d", FormatEML},
		{"mbox", "From a@b Mon Mar  4 09:00:00 2024\nFrom: a@b\nDate: x\nSubject: y\n\nbody\n", FormatMbox},
		{"thunderbird mbox", "From - Mon Mar  4 09:00:00 2024\nX-Mozilla-Status: 0001\nMessage-ID: <1@b>\nFrom: a@b\nSubject: y\n\n", FormatMbox},
		{"format-patch", "From 1234567890abcdef Mon Sep 17 00:00:00 2001\nFrom: A <a@b.c>\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: [PATCH] x\n\n---\n", FormatMbox},
		{"too few fields", "From: a@example.com\nSubject: s\n\nbody", FormatNone},
		{"no strong field", "From: alice\nDate: 2024-03-01\nSubject: x\nTo: bob\n\n", FormatNone},
		{"message-id without a host", "Message-ID: 12\nDate: x\nSubject: y\nTo: z\n\n", FormatNone},
		{"lower-case yaml", "from: a@b\ndate: x\nsubject: y\n\n", FormatNone},
		{"http response", "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Type: text/html\r\n\r\n", FormatNone},
		{"http request", "GET / HTTP/1.1\r\nHost: x\r\nFrom: a@b\r\n\r\n", FormatNone},
		{"debian control", "Package: x\nVersion: 1\nMaintainer: A <a@b>\nDate: x\n\n", FormatNone},
		{"pkg-info", "Metadata-Version: 2.1\nName: x\nAuthor-email: a@b\nSummary: s\n\n", FormatNone},
		{"yaml list", "From: a@b\nDate: x\n  - item\nSubject: y\nkey value\n", FormatNone},
		{"mbox line without a date", "From someone\nFrom: a@b\nDate: x\nSubject: y\n\n", FormatNone},
		{"prose", "From the start, we knew.\nDate: never\n", FormatNone},
		{"go source", "package main\n", FormatNone},
		{"empty", "", FormatNone},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Sniff([]byte(c.head)); got != c.want {
				t.Errorf("Sniff = %s, want %s", got, c.want)
			}
		})
	}
}

// TestSplitter: an mbox is cut at "From " lines that follow a blank line
// only; ">From " lines lose one '>'; lines longer than the buffer pass
// whole.
func TestSplitter(t *testing.T) {
	long := strings.Repeat("x", 3*mboxLine)
	in := "From a Mon Mar  4 09:00:00 2024\nA: 1\n\nbody\nFrom here on\n>From quoted\n>>From twice\n\n" +
		"From b Mon Mar  4 09:00:00 2024\nB: 2\n\n" + long + "\n\n" +
		"From " + long + "\nC: 3\n\nlast"
	sp := newSplitter(strings.NewReader(in))
	var got []string
	for sp.Next() {
		b, err := io.ReadAll(sp)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	want := []string{
		"A: 1\n\nbody\nFrom here on\nFrom quoted\n>From twice\n\n",
		"B: 2\n\n" + long + "\n\n",
		"C: 3\n\nlast",
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %.80q, want %.80q", i+1, got[i], want[i])
		}
	}
	if sp.Err() != nil {
		t.Error(sp.Err())
	}
}

// FuzzRead: any bytes read as an .eml or an mbox end without a panic, in
// bounded time, and every part handed on is read to its end.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"From: a@b\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: =?utf-8?b?w7w=?=\n\nbody\n",
		"From: a@b\nDate: x\nTo: y\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//4AAA==\n--X\nContent-Disposition: attachment; filename=a.zip\nContent-Transfer-Encoding: quoted-printable\n\nPK=03=04=\n\n--X--\n",
		"From a Mon Mar  4 09:00:00 2024\nFrom: a@b\nDate: x\nSubject: y\n\n>From x\n\nFrom b 2024\nTo: c\n\n",
		"From: a@b\nDate: x\nTo: y\nContent-Type: multipart/alternative; boundary=\"B\"\n\n--B\nContent-Type: multipart/mixed; boundary=C\n\n--C\n\nx\n--C--\n--B",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var total int64
		visit := func(_ context.Context, it source.Item, r io.Reader) error {
			n, _ := io.Copy(io.Discard, r)
			total += n
			if it.Prov.Path == "" {
				t.Error("an item with no path")
			}
			return nil
		}
		for _, fm := range []Format{FormatEML, FormatMbox} {
			_ = Read(ctx, fm, bytes.NewReader(data), source.FileProvenance("file", "f"), visit)
		}
		_ = Sniff(data)
		// Decoding only shrinks (base64, QP) or, from UTF-16 and other
		// charsets, at most triples what it reads; the headers are read
		// once per message, as text.
		if total > int64(8*len(data)+1024) {
			t.Errorf("%d bytes handed on from %d", total, len(data))
		}
	})
}

// BenchmarkSniff: the sniff is asked of every file; most are no mail.
func BenchmarkSniff(b *testing.B) {
	for _, c := range []struct{ name, head string }{
		{"source", "package main\n\nimport \"fmt\"\n" + strings.Repeat("x", 8000)},
		{"capitalised prose", "The quick brown fox.\n" + strings.Repeat("x", 8000)},
		{"mail", "From: a@b.c\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: s\nTo: d@e\n\n" + strings.Repeat("x", 8000)},
	} {
		head := []byte(c.head)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Sniff(head)
			}
		})
	}
}
