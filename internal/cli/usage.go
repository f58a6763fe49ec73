package cli

import (
	"fmt"
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

// Error is the wrapped error's message; empty for an exit status alone.
func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// usageErr is a usage error: exit status 2 with the message formatted.
func usageErr(format string, args ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, args...)}
}
