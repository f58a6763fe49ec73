package pyc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// layout is how a CPython version lays out a code object in marshal
// data: ints 32-bit fields (the last is co_flags), then before objects
// (code, consts, names, …, name and, from 3.11, qualname), the 32-bit
// co_firstlineno, then after objects (line and exception tables).
type layout struct {
	version   string
	header    int // bytes before the marshal data
	ints      int
	before    int
	after     int
	nameIdx   int // index of co_name among the objects before
	qualIdx   int // index of co_qualname, -1 before 3.11
	constsIdx int
}

// layouts maps the magic numbers of released CPython versions (the
// final one of each: importlib.util.MAGIC_NUMBER) to their layouts. The
// pre-release magics between them had layouts in flux and are not read;
// nor are Python 2 and the versions after 3.13, whose layouts this
// package has not been checked against: their files are scanned as raw
// bytes.
var layouts = map[uint16]layout{
	3379: {"3.6", 12, 5, 8, 1, 7, -1, 1},
	3394: {"3.7", 16, 5, 8, 1, 7, -1, 1},
	3413: {"3.8", 16, 6, 8, 1, 7, -1, 1},
	3425: {"3.9", 16, 6, 8, 1, 7, -1, 1},
	3439: {"3.10", 16, 6, 8, 1, 7, -1, 1},
	3495: {"3.11", 16, 5, 8, 2, 6, 7, 1},
	3531: {"3.12", 16, 5, 8, 2, 6, 7, 1},
	3571: {"3.13", 16, 5, 8, 2, 6, 7, 1},
}

// Marshal type codes (CPython's Python/marshal.c).
const (
	typeNull          = '0'
	typeNone          = 'N'
	typeFalse         = 'F'
	typeTrue          = 'T'
	typeStopIter      = 'S'
	typeEllipsis      = '.'
	typeInt           = 'i'
	typeInt64         = 'I'
	typeFloat         = 'f'
	typeBinaryFloat   = 'g'
	typeComplex       = 'x'
	typeBinaryComplex = 'y'
	typeLong          = 'l'
	typeString        = 's'
	typeInterned      = 't'
	typeRef           = 'r'
	typeTuple         = '('
	typeList          = '['
	typeDict          = '{'
	typeCode          = 'c'
	typeUnicode       = 'u'
	typeUnknown       = '?'
	typeSet           = '<'
	typeFrozenSet     = '>'
	typeASCII         = 'a'
	typeASCIIInterned = 'A'
	typeSmallTuple    = ')'
	typeShortASCII    = 'z'
	typeShortASCIIInt = 'Z'
	typeSlice         = ':'
	flagRef           = 0x80
)

// maxDepth bounds how deep objects nest (CPython's own bound is 2000;
// real code nests a few dozen deep).
const maxDepth = 200

// kind is what a parsed value is, as far as finding strings goes.
type kind uint8

const (
	kindOther kind = iota
	kindText       // str
	kindBytes      // bytes
	kindSeq        // tuple, list, set, frozenset, dict, slice
	kindCode
)

// value is a parsed marshal object. Strings point into the input.
type value struct {
	kind  kind
	s     []byte
	items []*value
	code  *code
}

// code is a parsed code object: what names it and what it holds.
type code struct {
	name, qualname string
	flags          uint32
	consts         *value
}

// parser reads one marshal stream.
type parser struct {
	data []byte
	pos  int
	lay  layout
	refs []*value
}

var errTruncated = errors.New("marshal data cut short")

// parse reads the marshal object at the start of data.
func parse(data []byte, lay layout) (*value, error) {
	p := &parser{data: data, lay: lay}
	return p.object(0)
}

func (p *parser) byte() (byte, error) {
	if p.pos >= len(p.data) {
		return 0, errTruncated
	}
	b := p.data[p.pos]
	p.pos++
	return b, nil
}

func (p *parser) skip(n int) error {
	if n < 0 || n > len(p.data)-p.pos {
		return errTruncated
	}
	p.pos += n
	return nil
}

func (p *parser) int32() (int32, error) {
	if len(p.data)-p.pos < 4 {
		return 0, errTruncated
	}
	v := int32(binary.LittleEndian.Uint32(p.data[p.pos:]))
	p.pos += 4
	return v, nil
}

// size reads a 32-bit count or length of things at least one byte each:
// more than the bytes left is no real data.
func (p *parser) size() (int, error) {
	n, err := p.int32()
	if err != nil {
		return 0, err
	}
	if n < 0 || int(n) > len(p.data)-p.pos {
		return 0, fmt.Errorf("marshal size %d at offset %d past the data", n, p.pos-4)
	}
	return int(n), nil
}

func (p *parser) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(p.data)-p.pos {
		return nil, errTruncated
	}
	b := p.data[p.pos : p.pos+n : p.pos+n]
	p.pos += n
	return b, nil
}

// object reads one object, depth deep.
func (p *parser) object(depth int) (*value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("marshal data nested deeper than %d", maxDepth)
	}
	t, err := p.byte()
	if err != nil {
		return nil, err
	}
	// A flagged object takes the next reference index as it starts
	// (CPython reserves it before reading what it holds) and fills it
	// when done: a reference to it from inside resolves to nothing,
	// which keeps the values a tree of earlier ones, never a cycle.
	ref := -1
	if t&flagRef != 0 {
		t &^= flagRef
		ref = len(p.refs)
		p.refs = append(p.refs, nil)
	}
	v, err := p.body(t, depth)
	if err != nil {
		return nil, err
	}
	if ref >= 0 {
		p.refs[ref] = v
	}
	return v, nil
}

var other = &value{}

// body reads the object of type t after its type byte.
func (p *parser) body(t byte, depth int) (*value, error) {
	switch t {
	case typeNull, typeNone, typeFalse, typeTrue, typeStopIter, typeEllipsis:
		return other, nil
	case typeInt:
		return other, p.skip(4)
	case typeInt64, typeBinaryFloat:
		return other, p.skip(8)
	case typeBinaryComplex:
		return other, p.skip(16)
	case typeFloat:
		return other, p.shortSkip(1)
	case typeComplex:
		return other, p.shortSkip(2)
	case typeLong:
		n, err := p.int32()
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = -n
		}
		if n < 0 || int64(n)*2 > int64(len(p.data)-p.pos) {
			return nil, errTruncated
		}
		return other, p.skip(int(n) * 2)
	case typeString, typeInterned, typeUnicode, typeASCII, typeASCIIInterned:
		n, err := p.size()
		if err != nil {
			return nil, err
		}
		return p.str(t, n)
	case typeShortASCII, typeShortASCIIInt:
		n, err := p.byte()
		if err != nil {
			return nil, err
		}
		return p.str(t, int(n))
	case typeRef:
		i, err := p.int32()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(p.refs) {
			return nil, fmt.Errorf("marshal reference %d of %d", i, len(p.refs))
		}
		if v := p.refs[i]; v != nil {
			return v, nil
		}
		return other, nil
	case typeTuple, typeList, typeSet, typeFrozenSet:
		n, err := p.size()
		if err != nil {
			return nil, err
		}
		return p.seq(n, depth)
	case typeSmallTuple:
		n, err := p.byte()
		if err != nil {
			return nil, err
		}
		return p.seq(int(n), depth)
	case typeSlice:
		return p.seq(3, depth)
	case typeDict:
		return p.dict(depth)
	case typeCode:
		return p.code(depth)
	}
	return nil, fmt.Errorf("unknown marshal type %q at offset %d", t, p.pos-1)
}

// shortSkip skips n strings of a one-byte length (old float formats).
func (p *parser) shortSkip(n int) error {
	for range n {
		l, err := p.byte()
		if err != nil {
			return err
		}
		if err := p.skip(int(l)); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(t byte, n int) (*value, error) {
	b, err := p.bytes(n)
	if err != nil {
		return nil, err
	}
	k := kindText
	if t == typeString {
		k = kindBytes
	}
	return &value{kind: k, s: b}, nil
}

func (p *parser) seq(n, depth int) (*value, error) {
	if n > len(p.data)-p.pos {
		return nil, errTruncated
	}
	v := &value{kind: kindSeq, items: make([]*value, 0, n)}
	for range n {
		it, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, it)
	}
	return v, nil
}

// dict reads key, value pairs up to a NULL key.
func (p *parser) dict(depth int) (*value, error) {
	v := &value{kind: kindSeq}
	for {
		if p.pos < len(p.data) && p.data[p.pos] == typeNull {
			p.pos++
			return v, nil
		}
		for range 2 {
			it, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, it)
		}
	}
}

// code reads a code object by the version's layout.
func (p *parser) code(depth int) (*value, error) {
	var flags int32
	for range p.lay.ints {
		f, err := p.int32()
		if err != nil {
			return nil, err
		}
		flags = f // the last is co_flags
	}
	c := &code{flags: uint32(flags)}
	for i := range p.lay.before {
		o, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		switch i {
		case p.lay.constsIdx:
			c.consts = o
		case p.lay.nameIdx:
			c.name = string(o.s)
		case p.lay.qualIdx:
			c.qualname = string(o.s)
		}
	}
	if err := p.skip(4); err != nil { // co_firstlineno
		return nil, err
	}
	for range p.lay.after {
		if _, err := p.object(depth + 1); err != nil {
			return nil, err
		}
	}
	return &value{kind: kindCode, code: c}, nil
}
