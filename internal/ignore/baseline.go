package ignore

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// SARIFFingerprintKey is the partialFingerprints key under which hfwarden's
// SARIF output stores a result's secret fingerprint.
const SARIFFingerprintKey = "hfwarden/v1"

// Baseline is the set of secret fingerprints found by an earlier scan. A scan
// run against a baseline reports only secrets that are not in it. A nil
// *Baseline contains nothing.
type Baseline struct {
	fps map[string]struct{}
}

// Contains reports whether the secret with this fingerprint is in the
// baseline. Upper-case hex is accepted.
func (b *Baseline) Contains(fingerprint string) bool {
	if b == nil || len(b.fps) == 0 {
		return false
	}
	if _, ok := b.fps[fingerprint]; ok {
		return true
	}
	if fp, ok := normFingerprint(fingerprint); ok && fp != fingerprint {
		_, ok = b.fps[fp]
		return ok
	}
	return false
}

// Len returns the number of distinct secrets in the baseline.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.fps)
}

// errNotReport is the message for a file that is no hfwarden report.
const errNotReport = "not a hfwarden JSON, JSONL or SARIF report"

// LoadBaseline reads a report written earlier by hfwarden scan in any of
// these formats, telling them apart by content:
//
//   - JSON (--format json): {"findings": [{"fingerprint": ...}, ...], "stats": {...}}
//   - JSONL (--format jsonl): one finding object per line; an empty file is an
//     empty report
//   - SARIF (--format sarif): runs[].results[].partialFingerprints["hfwarden/v1"]
//
// Errors begin with "baseline PATH: ". Unlike a missing ignore file, a missing
// baseline is an error: the user asked for it.
func LoadBaseline(path string) (*Baseline, error) {
	f, err := safefile.Open(path) // a FIFO is refused, not waited on
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in our prefix
		}
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxBaselineSize {
		return nil, fmt.Errorf("baseline %s: %d bytes, more than %d: %w", path, fi.Size(), MaxBaselineSize, safefile.ErrTooLarge)
	}
	b, err := parseBaseline(safefile.Limit(f, MaxBaselineSize))
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return b, nil
}

// baselineDoc holds whichever of the three report shapes a JSON value has.
type baselineDoc struct {
	// JSONL: the value is itself a finding.
	Fingerprint *string `json:"fingerprint"`
	// JSON report.
	Findings *[]struct {
		Fingerprint *string `json:"fingerprint"`
	} `json:"findings"`
	Stats *json.RawMessage `json:"stats"`
	// SARIF.
	Runs *[]struct {
		Results []struct {
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Fingerprints        map[string]string `json:"fingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func parseBaseline(r io.Reader) (*Baseline, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xEF\xBB\xBF" {
		_, _ = br.Discard(3) // the three bytes were just peeked: it cannot fail
	}
	b := &Baseline{fps: make(map[string]struct{})}
	dec := json.NewDecoder(br)

	var first baselineDoc
	if err := dec.Decode(&first); err != nil {
		if err == io.EOF {
			return b, nil // empty JSONL report: no findings
		}
		return nil, notReport(err)
	}

	switch {
	case first.Fingerprint != nil: // JSONL
		if err := b.addFinding(first.Fingerprint, 1); err != nil {
			return nil, err
		}
		for n := 2; ; n++ {
			var d baselineDoc
			if err := dec.Decode(&d); err != nil {
				if err == io.EOF {
					return b, nil
				}
				return nil, fmt.Errorf("JSONL finding %d: %w", n, notReport(err))
			}
			if d.Fingerprint == nil {
				return nil, fmt.Errorf("JSONL finding %d: no fingerprint: %s", n, errNotReport)
			}
			if err := b.addFinding(d.Fingerprint, n); err != nil {
				return nil, err
			}
		}

	case first.Findings != nil || first.Stats != nil: // JSON report
		if first.Findings != nil {
			for i, f := range *first.Findings {
				if f.Fingerprint == nil {
					return nil, fmt.Errorf("finding %d: no fingerprint: %s", i+1, errNotReport)
				}
				if err := b.addFinding(f.Fingerprint, i+1); err != nil {
					return nil, err
				}
			}
		}

	case first.Runs != nil: // SARIF
		results := 0
		for _, run := range *first.Runs {
			for _, res := range run.Results {
				results++
				fp, ok := res.PartialFingerprints[SARIFFingerprintKey]
				if !ok {
					fp, ok = res.Fingerprints[SARIFFingerprintKey]
				}
				if !ok {
					continue // another tool's result
				}
				if err := b.addFinding(&fp, results); err != nil {
					return nil, err
				}
			}
		}
		if results > 0 && len(b.fps) == 0 {
			return nil, fmt.Errorf("SARIF report has no %q fingerprints: %s", SARIFFingerprintKey, errNotReport)
		}

	default:
		return nil, errors.New(errNotReport)
	}

	// A JSON or SARIF report is one value: anything after it is garbage.
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("data after the report: %s", errNotReport)
	}
	return b, nil
}

// addFinding records the fingerprint of the n-th finding (1-based).
func (b *Baseline) addFinding(fp *string, n int) error {
	norm, ok := normFingerprint(*fp)
	if !ok {
		return fmt.Errorf("finding %d: fingerprint is not 64 hex digits: %s", n, errNotReport)
	}
	b.fps[norm] = struct{}{}
	return nil
}

// notReport wraps a JSON decoding error in the not-a-report message.
func notReport(err error) error {
	return fmt.Errorf("%s: %w", errNotReport, err)
}
