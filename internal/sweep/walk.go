package sweep

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/source"
)

// Walk returns a source.Walk (for scan.Items) that yields each target as items: most files
// whole, stored_tokens and git configs one item per section, Secret
// manifests with their data values decoded, processes one per environment
// variable. Every item's provenance carries the attributes "kind", "tool"
// and "purge". Findings in the part of a file are placed by the file's
// line and column. A target that cannot be read (or was skipped for its
// size) is yielded as an item whose reader fails, so that the scanner
// records it and goes on.
func Walk(targets []Target) source.Walk {
	return func(ctx context.Context, visit source.Visit) error {
		for _, t := range targets {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := yield(ctx, t, visit); err != nil {
				var me *source.MemberError
				if !errors.As(err, &me) {
					return err
				}
			}
		}
		return nil
	}
}

// prov is the provenance of a target's bytes.
func prov(t Target, path string) source.Provenance {
	p := source.FileProvenance("sweep", path)
	p.Attrs = map[string]string{"kind": t.Kind, "tool": t.Tool, "purge": t.Purge}
	return p
}

// failing is a reader that fails with err: the scanner records it as an
// input that could not be read.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func yield(ctx context.Context, t Target, visit source.Visit) error {
	if t.Err != nil {
		return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: -1}, failing{t.Err})
	}
	if t.Kind == KindProcessEnv {
		return yieldProcess(ctx, t, visit)
	}
	// Planned as a regular file is no promise: the path may be a FIFO or
	// a device by now, which must not block the sweep (it is skipped
	// with a note).
	f, err := safefile.Open(t.Path)
	if err != nil {
		return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: -1},
			failing{fmt.Errorf("opening: %w", unwrapPath(err))})
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	size := int64(-1)
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	switch t.Kind {
	case KindHFStoredTokens, KindGitRemote, KindK8sSecret:
		b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
		if err == nil && len(b) <= maxManifestSize {
			return yieldParsed(ctx, t, b, visit)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: -1}, failing{err})
		}
	}
	return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: size}, f)
}

// maxPadding bounds the blank bytes yielded ahead of the parts of one
// file (see yieldParsed): a file of thousands of sections would otherwise
// cost the square of its size.
const maxPadding = 64 << 20

// yieldParsed yields the items of a file that is read by parts.
//
// The scanner counts lines and columns from the start of each item, and an
// item says nothing of where it starts in a file. So each part is yielded
// after a blanked copy of the file before it: every byte but newlines
// turned into a space. The finding's line, column and offset are then the
// file's, and the blanks match nothing. A part past maxPadding is yielded
// without the blanks, with the file line it starts at in the attribute
// "line".
func yieldParsed(ctx context.Context, t Target, b []byte, visit source.Visit) error {
	var items []textItem
	switch t.Kind {
	case KindHFStoredTokens:
		items = storedTokens(b)
	case KindGitRemote:
		items = gitConfig(b)
	case KindK8sSecret:
		items = secretData(b)
	}
	padding := 0
	for _, it := range items {
		p := prov(t, t.Path)
		p.Field = it.field
		for k, v := range it.attrs {
			p.Attrs[k] = v
		}
		switch {
		case it.kind != "":
			// A part of another kind than its file: a setting, not a remote.
			p.Attrs["kind"] = it.kind
			p.Attrs["tool"], p.Attrs["purge"] = about(it.kind)
			p.Attrs["purge"] = strings.ReplaceAll(p.Attrs["purge"], "FILE", shellQuote(t.Path))
			p.Attrs["purge"] = strings.ReplaceAll(p.Attrs["purge"], "SECTION", shellQuote(it.attrs["section"]))
		case it.attrs["remote"] != "":
			p.Attrs["purge"] = strings.ReplaceAll(t.Purge, "REMOTE", shellQuote(it.attrs["remote"]))
		case it.attrs["section"] != "":
			p.Attrs["purge"] = strings.ReplaceAll(t.Purge, "NAME", shellQuote(it.attrs["section"]))
		}
		var r io.Reader = bytes.NewReader(it.data)
		size := len(it.data)
		if padding+it.start <= maxPadding {
			padding += it.start
			r = io.MultiReader(&blanks{b: b[:it.start]}, r)
			size += it.start
		} else {
			p.Attrs["line"] = strconv.Itoa(1 + bytes.Count(b[:it.start], []byte("\n")))
		}
		err := visit(ctx, source.Item{Prov: p, Name: filepath.Base(t.Path), Size: int64(size), Text: true}, r)
		if err != nil {
			return err
		}
	}
	return nil
}

// blanks reads b with every byte but newlines turned into a space.
type blanks struct{ b []byte }

func (r *blanks) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	for i, c := range p[:n] {
		if c != '\n' {
			p[i] = ' '
		}
	}
	return n, nil
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9._/@:+-]+$`)

// shellQuote quotes s for a POSIX shell, where it needs quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// textItem is one part of a parsed file.
type textItem struct {
	field string
	attrs map[string]string
	// kind, when set, is the part's kind where it is not the file's.
	kind string
	// start is where data starts in the file: the offset of the part, or
	// of the encoded value that data decodes.
	start int
	data  []byte
}

// storedTokens splits huggingface_hub's stored_tokens, an INI file with a
// section per token name ("[name]\nhf_token = …"), into its sections.
// Lines before the first section are yielded with no section name.
func storedTokens(b []byte) []textItem {
	var out []textItem
	cur := textItem{field: "stored_tokens"}
	at := 0
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		s := bytes.TrimSpace(line)
		if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
			if len(bytes.TrimSpace(cur.data)) > 0 {
				out = append(out, cur)
			}
			name := string(s[1 : len(s)-1])
			cur = textItem{field: "section " + name, attrs: map[string]string{"section": name}, start: at}
		}
		cur.data = append(cur.data, line...)
		at += len(line)
	}
	if len(bytes.TrimSpace(cur.data)) > 0 {
		out = append(out, cur)
	}
	return out
}

var gitSection = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]`)

// gitConfig splits a git config into its sections, every line read: a
// remote's URL holds a token as often as http.extraheader ("Authorization:
// Bearer hf_…") or a url.*.insteadOf does. A remote section is yielded
// with the remote's name ("remote origin"), any other section as a
// setting of kind KindGitConfig, with its name as git spells it in a key
// ("http", "http.https://huggingface.co/"). Lines before the first section
// are yielded as a setting with no section.
func gitConfig(b []byte) []textItem {
	var out []textItem
	cur := textItem{field: "config", kind: KindGitConfig, attrs: map[string]string{}}
	at := 0
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if m := gitSection.FindSubmatch(line); m != nil {
			if len(bytes.TrimSpace(cur.data)) > 0 {
				out = append(out, cur)
			}
			name, sub := string(m[1]), string(m[2])
			if strings.EqualFold(name, "remote") && sub != "" {
				cur = textItem{field: "remote " + sub, attrs: map[string]string{"remote": sub}}
			} else {
				key := strings.ToLower(name)
				if sub != "" {
					key += "." + sub
				}
				cur = textItem{field: key, kind: KindGitConfig, attrs: map[string]string{"section": key}}
			}
			cur.start = at
		}
		cur.data = append(cur.data, line...)
		at += len(line)
	}
	if len(bytes.TrimSpace(cur.data)) > 0 {
		out = append(out, cur)
	}
	return out
}

var secretKind = regexp.MustCompile(`(?m)^kind:\s*["']?Secret["']?\s*(?:#.*)?$`)

// isSecretManifest reports whether the YAML file at path declares a
// Kubernetes Secret.
func isSecretManifest(path string) bool {
	f, err := safefile.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize))
	return err == nil && secretKind.Match(b)
}

var dataEntry = regexp.MustCompile(`^(\s+)([A-Za-z0-9._-]+|"[^"]*"|'[^']*'):\s*["']?([A-Za-z0-9+/=]+)["']?\s*$`)

// secretData yields a Secret manifest with the base64 values of its data
// maps replaced by blanks, and each decoded value as an item of its own:
// the token is then found once, in plain text, with the key it is under.
// Values that are not base64 are left in place.
func secretData(b []byte) []textItem {
	lines := bytes.SplitAfter(b, []byte("\n"))
	var decoded []textItem
	inData := false
	at := 0
	for i, line := range lines {
		lineAt := at
		at += len(line)
		s := string(bytes.TrimRight(line, "\r\n"))
		if len(s) > 0 && s[0] != ' ' && s[0] != '\t' && s[0] != '#' {
			inData = strings.TrimSpace(s) == "data:"
			continue
		}
		if !inData {
			continue
		}
		m := dataEntry.FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		indent, rawKey, value := s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]
		v, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue
		}
		key := strings.Trim(rawKey, `"'`)
		decoded = append(decoded, textItem{
			field: "data " + key,
			attrs: map[string]string{"key": key, "line": strconv.Itoa(i + 1)},
			start: lineAt + m[6],
			data:  v,
		})
		lines[i] = []byte(indent + rawKey + ": \n")
	}
	whole := textItem{field: "", data: bytes.Join(lines, nil)}
	return append([]textItem{whole}, decoded...)
}

// yieldProcess yields a process's environment, one item per variable. A
// process that has gone, or whose environment belongs to another user, is
// skipped: neither is an input that failed.
func yieldProcess(ctx context.Context, t Target, visit source.Visit) error {
	b, err := os.ReadFile(t.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: "environ", Size: -1}, failing{fmt.Errorf("reading the environment: %w", unwrapPath(err))})
	}
	comm, _ := os.ReadFile(filepath.Join(filepath.Dir(t.Path), "comm"))
	command := strings.TrimSpace(string(comm))
	where := fmt.Sprintf("process %d (%s)", t.PID, command)
	for _, kv := range bytes.Split(b, []byte{0}) {
		name, _, ok := bytes.Cut(kv, []byte("="))
		if !ok || len(name) == 0 {
			continue
		}
		p := prov(t, where)
		p.Field = string(name)
		p.Attrs["pid"] = strconv.Itoa(t.PID)
		p.Attrs["command"] = command
		p.Attrs["variable"] = string(name)
		if err := visit(ctx, source.Item{Prov: p, Name: string(name), Size: int64(len(kv)), Text: true}, bytes.NewReader(kv)); err != nil {
			return err
		}
	}
	return nil
}
