// Package lint holds tests that check the module's own source for the
// project's structural rules (such as how long a function may be); it has
// no code of its own to import.
package lint
