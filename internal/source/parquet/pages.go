package parquet

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Bounds on one page, checked before the library reads it: it allocates
// what a page header declares (its sizes, its count of values, the
// length of a statistic) before finding the bytes are not there, so a
// damaged or hostile file could ask for gigabytes a page.
const (
	// maxPageBytes bounds a page's declared uncompressed size; a page
	// declaring more than ratioFloor must also expand at most maxRatio
	// times its compressed size.
	maxPageBytes = 1 << 30
	ratioFloor   = 16 << 20
	maxRatio     = 500
	// maxPageValues bounds a page's values: the library allocates a level
	// per value. Writers cut pages near a megabyte, far fewer values.
	maxPageValues = 1 << 26
	// headerWindow is the first read of a page header; a header holding
	// long statistics is read again with twice as much, up to
	// maxHeaderBytes.
	headerWindow   = 16 << 10
	maxHeaderBytes = 16 << 20
)

// checkPages walks the page headers of a column chunk, reading only
// them, and tells the first page that asks for more than the bounds allow
// or lies past the chunk.
func checkPages(ra io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 0 || md.TotalCompressedSize < 0 || end > size || end < start {
		return fmt.Errorf("column chunk at %d, %d bytes, outside the file of %d", start, md.TotalCompressedSize, size)
	}
	var buf []byte
	for pos, page := start, 0; pos < end; page++ {
		hdr, n, err := pageHeader(ra, pos, end, &buf)
		if err != nil {
			return fmt.Errorf("page %d: header: %w", page, err)
		}
		if err := checkPage(hdr, end-pos-n); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		pos += n + int64(hdr.CompressedPageSize)
	}
	return nil
}

// pageHeader decodes the page header at pos, before end: the header and
// its length. buf is reused from one header to the next.
func pageHeader(ra io.ReaderAt, pos, end int64, pbuf *[]byte) (*format.PageHeader, int64, error) {
	var proto thrift.CompactProtocol
	for window := int64(headerWindow); ; window *= 2 {
		window = min(window, end-pos)
		if int64(cap(*pbuf)) < window {
			*pbuf = make([]byte, window)
		}
		buf := (*pbuf)[:window]
		if n, err := ra.ReadAt(buf, pos); int64(n) != window {
			return nil, 0, fmt.Errorf("reading: %w", err)
		}
		pr := proto.NewReaderFromBytes(buf)
		var hdr format.PageHeader
		err := thrift.NewDecoder(pr).Decode(&hdr)
		if err == nil {
			return &hdr, int64(pr.BytesRead()), nil
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) || window == end-pos || window >= maxHeaderBytes {
			return nil, 0, err
		}
	}
}

// checkPage checks one page header, rest bytes left in its chunk after it.
func checkPage(h *format.PageHeader, rest int64) error {
	c, u := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	switch {
	case c < 0 || u < 0:
		return fmt.Errorf("negative size")
	case c > rest:
		return fmt.Errorf("%d bytes past its column chunk", c-rest)
	case u > maxPageBytes || u > ratioFloor && u > maxRatio*max(c, 1):
		return fmt.Errorf("declares %d bytes from %d", u, c)
	}
	// A page holds the header of its type: bytes that decode as a
	// header without one (a run of zeros reads as an empty header a byte
	// long) are no page.
	var values int64
	switch {
	case h.Type == format.DataPage && h.DataPageHeader.Valid:
		values = int64(h.DataPageHeader.V.NumValues)
	case h.Type == format.DataPageV2 && h.DataPageHeaderV2.Valid:
		values = int64(h.DataPageHeaderV2.V.NumValues)
	case h.Type == format.DictionaryPage && h.DictionaryPageHeader.Valid:
		values = int64(h.DictionaryPageHeader.V.NumValues)
	case h.Type == format.IndexPage:
	default:
		return fmt.Errorf("no header for a page of type %v", h.Type)
	}
	if values < 0 || values > maxPageValues {
		return fmt.Errorf("declares %d values", values)
	}
	return nil
}
