package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseID reads an incident number, "7" or "#7".
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an incident number", s)
	}
	return id, nil
}

// parseWhen reads RFC 3339 times or plain dates (UTC midnight).
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: want a time like 2026-03-01T10:00:00Z or a date like 2026-03-01", flag)
}
