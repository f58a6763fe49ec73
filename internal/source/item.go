package source

import (
	"context"
	"io"
)

// An Item is one member of a container: an archive entry, a file in an
// image layer, a chat message, a log step. The bytes of an Item may
// themselves be a container (a zip inside a tar), which the scanner opens
// in turn up to Limits.MaxDepth.
type Item struct {
	// Prov says where the bytes are. Container readers build it with
	// Provenance.With, so that Path reads "outer.zip!inner/dir/file".
	Prov Provenance
	// Name is the member's own name (the last element of its path), used
	// with the leading bytes to choose a reader for it.
	Name string
	// Size is the member's size when the container says it; -1 if unknown.
	Size int64
	// Text is set for members that are known to be text (messages, fields,
	// log lines): they are scanned as they are, never opened as containers.
	Text bool
}

// Visit receives a container's members one at a time. r is only valid
// during the call. Returning an error stops the container; returning a
// *MemberError records it and goes on with the next member.
type Visit func(ctx context.Context, it Item, r io.Reader) error

// Walk yields items to visit: the members of something that is not a
// directory of files (a host's token caches, a process table, a registry
// image). It is how a new kind of input reaches the scanner without
// depending on it: the scanner's Items walk reads what a Walk yields, and
// opens each item that is a container in turn. An error a Walk returns
// ends it (the scanner records it); one confined to a single item (a
// *MemberError) is better recorded against that item, by yielding the item
// with a reader that fails, and the walk going on.
type Walk func(ctx context.Context, visit Visit) error

// Limits bound what opening containers may cost, whatever the input.
type Limits struct {
	// MaxDepth is how many containers deep members are opened (a zip in a
	// tar.gz is depth 3: gzip, tar, zip). 0 means DefaultLimits().MaxDepth,
	// a negative value opens nothing.
	MaxDepth int
	// MaxMemberBytes bounds the decompressed size of one member; a larger
	// one is read up to the bound and reported as cut short.
	MaxMemberBytes int64
	// MaxTotalBytes bounds the decompressed bytes read from one top-level
	// container, all members and depths together.
	MaxTotalBytes int64
	// MaxRatio bounds decompressed/compressed size for a member once it
	// has produced more than RatioFloor bytes: past it the member is a
	// decompression bomb and reading stops.
	MaxRatio   int64
	RatioFloor int64
	// MaxMembers bounds the members read from one container.
	MaxMembers int
}

// DefaultLimits are the limits used when none are given.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:       5,
		MaxMemberBytes: 4 << 30,
		MaxTotalBytes:  64 << 30,
		MaxRatio:       500, // deflate tops out near 1032:1; real logs stay far below 500:1
		RatioFloor:     16 << 20,
		MaxMembers:     1_000_000,
	}
}

// MemberError is an error confined to one member of a container: the
// scanner records it against the member's path and goes on.
type MemberError struct {
	Path string
	Err  error
}

func (e *MemberError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *MemberError) Unwrap() error { return e.Err }
