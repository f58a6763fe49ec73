package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// Bounds on the cost of reading one audit log of the sizes fuzzed and
// tested here: no input, however hostile, may take longer or allocate more.
const (
	maxLogTime  = time.Second
	maxLogAlloc = 64 << 20
)

// checkCost fails t if fn costs more than the budget above.
func checkCost(t *testing.T, what string, fn func()) {
	t.Helper()
	testutil.CheckCost(t, what, maxLogTime, maxLogAlloc, fn)
}

// nested is an entry whose actor nests {"name": …} depth times: it took
// seconds and a gigabyte to read when each level was decoded again.
func nested(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(`[{"type":"x","createdAt":"2026-06-01T00:00:00Z","actor":`)
	b.WriteString(strings.Repeat(`{"name":`, depth))
	b.WriteString(`"mallory"`)
	b.WriteString(strings.Repeat(`}`, depth))
	b.WriteString(`}]`)
	return b.Bytes()
}

func TestReadAuditLogDeepNesting(t *testing.T) {
	in := nested(9000)
	var evs []LogEvent
	var err error
	checkCost(t, "ReadAuditLog", func() { evs, err = ReadAuditLog(bytes.NewReader(in)) })
	if err != nil || len(evs) != 1 || evs[0].Type != "x" {
		t.Fatalf("ReadAuditLog = %+v, %v", evs, err)
	}
	if evs[0].Actor != "" {
		t.Errorf("actor nested 9000 deep read as %q, want none (only one level is looked at)", evs[0].Actor)
	}
}

func FuzzReadAuditLog(f *testing.F) {
	for _, s := range []string{
		`[{"type":"repo.download","createdAt":"2026-03-01T10:00:00Z","actor":{"user":"mallory"},"repo":{"name":"acme/model"}}]`,
		`{"data":[{"action":"token.create","timestamp":1772359200000,"user":"alice"}]}`,
		"{\"type\":\"a\",\"time\":\"2026-03-01T10:00:00Z\"}\n{\"type\":\"b\",\"date\":\"2026-03-01 11:00:00\"}\n",
		`[{"type":"x","createdAt":"2026-06-01T00:00:00Z","actor":{"name":{"name":{"name":"m"}}}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Add(nested(2000))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkCost(t, "ReadAuditLog", func() {
			evs, err := ReadAuditLog(bytes.NewReader(in))
			if err == nil {
				for _, e := range evs {
					if e.Type == "" {
						t.Fatalf("event without a type: %+v", e)
					}
					_ = e.finding()
				}
			}
		})
	})
}
