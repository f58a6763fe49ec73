package artifact

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Bounds on a container.
const (
	maxPickles = 16   // consecutive pickles in one legacy file
	maxMembers = 1024 // pickle members scanned in one zip
	// maxFileFindings stops a file made of many small hostile pickles from
	// making a report of unbounded size.
	maxFileFindings = 1000
)

const (
	zipMagic = "PK\x03\x04"
	npyMagic = "\x93NUMPY"
)

// Inspect reads a model file and reports what is unsafe in it; it never
// executes or unpickles anything. It picks the reader by content first:
// zip magic for a PyTorch checkpoint whose *.pkl members are pickles, the
// NumPy header, a .safetensors name, a pickle PROTO opcode, a safetensors
// header. A file named as a pickle (.pkl .pickle .bin .pt .pth .ckpt
// .joblib .dill, or .npy without the NumPy header, which numpy.load
// unpickles) that is none of these is scanned as a pickle, since
// torch.load and pickle.load read it as one whatever its first byte; what
// is not a pickle gives a finding of kind KindUnreadable. Any other file
// (safetensors included) is also scanned as a pickle from its first byte,
// and a dangerous import found that way is reported. Findings' Path is
// name, followed by "!member" for a member of a zip. err is only for r
// failing or ctx ending; content that cannot be parsed is a finding of
// kind KindUnreadable.
func Inspect(ctx context.Context, name string, r io.ReaderAt, size int64) ([]Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("inspecting %s: negative size %d", name, size)
	}
	head := make([]byte, min(size, 16))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	ext := strings.ToLower(filepath.Ext(name))
	var fs []Finding
	var err error
	sniff := false // scan as a pickle too, keeping only dangerous imports
	switch {
	case bytes.HasPrefix(head, []byte(zipMagic)):
		fs, err = inspectZip(ctx, r, size)
	case bytes.HasPrefix(head, []byte(npyMagic)):
		fs, err = inspectNpy(r, size)
	case knownNonPickle(head):
		sniff = true // a GGUF or HDF5 .bin is no pickle, unless it is both
	case ext == ".safetensors":
		fs, err = CheckSafetensors(r, size)
		sniff = true
	case looksPickle(head):
		fs, err = scanPickles(ctx, io.NewSectionReader(r, 0, size), false)
	case looksSafetensors(head, size):
		fs, err = CheckSafetensors(r, size)
		sniff = true
	case pickleExt(ext):
		fs, err = scanPickles(ctx, io.NewSectionReader(r, 0, size), false)
	default:
		sniff = true
	}
	if err == nil && sniff {
		var more []Finding
		more, err = sniffPickle(ctx, r, size)
		fs = append(fs, more...)
	}
	if err != nil {
		return nil, fmt.Errorf("inspecting %s: %w", name, err)
	}
	if len(fs) > maxFileFindings {
		fs = append(fs[:maxFileFindings], Finding{Kind: KindUnreadable, Severity: SeverityMedium,
			Detail: fmt.Sprintf("more than %d findings; the rest of the file not inspected", maxFileFindings)})
	}
	for i := range fs {
		if fs[i].Path == "" {
			fs[i].Path = name
		} else {
			fs[i].Path = name + "!" + fs[i].Path
		}
	}
	return fs, nil
}

// knownNonPickle reports the magic numbers of weight formats that share
// the .bin extension with pickles.
func knownNonPickle(head []byte) bool {
	return bytes.HasPrefix(head, []byte("GGUF")) || bytes.HasPrefix(head, []byte("\x89HDF\r\n\x1a\n"))
}

// pickleExt reports the extensions of files that loaders unpickle.
func pickleExt(ext string) bool {
	switch ext {
	case ".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".joblib", ".dill", ".npy":
		return true
	}
	return false
}

// IsModelFile reports whether name has the extension of a model or weights
// file: the files worth inspecting when walking a directory or a repo.
func IsModelFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dill", ".safetensors",
		".npy", ".npz", ".h5", ".hdf5", ".keras", ".onnx", ".gguf", ".ggml", ".msgpack", ".pb",
		".tflite", ".mar", ".nemo":
		return true
	}
	return false
}

// sniffPickle scans a file that is not named as a pickle as one anyway:
// pickle.load and torch.load take any name. Only dangerous imports are
// kept; that the rest of the file is not a pickle says nothing.
func sniffPickle(ctx context.Context, r io.ReaderAt, size int64) ([]Finding, error) {
	return scanPickles(ctx, io.NewSectionReader(r, 0, size), true)
}

// looksPickle reports a PROTO opcode with a known protocol.
func looksPickle(head []byte) bool {
	return len(head) >= 2 && head[0] == opProto && head[1] <= 5
}

// looksSafetensors reports a plausible header size followed by '{'.
func looksSafetensors(head []byte, size int64) bool {
	if len(head) < 9 || head[8] != '{' {
		return false
	}
	var n uint64
	for i := 7; i >= 0; i-- {
		n = n<<8 | uint64(head[i])
	}
	return n <= uint64(size-8)
}

// scanPickles scans consecutive pickles, as a legacy (non-zip) torch.save
// file holds: magic number, protocol, system info, the data, the storage
// keys, then raw storage bytes. torch.load unpickles them one after the
// other whatever their protocol, so a pickle after a STOP is scanned even
// without a PROTO opcode; but as the raw bytes may follow, such a pickle
// (and the first one when sniff is set) is quiet: unless it parses cleanly
// to its STOP, only its dangerous imports are kept and the scan ends there.
func scanPickles(ctx context.Context, r io.Reader, sniff bool) ([]Finding, error) {
	br := bufio.NewReader(r)
	var fs []Finding
	var base int64
	for i := 0; i < maxPickles; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		quiet := sniff && i == 0
		if i > 0 {
			b, err := br.Peek(2)
			if len(b) == 0 || (err != nil && !errors.Is(err, io.EOF)) {
				break
			}
			quiet = !looksPickle(b)
		}
		p := newPickleScanner(br, base, DefaultLimit)
		err := p.run()
		if err != nil {
			return nil, err
		}
		clean := p.stopped && !slices.ContainsFunc(p.findings, func(f Finding) bool { return f.Kind == KindUnreadable })
		for _, f := range p.findings {
			if !quiet || clean || f.Kind == KindUnsafePickle {
				if sniff && i == 0 && f.Kind != KindUnreadable {
					f.Detail = "read as a pickle: " + f.Detail
				}
				fs = append(fs, f)
			}
		}
		if !p.stopped || (quiet && !clean) || len(fs) > maxFileFindings {
			break // no STOP to start the next pickle from, or not a pickle, or enough said
		}
		base += p.off
	}
	return fs, nil
}

// Bounds on the pickles read from one zip. Deflate expands about a
// thousandfold and archive/zip lets members share their data, so a small
// file could otherwise make the scanner decompress gigabytes.
const (
	maxZipRead = 512 << 20 // decompressed pickle bytes read from one zip
	minZipRead = 16 << 20  // ... or at least this much
	zipRatio   = 20        // ... but otherwise no more than this many times its size
)

// zipBudget is how many decompressed pickle bytes are read from a zip of
// size bytes. A PyTorch checkpoint stores its members uncompressed, and its
// data.pkl is a small part of it, so real files stay far below the budget.
func zipBudget(size int64) int64 {
	if size >= maxZipRead/zipRatio {
		return maxZipRead
	}
	return max(minZipRead, zipRatio*size)
}

// inspectZip scans the pickle members of a zip, as PyTorch writes them
// (archive/data.pkl, plus archive/data/N storages that are not pickles).
// The pickles that torch.load unpickles (data.pkl, constants.pkl) come
// first, so a file cannot use up the budget on others to hide them.
func inspectZip(ctx context.Context, r io.ReaderAt, size int64) ([]Finding, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return []Finding{{Kind: KindUnreadable, Severity: SeverityMedium, Detail: fmt.Sprintf("unreadable zip: %v", err)}}, nil
	}
	var members []*zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".pkl") || strings.HasSuffix(f.Name, ".npy") {
			members = append(members, f)
		}
	}
	loaded := func(f *zip.File) bool {
		base := path.Base(f.Name)
		return base == "data.pkl" || base == "constants.pkl"
	}
	slices.SortStableFunc(members, func(a, b *zip.File) int {
		switch la, lb := loaded(a), loaded(b); {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return 0
	})
	var fs []Finding
	budget := zipBudget(size)
	for i, f := range members {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i == maxMembers {
			fs = append(fs, Finding{Kind: KindUnreadable, Severity: SeverityMedium, Detail: fmt.Sprintf("more than %d pickle members; the rest not inspected", maxMembers)})
			break
		}
		if budget <= 0 {
			fs = append(fs, Finding{Kind: KindUnreadable, Severity: SeverityMedium,
				Detail: fmt.Sprintf("read %d decompressed bytes, the most for a %d-byte zip; %d pickle members not inspected", zipBudget(size), size, len(members)-i)})
			break
		}
		mfs, n, err := inspectMember(f, min(budget, DefaultLimit))
		budget -= n
		if err != nil {
			// A broken member is reported; the others are still read.
			mfs = []Finding{{Kind: KindUnreadable, Severity: SeverityMedium, Detail: err.Error()}}
		}
		for i := range mfs {
			mfs[i].Path = printable(f.Name) // member names come from the file
		}
		fs = append(fs, mfs...)
		if len(fs) > maxFileFindings {
			break // Inspect says the rest was not inspected
		}
	}
	return fs, nil
}

// inspectMember scans one pickle member, reading at most limit
// decompressed bytes; n is how many it read, or limit when the pickle
// goes on past it.
func inspectMember(f *zip.File, limit int64) (fs []Finding, n int64, err error) {
	rc, err := f.Open()
	if err != nil {
		return nil, 0, fmt.Errorf("opening member: %w", err)
	}
	defer func() { _ = rc.Close() }() // a member read from the archive: closing it writes nothing
	if strings.HasSuffix(f.Name, ".npy") {
		// An .npz member: its size is what the zip says, and the read
		// stops at the budget whatever it says.
		fs, n, err = scanNpy(rc, int64(min(f.UncompressedSize64, 1<<62)), limit)
		if err != nil {
			return nil, n, fmt.Errorf("reading member: %w", err)
		}
		return fs, n, nil
	}
	p := newPickleScanner(bufio.NewReader(rc), 0, limit)
	err = p.run()
	n = p.off
	if p.limited {
		n = limit
	}
	if err != nil {
		return nil, n, fmt.Errorf("reading member: %w", err)
	}
	return p.findings, n, nil
}

// npyDescrObject matches an object dtype in a .npy header, whose data is a
// pickle.
var npyDescrObject = regexp.MustCompile(`'descr'\s*:\s*'[|<>=]?O\d*'`)

// inspectNpy reads a NumPy .npy header and scans the data as a pickle when
// the array holds Python objects.
func inspectNpy(r io.ReaderAt, size int64) ([]Finding, error) {
	fs, _, err := scanNpy(io.NewSectionReader(r, 0, size), size, DefaultLimit)
	return fs, err
}

// scanNpy reads a .npy of size bytes from r, scanning its data as a pickle
// when the array holds Python objects and reading at most limit bytes; n
// is how many it read, or limit when the pickle goes on past it.
func scanNpy(r io.Reader, size, limit int64) (fs []Finding, n int64, err error) {
	unreadable := func(d string) []Finding {
		return []Finding{{Kind: KindUnreadable, Severity: SeverityMedium, Detail: d}}
	}
	var pre [12]byte
	m, err := io.ReadFull(r, pre[:10])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, int64(m), fmt.Errorf("reading npy header: %w", err)
	}
	if m < 10 || !bytes.HasPrefix(pre[:], []byte(npyMagic)) {
		return unreadable("not a .npy file (no \\x93NUMPY header)"), int64(m), nil
	}
	var hlen, hstart int64
	switch pre[6] {
	case 1:
		hlen, hstart = int64(pre[8])|int64(pre[9])<<8, 10
	case 2, 3:
		if k, _ := io.ReadFull(r, pre[10:12]); k < 2 {
			return unreadable("truncated .npy header"), 10, nil
		}
		hlen, hstart = int64(pre[8])|int64(pre[9])<<8|int64(pre[10])<<16|int64(pre[11])<<24, 12
	default:
		return unreadable(fmt.Sprintf(".npy format version %d not supported", pre[6])), 10, nil
	}
	if hlen > size-hstart || hlen > 1<<20 {
		return unreadable(".npy header runs past the end of the file"), hstart, nil
	}
	if hstart+hlen >= limit {
		return unreadable(fmt.Sprintf(".npy header of %d bytes is over the %d bytes left to read", hlen, limit)), limit, nil
	}
	// Read rather than allocated up front: a zip member's size is only
	// what the zip claims.
	header, err := io.ReadAll(io.LimitReader(r, hlen))
	if err != nil {
		return nil, hstart + int64(len(header)), fmt.Errorf("reading npy header: %w", err)
	}
	if int64(len(header)) < hlen {
		return unreadable("truncated .npy header"), hstart + int64(len(header)), nil
	}
	start := hstart + hlen
	if !npyDescrObject.Match(header) {
		return nil, start, nil
	}
	p := newPickleScanner(bufio.NewReader(r), start, limit-start)
	err = p.run()
	n = start + p.off
	if p.limited {
		n = limit
	}
	return p.findings, n, err
}
