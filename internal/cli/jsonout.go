package cli

import (
	"encoding/json"
	"io"

	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// writeJSON writes v as indented JSON, its strings safe for a terminal.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.JSONWriter(w))
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
