package artifact

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on the work done for one pickle stream.
const (
	// DefaultLimit is the number of bytes ScanPickle reads when given no limit.
	DefaultLimit = 256 << 20
	maxStack     = 1 << 16 // stack entries, marks included
	maxMemo      = 1 << 16 // memo entries
	maxLine      = 1 << 16 // protocol 0 argument line, newline included
	maxKeptStr   = 1 << 8  // longer strings are not kept: no real module name is that long
	maxImports   = 1 << 12 // import records kept per stream
	maxNotes     = 100     // findings about single opcodes kept per stream
)

// Pickle opcodes, from the protocol as documented in Python's pickletools.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	// Protocol 2.
	opProto    = 0x80
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b
	// Protocol 3.
	opBinBytes      = 'B'
	opShortBinBytes = 'C'
	// Protocol 4.
	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
	// Protocol 5.
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// valueKind is what the scanner knows about a stack or memo entry.
type valueKind uint8

const (
	vOther  valueKind = iota // anything not worth tracking
	vStr                     // a str whose text is known
	vMark                    // a MARK
	vGlobal                  // the result of an import: imports[imp]
)

type value struct {
	kind valueKind
	s    string
	imp  int
}

// errStop ends a stream at its STOP opcode.
var errStop = errors.New("stop")

// pickleScanner walks one pickle stream. It models the stack and memo only
// as far as needed to resolve STACK_GLOBAL and to see which imports get
// called.
type pickleScanner struct {
	r     *bufio.Reader
	base  int64 // offset of the stream in its file, added to reported offsets
	off   int64 // bytes consumed from the stream
	limit int64

	stack []value
	memo  map[uint64]value

	imports  []Import
	calls    map[int]string // import index → "REDUCE at offset N"
	seen     map[string]int // module.name → times imported
	index    map[string]int // module.name → index in imports
	tooMany  bool           // maxImports reached
	stopped  bool           // the stream ended at its STOP opcode
	limited  bool           // the stream went on past limit
	findings []Finding
	notes    int // findings made by note
	buf      []byte
}

// ScanPickle scans one pickle stream, reading at most limit bytes (0 means
// DefaultLimit). Imports lists every module.name the pickle would import.
// Findings carry no Path; Inspect fills it in. err is only for a reader
// failing: a malformed or truncated stream is a finding of kind
// KindUnreadable, and what was seen before it is still reported.
func ScanPickle(r io.Reader, limit int64) (imports []Import, findings []Finding, err error) {
	p := newPickleScanner(bufio.NewReader(r), 0, limit)
	err = p.run()
	return p.imports, p.findings, err
}

func newPickleScanner(r *bufio.Reader, base, limit int64) *pickleScanner {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &pickleScanner{r: r, base: base, limit: limit, memo: map[uint64]value{}, calls: map[int]string{}, seen: map[string]int{}, index: map[string]int{}}
}

// run scans up to STOP and turns what was seen into findings.
func (p *pickleScanner) run() error {
	err := p.walk()
	p.importFindings()
	var malformed *malformedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &malformed):
		what := fmt.Sprintf("%s at offset %d", malformed.msg, p.base+malformed.off)
		// A stream already proven to run code when loaded is critical
		// whatever follows: that it then stops parsing is evidence for
		// the critical finding, not a second, milder finding of the file.
		for i := range p.findings {
			if p.findings[i].Severity == SeverityCritical {
				p.findings[i].Detail += "; the stream is malformed after it: " + what
				return nil
			}
		}
		p.findings = append(p.findings, Finding{Kind: KindUnreadable, Severity: SeverityMedium,
			Detail: what, Offset: p.base + malformed.off})
		return nil
	default:
		return fmt.Errorf("reading pickle at offset %d: %w", p.base+p.off, err)
	}
}

// malformedError is a stream the scanner cannot follow.
type malformedError struct {
	off int64
	msg string
}

func (e *malformedError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

func (p *pickleScanner) malformed(off int64, format string, args ...any) error {
	return &malformedError{off: off, msg: fmt.Sprintf(format, args...)}
}

// walk reads opcodes until STOP.
func (p *pickleScanner) walk() error {
	for {
		at := p.off
		op, err := p.readByte()
		if err != nil {
			if at == 0 && errors.Is(err, io.EOF) {
				return p.malformed(at, "empty pickle")
			}
			return p.truncated(at, err)
		}
		if err := p.step(op, at); err != nil {
			if errors.Is(err, errStop) {
				p.stopped = true
				return nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errLimit) {
				return p.truncated(at, err)
			}
			return err
		}
	}
}

func (p *pickleScanner) truncated(at int64, err error) error {
	if errors.Is(err, errLimit) {
		p.limited = true
		return p.malformed(at, "pickle not inspected past %d bytes", p.limit)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.malformed(at, "pickle truncated (no STOP opcode)")
	}
	return err
}

// step interprets one opcode read at offset at.
func (p *pickleScanner) step(op byte, at int64) error {
	switch op {
	case opStop:
		return errStop
	case opMark:
		return p.push(value{kind: vMark})
	case opPop:
		p.pop()
	case opPopMark:
		p.popMark()
	case opDup:
		if n := len(p.stack); n > 0 {
			return p.push(p.stack[n-1])
		}
		return p.push(value{})
	case opNone, opNewTrue, opNewFalse, opEmptyDict, opEmptyList, opEmptyTuple, opEmptySet, opNextBuffer:
		return p.push(value{})
	case opFloat, opInt, opLong:
		if _, err := p.readLine(); err != nil {
			return err
		}
		return p.push(value{})
	case opPersID:
		if _, err := p.readLine(); err != nil {
			return err
		}
		return p.push(value{})
	case opBinPersID, opReadOnlyBuffer:
		p.pop()
		return p.push(value{})
	case opBinInt:
		return p.skipPush(4)
	case opBinInt1:
		return p.skipPush(1)
	case opBinInt2:
		return p.skipPush(2)
	case opBinFloat:
		return p.skipPush(8)
	case opLong1:
		n, err := p.readUint(1)
		if err != nil {
			return err
		}
		return p.skipPush(n)
	case opLong4:
		n, err := p.readInt32Len(at, "LONG4")
		if err != nil {
			return err
		}
		return p.skipPush(n)
	case opString:
		line, err := p.readLine()
		if err != nil {
			return err
		}
		return p.push(quotedString(line))
	case opUnicode:
		line, err := p.readLine()
		if err != nil {
			return err
		}
		return p.push(rawUnicodeEscape(line))
	case opBinString:
		n, err := p.readInt32Len(at, "BINSTRING")
		if err != nil {
			return err
		}
		return p.pushString(n)
	case opShortBinString, opShortBinUnicode:
		n, err := p.readUint(1)
		if err != nil {
			return err
		}
		return p.pushString(n)
	case opBinUnicode:
		n, err := p.readUint(4)
		if err != nil {
			return err
		}
		return p.pushString(n)
	case opBinUnicode8:
		n, err := p.readUint(8)
		if err != nil {
			return err
		}
		return p.pushString(n)
	case opBinBytes:
		n, err := p.readUint(4)
		if err != nil {
			return err
		}
		return p.skipPush(n)
	case opShortBinBytes:
		n, err := p.readUint(1)
		if err != nil {
			return err
		}
		return p.skipPush(n)
	case opBinBytes8, opByteArray8:
		n, err := p.readUint(8)
		if err != nil {
			return err
		}
		return p.skipPush(n)
	case opAppend:
		p.pop()
	case opAppends, opSetItems, opAddItems:
		p.popMark()
	case opSetItem:
		p.pop()
		p.pop()
	case opDict, opList, opTuple, opFrozenSet:
		p.popMark()
		return p.push(value{})
	case opTuple1:
		p.pop()
		return p.push(value{})
	case opTuple2:
		p.pop()
		p.pop()
		return p.push(value{})
	case opTuple3:
		p.pop()
		p.pop()
		p.pop()
		return p.push(value{})
	case opGlobal:
		mod, name, err := p.readModuleName()
		if err != nil {
			return err
		}
		return p.push(p.addImport(mod, name, "GLOBAL", at))
	case opInst:
		mod, name, err := p.readModuleName()
		if err != nil {
			return err
		}
		v := p.addImport(mod, name, "INST", at)
		p.popMark()
		p.called(v, "INST", at)
		return p.push(value{})
	case opStackGlobal:
		name, mod := p.pop(), p.pop()
		if mod.kind != vStr || name.kind != vStr {
			p.note(Finding{Kind: KindSuspiciousPickle, Severity: SeverityHigh,
				Detail: fmt.Sprintf("STACK_GLOBAL at offset %d imports a name the scanner cannot resolve", p.base+at), Offset: p.base + at})
			return p.push(value{})
		}
		return p.push(p.addImport(mod.s, name.s, "STACK_GLOBAL", at))
	case opReduce:
		p.pop() // arguments
		p.called(p.pop(), "REDUCE", at)
		return p.push(value{})
	case opNewObj:
		p.pop()
		p.called(p.pop(), "NEWOBJ", at)
		return p.push(value{})
	case opNewObjEx:
		p.pop()
		p.pop()
		p.called(p.pop(), "NEWOBJ_EX", at)
		return p.push(value{})
	case opObj:
		// The class is the first item after the mark.
		if i := p.markIndex(); i >= 0 && i+1 < len(p.stack) {
			p.called(p.stack[i+1], "OBJ", at)
		}
		p.popMark()
		return p.push(value{})
	case opBuild:
		p.pop() // state
		// BUILD calls the object's __setstate__ or sets its attributes:
		// on an import itself, that is a call into it.
		if n := len(p.stack); n > 0 {
			p.called(p.stack[n-1], "BUILD", at)
		}
	case opExt1, opExt2, opExt4:
		size := map[byte]int64{opExt1: 1, opExt2: 2, opExt4: 4}[op]
		code, err := p.readUint(size)
		if err != nil {
			return err
		}
		p.note(Finding{Kind: KindSuspiciousPickle, Severity: SeverityMedium,
			Detail: fmt.Sprintf("imports extension registry code %d (EXT%d at offset %d)", code, size, p.base+at), Offset: p.base + at})
		return p.push(value{})
	case opGet:
		line, err := p.readLine()
		if err != nil {
			return err
		}
		idx, err := strconv.ParseUint(strings.TrimSpace(line), 10, 64)
		if err != nil {
			return p.malformed(at, "GET with bad index %q", truncate(line, 20))
		}
		return p.get(idx, at)
	case opBinGet:
		idx, err := p.readUint(1)
		if err != nil {
			return err
		}
		return p.get(uint64(idx), at)
	case opLongBinGet:
		idx, err := p.readUint(4)
		if err != nil {
			return err
		}
		return p.get(uint64(idx), at)
	case opPut:
		line, err := p.readLine()
		if err != nil {
			return err
		}
		idx, err := strconv.ParseUint(strings.TrimSpace(line), 10, 64)
		if err != nil {
			return p.malformed(at, "PUT with bad index %q", truncate(line, 20))
		}
		return p.put(idx, at)
	case opBinPut:
		idx, err := p.readUint(1)
		if err != nil {
			return err
		}
		return p.put(uint64(idx), at)
	case opLongBinPut:
		idx, err := p.readUint(4)
		if err != nil {
			return err
		}
		return p.put(uint64(idx), at)
	case opMemoize:
		return p.put(uint64(len(p.memo)), at)
	case opProto:
		v, err := p.readUint(1)
		if err != nil {
			return err
		}
		if v > 5 {
			return p.malformed(at, "unsupported pickle protocol %d", v)
		}
	case opFrame:
		// Frames only group opcodes for buffering; the opcodes follow inline.
		if _, err := p.readUint(8); err != nil {
			return err
		}
	default:
		return p.malformed(at, "unknown opcode 0x%02x", op)
	}
	return nil
}

// errLimit is reading past the scanner's byte limit.
var errLimit = errors.New("byte limit reached")

func (p *pickleScanner) readByte() (byte, error) {
	if p.off >= p.limit {
		return 0, errLimit
	}
	b, err := p.r.ReadByte()
	if err != nil {
		return 0, err
	}
	p.off++
	return b, nil
}

// readUint reads an n-byte little-endian unsigned integer (n ≤ 8).
func (p *pickleScanner) readUint(n int64) (int64, error) {
	b, err := p.read(n)
	if err != nil {
		return 0, err
	}
	var x [8]byte
	copy(x[:], b)
	v := binary.LittleEndian.Uint64(x[:])
	if v > 1<<62 {
		// No stream is that long; saturate rather than overflow.
		v = 1 << 62
	}
	return int64(v), nil
}

// readInt32Len reads the signed 4-byte length of BINSTRING and LONG4.
func (p *pickleScanner) readInt32Len(at int64, op string) (int64, error) {
	b, err := p.read(4)
	if err != nil {
		return 0, err
	}
	n := int32(binary.LittleEndian.Uint32(b))
	if n < 0 {
		return 0, p.malformed(at, "%s with negative length", op)
	}
	return int64(n), nil
}

// read reads n bytes into the scanner's buffer; n must be small.
func (p *pickleScanner) read(n int64) ([]byte, error) {
	if p.off+n > p.limit {
		return nil, errLimit
	}
	if int64(cap(p.buf)) < n {
		p.buf = make([]byte, n)
	}
	b := p.buf[:n]
	if _, err := io.ReadFull(p.r, b); err != nil {
		return nil, err
	}
	p.off += n
	return b, nil
}

// skip discards n bytes of an argument without holding them.
func (p *pickleScanner) skip(n int64) error {
	if n > p.limit-p.off {
		return errLimit
	}
	d, err := p.r.Discard(int(n))
	p.off += int64(d)
	if err == nil && int64(d) < n {
		err = io.ErrUnexpectedEOF
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (p *pickleScanner) skipPush(n int64) error {
	if err := p.skip(n); err != nil {
		return err
	}
	return p.push(value{})
}

// pushString pushes a length-prefixed string, keeping its text if short.
func (p *pickleScanner) pushString(n int64) error {
	if n > maxKeptStr {
		return p.skipPush(n)
	}
	b, err := p.read(n)
	if err != nil {
		return err
	}
	return p.push(value{kind: vStr, s: string(b)})
}

// readLine reads a protocol 0 argument up to its newline, which it drops.
func (p *pickleScanner) readLine() (string, error) {
	var sb strings.Builder
	for {
		b, err := p.readByte()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			return sb.String(), nil
		}
		if sb.Len() >= maxLine {
			return "", p.malformed(p.off, "argument line longer than %d bytes", maxLine)
		}
		sb.WriteByte(b)
	}
}

// readModuleName reads the two lines of GLOBAL and INST.
func (p *pickleScanner) readModuleName() (mod, name string, err error) {
	if mod, err = p.readLine(); err != nil {
		return "", "", err
	}
	if name, err = p.readLine(); err != nil {
		return "", "", err
	}
	return mod, name, nil
}

func (p *pickleScanner) push(v value) error {
	if len(p.stack) >= maxStack {
		return p.malformed(p.off, "stack deeper than %d entries", maxStack)
	}
	p.stack = append(p.stack, v)
	return nil
}

// pop removes the top of the stack; an empty stack yields an unknown value,
// so that a malformed stream cannot hide what follows.
func (p *pickleScanner) pop() value {
	n := len(p.stack)
	if n == 0 {
		return value{}
	}
	v := p.stack[n-1]
	p.stack = p.stack[:n-1]
	return v
}

func (p *pickleScanner) markIndex() int {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if p.stack[i].kind == vMark {
			return i
		}
	}
	return -1
}

// popMark removes everything down to and including the topmost mark.
func (p *pickleScanner) popMark() {
	if i := p.markIndex(); i >= 0 {
		p.stack = p.stack[:i]
	} else {
		p.stack = p.stack[:0]
	}
}

func (p *pickleScanner) get(idx uint64, at int64) error {
	v, ok := p.memo[idx]
	if !ok {
		return p.malformed(at, "memo get of unset index %d", idx)
	}
	return p.push(v)
}

func (p *pickleScanner) put(idx uint64, at int64) error {
	if _, ok := p.memo[idx]; !ok && len(p.memo) >= maxMemo {
		return p.malformed(at, "memo larger than %d entries", maxMemo)
	}
	v := value{}
	if n := len(p.stack); n > 0 {
		v = p.stack[n-1]
	}
	if v.kind == vMark {
		return p.malformed(at, "memo put of a mark")
	}
	p.memo[idx] = v
	return nil
}

// note adds a finding about one opcode; a stream full of them gets one
// summary past maxNotes, since each costs only a byte or two of input.
func (p *pickleScanner) note(f Finding) {
	p.notes++
	switch {
	case p.notes <= maxNotes:
		p.findings = append(p.findings, f)
	case p.notes == maxNotes+1:
		f.Detail = fmt.Sprintf("more findings like these not listed, from offset %d", f.Offset)
		p.findings = append(p.findings, f)
	}
}

// addImport records an import and returns the stack value it yields.
func (p *pickleScanner) addImport(mod, name, op string, at int64) value {
	key := mod + "." + name
	if len(key) > 2*maxKeptStr {
		// Not a real module; kept out of imports to bound memory.
		p.note(Finding{Kind: KindSuspiciousPickle, Severity: SeverityHigh,
			Detail: fmt.Sprintf("imports a %d-byte name %s (%s at offset %d)", len(key), printable(key), op, p.base+at), Offset: p.base + at})
		return value{}
	}
	// Repeats only count: the first occurrence is the one reported.
	if i, ok := p.index[key]; ok {
		p.seen[key]++
		return value{kind: vGlobal, imp: i}
	}
	if len(p.imports) >= maxImports {
		if p.tooMany {
			return value{}
		}
		p.tooMany = true
		p.findings = append(p.findings, Finding{Kind: KindUnreadable, Severity: SeverityMedium,
			Detail: fmt.Sprintf("more than %d distinct imports; %s and later ones not checked", maxImports, printable(key)), Offset: p.base + at})
		return value{}
	}
	p.seen[key] = 1
	p.index[key] = len(p.imports)
	p.imports = append(p.imports, Import{Module: mod, Name: name, Opcode: op, Offset: p.base + at})
	return value{kind: vGlobal, imp: len(p.imports) - 1}
}

// called notes that v, if it is an import, is called by op.
func (p *pickleScanner) called(v value, op string, at int64) {
	if v.kind != vGlobal {
		return
	}
	if _, ok := p.calls[v.imp]; !ok {
		p.calls[v.imp] = fmt.Sprintf("called by %s at offset %d", op, p.base+at)
	}
}

// importFindings turns imports that are not allowlisted into findings.
func (p *pickleScanner) importFindings() {
	for i, im := range p.imports {
		c, called := p.calls[i]
		sev, kind := classify(im.Module, im.Name, called)
		if sev == "" {
			continue
		}
		d := fmt.Sprintf("imports %s (%s at offset %d)", printable(im.String()), im.Opcode, im.Offset)
		if called {
			d += ", " + c
		}
		if n := p.seen[im.String()]; n > 1 {
			d += fmt.Sprintf(", %d times", n)
		}
		p.findings = append(p.findings, Finding{Kind: kind, Severity: sev, Detail: d, Offset: im.Offset})
	}
}

// quotedString decodes the argument of STRING when it is a plain quoted
// string; anything with escapes is left unknown.
func quotedString(line string) value {
	if len(line) >= 2 && (line[0] == '\'' || line[0] == '"') && line[len(line)-1] == line[0] &&
		!strings.Contains(line, `\`) && len(line) <= maxKeptStr {
		return value{kind: vStr, s: line[1 : len(line)-1]}
	}
	return value{}
}

// rawUnicodeEscape decodes the argument of UNICODE: Latin-1 text where only
// \uXXXX and \UXXXXXXXX are escapes.
func rawUnicodeEscape(line string) value {
	if len(line) > maxKeptStr {
		return value{}
	}
	var sb strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) && (line[i+1] == 'u' || line[i+1] == 'U') {
			n := 4
			if line[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(line) {
				return value{}
			}
			r, err := strconv.ParseUint(line[i+2:i+2+n], 16, 32)
			if err != nil || r > utf8.MaxRune {
				return value{}
			}
			sb.WriteRune(rune(r))
			i += 1 + n
			continue
		}
		sb.WriteRune(rune(c))
	}
	return value{kind: vStr, s: sb.String()}
}

// printable makes a name from a hostile file safe to print on one line.
func printable(s string) string {
	s = truncate(s, 200)
	q := strconv.QuoteToASCII(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
