// Package parquet reads Parquet files, the format of Hugging Face
// datasets: every string value of every row group, column by column, each
// found value named by its column and row.
package parquet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/hfwarden/hfwarden/internal/source"
)

// Reader reads Parquet files: the string values of each column (nested
// ones too), page by page, then the file's bytes as they are (the footer's
// key-value metadata, uncompressed pages the values did not reach),
// leaving out what the values gave.
func Reader() source.Reader { return reader{} }

// magic opens and closes every Parquet file.
const magic = "PAR1"

// maxChunkBytes bounds what one column chunk may say it expands to: a
// page is decompressed whole, so a footer that declares more is refused
// rather than allocated.
const maxChunkBytes = 1 << 30

// maxFooterBytes bounds the footer (the schema and where every column
// chunk is): a dataset's is kilobytes, a very wide table's megabytes.
const maxFooterBytes = 256 << 20

type reader struct{}

func (reader) Name() string { return "parquet" }

// Sniff takes an item that starts with the magic; Open checks its end,
// and reads one without the magic there as raw bytes, with an error: a
// Parquet file cut short loses its footer first.
func (reader) Sniff(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }

func (reader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	path := in.Item.Prov.Path
	ra, size, done, err := source.Spool(in)
	if err != nil {
		h.Fail("%s: %v", path, err)
		return nil
	}
	defer done()
	raw := source.Bytes{Prov: in.Item.Prov, R: io.NewSectionReader(ra, 0, size), Binary: true}
	if !endsWithMagic(ra, size) {
		// A file cut short before its footer (a download that stopped),
		// or bytes that only start like one: either way no values can be
		// read, and the bytes are scanned as the plain reader would.
		h.Fail("%s: parquet: no footer (cut short, or no Parquet file); scanned as it is", path)
		raw.Binary = source.IsBinary(in.Head)
		h.Scan(ctx, raw)
		return nil
	}
	before := h.Mark()
	if err := Read(ctx, ra, size, in.Item.Prov, h, h.Visit(in.Budget, in.Depth+1)); err != nil && ctx.Err() == nil {
		h.Fail("%s: %v; its bytes were scanned as they are", path, err)
	}
	raw.Except, raw.Rescan = h.FoundSince(before, path), true
	h.Scan(ctx, raw)
	return nil
}

// endsWithMagic tells whether the size bytes of ra end with the magic.
func endsWithMagic(ra io.ReaderAt, size int64) bool {
	if size < 2*int64(len(magic)) {
		return false
	}
	tail := make([]byte, len(magic))
	n, _ := ra.ReadAt(tail, size-int64(len(tail)))
	return n == len(tail) && string(tail) == magic
}

// Read reads the string values of the Parquet file ra: each value that
// holds a match of h's detector is visited as a text item
// "prov!column/row N" (rows counted from 0 across the file, a nested
// column's path joined with dots) with the row group as attribute; the bytes of the
// others are counted. It returns what stopped it.
func Read(ctx context.Context, ra io.ReaderAt, size int64, prov source.Provenance, h source.Host, visit source.Visit) error {
	f, err := open(ra, size)
	if err != nil {
		return err
	}
	columns := f.Schema().Columns()
	meta := f.Metadata()
	var first int64 // the row group's first row in the file
	b := &columnReader{visit: visit}
	b.b = source.Batch[int64]{Host: h, Found: b.found}
	for g, rg := range f.RowGroups() {
		for _, cc := range rg.ColumnChunks() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := cc.Type().Kind()
			if k != parquetgo.ByteArray && k != parquetgo.FixedLenByteArray {
				continue
			}
			i := cc.Column()
			if i < 0 || i >= len(columns) || g >= len(meta.RowGroups) || i >= len(meta.RowGroups[g].Columns) {
				return fmt.Errorf("parquet: row group %d: column %d not in the schema", g, i)
			}
			md := &meta.RowGroups[g].Columns[i].MetaData
			if n := md.TotalUncompressedSize; n < 0 || n > maxChunkBytes {
				return fmt.Errorf("parquet: row group %d, column %s: declares %d bytes", g, strings.Join(columns[i], "."), n)
			}
			if err := checkPages(ra, size, md); err != nil {
				return fmt.Errorf("parquet: row group %d, column %s: %w", g, strings.Join(columns[i], "."), err)
			}
			b.start(prov, strings.Join(columns[i], "."), g)
			if err := b.chunk(ctx, cc, first); err != nil {
				return fmt.Errorf("parquet: row group %d, column %s: %w", g, b.column, err)
			}
		}
		first += rg.NumRows()
	}
	return nil
}

// open opens a Parquet file, turning the library's panics on a damaged
// footer into errors.
func open(ra io.ReaderAt, size int64) (f *parquetgo.File, err error) {
	// The library allocates the footer's declared length before reading
	// it: a length past the file is refused here.
	var tail [8]byte
	if n, _ := ra.ReadAt(tail[:], size-8); n != len(tail) {
		return nil, errors.New("parquet: no footer")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n+8+int64(len(magic)) > size || n > maxFooterBytes {
		return nil, fmt.Errorf("parquet: footer of %d bytes in a file of %d", n, size)
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("parquet: damaged file: %v", r)
		}
	}()
	f, err = parquetgo.OpenFile(ra, size, parquetgo.SkipPageIndex(true), parquetgo.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	return f, nil
}

// columnReader reads the values of one column chunk after another.
type columnReader struct {
	b      source.Batch[int64] // a value's place is its row
	prov   source.Provenance
	visit  source.Visit
	column string
	group  int
}

func (b *columnReader) start(prov source.Provenance, column string, group int) {
	b.prov, b.column, b.group = prov, column, group
}

// found visits a value that holds a match as a text item.
func (b *columnReader) found(ctx context.Context, row int64, v []byte) error {
	// The path names the column and row; the row group, which no reader
	// of a dataset needs to find the row, is an attribute.
	r := strconv.FormatInt(row, 10)
	p := b.prov.With("parquet", b.column+"/row "+r).Attr("row_group", strconv.Itoa(b.group))
	it := source.Item{Prov: p, Name: b.column, Size: int64(len(v)), Text: true}
	var me *source.MemberError
	if err := b.visit(ctx, it, bytes.NewReader(v)); err != nil && !errors.As(err, &me) {
		return err
	}
	return nil // a value's own error is recorded by whoever made it
}

// chunk reads the pages of one column chunk, value by value; rows start
// at first and advance at each value of repetition level 0 (a list's
// items share their row).
func (b *columnReader) chunk(ctx context.Context, cc parquetgo.ColumnChunk, first int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged page: %v", r)
		}
	}()
	pages := cc.Pages()
	defer func() { _ = pages.Close() }() // only read
	row := first - 1
	vals := make([]parquetgo.Value, 256)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(vals)
			for _, v := range vals[:n] {
				if v.RepetitionLevel() == 0 {
					row++
				}
				if v.IsNull() {
					continue
				}
				if err := b.b.Add(ctx, v.ByteArray(), row); err != nil {
					parquetgo.Release(p)
					return err
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquetgo.Release(p)
				return err
			}
			if n == 0 {
				break // a reader that gives nothing and no end
			}
		}
		parquetgo.Release(p)
	}
	return b.b.Flush(ctx)
}
