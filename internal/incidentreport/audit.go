package incidentreport

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/audit"
)

// maxAuditLines caps the findings listed in a report; the JSON of the
// audit itself has them all.
const maxAuditLines = 200

// FromAudit turns a post-exposure audit run at at into the report's Audit
// section, one line per finding, worst first. It needs attention when any
// finding is high or worse; otherwise it is done only when everything
// could be checked (no warning), and stays "not complete" when not: an
// audit that could read nothing must not close the checklist step.
func FromAudit(r *audit.Report, at time.Time) *AuditSection {
	if r == nil {
		return nil
	}
	at = at.UTC()
	high := r.AtLeast(audit.High) > 0
	sec := &AuditSection{Done: high || len(r.Warnings) == 0, At: &at, Attention: high, Checked: len(r.Checked)}
	if !r.Until.IsZero() {
		until := r.Until.UTC()
		sec.Until = &until
	}
	var sum []string
	sum = append(sum, fmt.Sprintf("window %s to %s", fmtTime(r.Since), fmtTime(r.Until)))
	sum = append(sum, fmt.Sprintf("%d repositories checked", len(r.Checked)))
	if len(r.Unpinned) > 0 {
		sum = append(sum, fmt.Sprintf("%d unpinned (%s)", len(r.Unpinned), strings.Join(r.Unpinned, ", ")))
	}
	if len(r.Findings) == 0 {
		sum = append(sum, "no findings")
	} else {
		sum = append(sum, fmt.Sprintf("%d findings, %d high or worse", len(r.Findings), r.AtLeast(audit.High)))
	}
	if len(r.Warnings) > 0 {
		sum = append(sum, fmt.Sprintf("%d checks could not run: audit again, with the owner's token if the leaked one is revoked", len(r.Warnings)))
	}
	sec.Summary = strings.Join(sum, "; ")
	// Worst first, keeping the audit's order within a severity.
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, func(a, b audit.Finding) int { return audit.Rank(b.Severity) - audit.Rank(a.Severity) })
	for _, f := range fs {
		if audit.Rank(f.Severity) >= audit.Rank(audit.High) {
			if sec.Kinds == nil {
				sec.Kinds = map[string]int{}
			}
			sec.Kinds[f.Kind]++
		}
	}
	for i, f := range fs {
		if i == maxAuditLines {
			sec.Findings = append(sec.Findings, fmt.Sprintf("… and %d more (see the audit JSON)", len(fs)-maxAuditLines))
			break
		}
		line := fmt.Sprintf("[%s] %s", f.Severity, f.Kind)
		if f.Repo != "" {
			line += " " + f.Repo
		}
		line += ": " + f.Evidence
		if f.Earlier {
			line += " (found by an earlier audit)"
		}
		sec.Findings = append(sec.Findings, line)
	}
	for _, w := range r.Warnings {
		sec.Findings = append(sec.Findings, "[not checked] "+w)
	}
	return sec
}
