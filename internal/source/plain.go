package source

import "context"

// Plain reads any item as bytes: text located by line and column, binary
// (a NUL in its first bytes) by offset. It is the reader of last resort,
// taking whatever no other reader does.
func Plain() Reader { return plainReader{} }

type plainReader struct{}

func (plainReader) Name() string              { return "plain" }
func (plainReader) Sniff(string, []byte) bool { return true }

func (plainReader) Open(ctx context.Context, in *Input, h Host) error {
	h.Scan(ctx, Bytes{Prov: in.Item.Prov, Head: in.Head, R: in.R, RA: in.RA, Size: in.Item.Size, Binary: IsBinary(in.Head)})
	return nil
}
