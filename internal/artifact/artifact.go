// Package artifact inspects model files (pickles, PyTorch checkpoints,
// safetensors) for content that would run code when loaded. It only parses:
// nothing is ever unpickled or executed.
package artifact

// Finding kinds.
const (
	KindUnsafePickle     = "unsafe-pickle"
	KindSuspiciousPickle = "suspicious-pickle"
	KindBadSafetensors   = "bad-safetensors"
	KindUnreadable       = "unreadable"
)

// Severities, from worst to mildest.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
)

// Finding is one problem found in a model file.
type Finding struct {
	Kind     string `json:"kind"`     // KindUnsafePickle, KindSuspiciousPickle, KindBadSafetensors, KindUnreadable
	Severity string `json:"severity"` // SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow
	Path     string `json:"path"`     // the file, and the member inside it: "pytorch_model.bin!archive/data.pkl"
	Detail   string `json:"detail"`   // e.g. "imports os.system (GLOBAL at offset 2)"
	Offset   int64  `json:"offset"`
}

// Import is one module.name that a pickle would import when loaded.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Opcode string `json:"opcode"` // GLOBAL, STACK_GLOBAL or INST
	Offset int64  `json:"offset"` // of the opcode within the pickle stream
}

// String returns "module.name".
func (i Import) String() string { return i.Module + "." + i.Name }
