// Package formats is the one place that lists the readers a scan uses,
// in the order they are tried. Adding a format is adding its reader (in
// source, or in the package of its family) and a line here.
package formats

import (
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/export"
	"github.com/hfwarden/hfwarden/internal/source/image"
	"github.com/hfwarden/hfwarden/internal/source/mail"
	"github.com/hfwarden/hfwarden/internal/source/office"
	"github.com/hfwarden/hfwarden/internal/source/parquet"
	"github.com/hfwarden/hfwarden/internal/source/pyc"
	"github.com/hfwarden/hfwarden/internal/source/sqlitedb"
)

// Default returns the registry of every reader hfwarden has. Order
// matters where sniffs overlap: an image is a tar (the image reader
// declines a tar that is none), containers come before the formats their
// members may be, text in UTF-16 or UTF-32 is decoded before the text
// formats sniff it, and whatever no reader takes is read as plain bytes.
func Default() *source.Registry {
	return &source.Registry{
		Readers: []source.Reader{
			image.FileReader(),
			source.ZipReader(),
			source.GzipReader(),
			source.ZstdReader(),
			source.Bzip2Reader(),
			source.XzReader(),
			source.Lz4Reader(),
			source.TarReader(),
			parquet.Reader(),
			sqlitedb.Reader(),
			pyc.Reader(),
			source.TextReader(),
			mail.FileReader(),
			export.FileReader(),
			source.NotebookReader(),
		},
		FS: []source.FSReader{
			export.SlackFS(),
			export.ActionsFS(),
			office.FS(),
		},
		Dirs: []source.DirReader{
			image.DirReader(),
			export.SlackDir(),
		},
	}
}
