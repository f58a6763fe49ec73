// Package store keeps incidents, their occurrences and events, sealed
// secrets and blast-radius snapshots: SQLite embedded by default, PostgreSQL
// for teams, with the same behaviour and versioned migrations.
package store

import (
	"context"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// Store is the incident store.
type Store interface {
	// RecordScan records a scan's findings: one incident per distinct
	// secret (created on first sight, with its secret sealed), one
	// occurrence per place (incident.OccurrenceKey; a place seen again is
	// not duplicated), the exposure start lowered to the earliest evidence
	// (Finding.Time / CommitDate), last seen updated, and the findings'
	// verification appended to the history. Safe to call from several
	// processes at once: nothing is lost.
	RecordScan(ctx context.Context, scanID string, findings []finding.Finding, at time.Time) (ScanResult, error)
	// RecordScanRun records that a scan ran (its id that of RecordScan),
	// what it walked and whether it was complete, found something or
	// not; recording the same id again replaces it.
	RecordScanRun(ctx context.Context, r incident.ScanRun) error
	// ScanRuns lists the scans recorded at or after since, oldest first.
	ScanRuns(ctx context.Context, since time.Time) ([]incident.ScanRun, error)
	// Incidents lists incidents matching f, newest first.
	Incidents(ctx context.Context, f incident.Filter) ([]incident.Incident, error)
	// Incident returns one incident with its latest assessment.
	Incident(ctx context.Context, id int64) (*incident.Incident, error)
	// IncidentByFingerprint finds an incident by its secret's fingerprint.
	IncidentByFingerprint(ctx context.Context, fingerprint string) (*incident.Incident, error)
	// Occurrences lists an incident's occurrences, oldest first.
	Occurrences(ctx context.Context, id int64) ([]incident.Occurrence, error)
	// Events lists an incident's event log, oldest first.
	Events(ctx context.Context, id int64) ([]incident.Event, error)
	// Secret unseals an incident's secret (for verification and revocation).
	Secret(ctx context.Context, id int64) (string, error)
	// Transition moves an incident to a new state (incident.CheckMove) and
	// logs who, when and why; moving to revoke-requested or contained also
	// sets RevokeRequestedAt / ContainedAt.
	Transition(ctx context.Context, id int64, to incident.State, actor, reason string, at time.Time) error
	// AddNote and Assign log a note or set the assignee.
	AddNote(ctx context.Context, id int64, actor, text string, at time.Time) error
	Assign(ctx context.Context, id int64, actor, assignee string, at time.Time) error
	// StateUse logs which repositories the token was meant for (a "used"
	// event listing them, incident.UsedRepos reads the latest): the
	// least-privilege replacement is derived from them.
	StateUse(ctx context.Context, id int64, actor string, repos []string, at time.Time) error
	// RecordVerification appends to the verification history and sets the
	// latest verification. A live answer naming an account sets the
	// incident's owner unless an assessment has set it (RecordScan does
	// the same for the findings' verifications). A live answer after the
	// containment re-opens a contained, audited or resolved incident and
	// clears ContainedAt (the event log keeps it): the token works again.
	RecordVerification(ctx context.Context, id int64, v finding.Verification) error
	// Verifications lists an incident's verification history, oldest
	// first, each with the endpoint that answered ("" for answers
	// recorded before endpoints were).
	Verifications(ctx context.Context, id int64) ([]finding.Verification, error)
	// SaveAssessment stores the latest blast-radius snapshot and takes the
	// incident's severity, owner and orgs from it.
	SaveAssessment(ctx context.Context, id int64, r *assess.Report, at time.Time) error
	// SavePin stores a repository's integrity pin, replacing the pin of
	// the same type and repository.
	SavePin(ctx context.Context, m pin.Manifest) error
	// Pins lists every pin, sorted by type then repository.
	Pins(ctx context.Context) ([]pin.Manifest, error)
	// Pin returns the pin of one repository; false when there is none.
	Pin(ctx context.Context, typ, repo string) (*pin.Manifest, bool, error)
	// SaveAudit keeps a post-exposure audit of an incident and logs it.
	SaveAudit(ctx context.Context, id int64, r *audit.Report, at time.Time) error
	// Audit returns an incident's latest audit and when it ran; nil when
	// there is none.
	Audit(ctx context.Context, id int64) (*audit.Report, time.Time, error)
	// Close releases the store.
	Close() error
}

// ScanResult says what a RecordScan added.
type ScanResult struct {
	NewIncidents   int
	NewOccurrences int
	Incidents      []int64 // every incident the scan touched
}
