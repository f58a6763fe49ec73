//go:build !(linux || darwin || freebsd)

package source

import "io"

// mapWindow never maps here: the caller reads instead.
func mapWindow(ra io.ReaderAt, start, end int64) ([]byte, func(), bool) { return nil, nil, false }
