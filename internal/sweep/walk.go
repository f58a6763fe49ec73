package sweep

import (
	"bufio"
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

	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/source"
)

// Walk returns a scan.Walk that yields each target as items: most files
// whole, stored_tokens one item per section, git configs one per remote
// URL, Secret manifests with their data values decoded, processes one per
// environment variable. Every item's provenance carries the attributes
// "kind", "tool" and "purge". A target that cannot be read is yielded as
// an item whose reader fails, so that the scanner records it and goes on.
func Walk(targets []Target) scan.Walk {
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
		return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: -1},
			failing{fmt.Errorf("listing directory: %w", t.Err)})
	}
	if t.Kind == KindProcessEnv {
		return yieldProcess(ctx, t, visit)
	}
	f, err := os.Open(t.Path)
	if err != nil {
		return visit(ctx, source.Item{Prov: prov(t, t.Path), Name: filepath.Base(t.Path), Size: -1},
			failing{fmt.Errorf("opening: %w", unwrapPath(err))})
	}
	defer f.Close()
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

// yieldParsed yields the items of a file that is read by parts.
func yieldParsed(ctx context.Context, t Target, b []byte, visit source.Visit) error {
	var items []textItem
	switch t.Kind {
	case KindHFStoredTokens:
		items = storedTokens(b)
	case KindGitRemote:
		items = remoteURLs(b)
	case KindK8sSecret:
		items = secretData(b)
	}
	for _, it := range items {
		p := prov(t, t.Path)
		p.Field = it.field
		for k, v := range it.attrs {
			p.Attrs[k] = v
		}
		// Name the section or remote in the purge command.
		if name := it.attrs["section"]; name != "" {
			p.Attrs["purge"] = strings.ReplaceAll(t.Purge, "NAME", shellQuote(name))
		}
		if name := it.attrs["remote"]; name != "" {
			p.Attrs["purge"] = strings.ReplaceAll(t.Purge, "REMOTE", shellQuote(name))
		}
		err := visit(ctx, source.Item{Prov: p, Name: filepath.Base(t.Path), Size: int64(len(it.data)), Text: true}, bytes.NewReader(it.data))
		if err != nil {
			return err
		}
	}
	return nil
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
	data  []byte
}

// storedTokens splits huggingface_hub's stored_tokens, an INI file with a
// section per token name ("[name]\nhf_token = …"), into its sections.
// Lines before the first section are yielded with no section name.
func storedTokens(b []byte) []textItem {
	var out []textItem
	cur := textItem{field: "stored_tokens"}
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		s := bytes.TrimSpace(line)
		if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
			if len(bytes.TrimSpace(cur.data)) > 0 {
				out = append(out, cur)
			}
			name := string(s[1 : len(s)-1])
			cur = textItem{field: "section " + name, attrs: map[string]string{"section": name}}
		}
		cur.data = append(cur.data, line...)
	}
	if len(bytes.TrimSpace(cur.data)) > 0 {
		out = append(out, cur)
	}
	return out
}

var (
	gitSection = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]`)
	gitURL     = regexp.MustCompile(`^\s*(url|pushurl)\s*=\s*(.*)$`)
)

// remoteURLs returns the url and pushurl lines of every remote section of
// a git config.
func remoteURLs(b []byte) []textItem {
	var out []textItem
	remote := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxManifestSize)
	for sc.Scan() {
		line := sc.Text()
		if m := gitSection.FindStringSubmatch(line); m != nil {
			remote = ""
			if strings.EqualFold(m[1], "remote") {
				remote = m[2]
			}
			continue
		}
		if remote == "" {
			continue
		}
		if m := gitURL.FindStringSubmatch(line); m != nil {
			out = append(out, textItem{
				field: "remote " + remote + " " + m[1],
				attrs: map[string]string{"remote": remote},
				data:  []byte(strings.TrimSpace(m[2])),
			})
		}
	}
	return out
}

var secretKind = regexp.MustCompile(`(?m)^kind:\s*["']?Secret["']?\s*(?:#.*)?$`)

// isSecretManifest reports whether the YAML file at path declares a
// Kubernetes Secret.
func isSecretManifest(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
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
	for i, line := range lines {
		s := string(bytes.TrimRight(line, "\r\n"))
		if len(s) > 0 && s[0] != ' ' && s[0] != '\t' && s[0] != '#' {
			inData = strings.TrimSpace(s) == "data:"
			continue
		}
		if !inData {
			continue
		}
		m := dataEntry.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		v, err := base64.StdEncoding.DecodeString(m[3])
		if err != nil {
			continue
		}
		key := strings.Trim(m[2], `"'`)
		decoded = append(decoded, textItem{
			field: "data " + key,
			attrs: map[string]string{"key": key, "line": strconv.Itoa(i + 1)},
			data:  v,
		})
		lines[i] = []byte(m[1] + m[2] + ": \n")
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
