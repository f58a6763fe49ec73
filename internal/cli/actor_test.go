package cli

import (
	"errors"
	"os/user"
	"testing"
)

// TestActorOf: $HFWARDEN_ACTOR, then $USER, then the OS account name, and
// for a uid with no account (a container's), "uid:N" rather than
// "unknown".
func TestActorOf(t *testing.T) {
	found := func() (*user.User, error) { return &user.User{Username: "svc"}, nil }
	missing := func() (*user.User, error) { return nil, errors.New("user: unknown userid 12345") }
	nameless := func() (*user.User, error) { return &user.User{Uid: "12345"}, nil }
	for _, tc := range []struct {
		name    string
		env     map[string]string
		current func() (*user.User, error)
		want    string
	}{
		{"HFWARDEN_ACTOR first", map[string]string{"HFWARDEN_ACTOR": "oncall", "USER": "bob"}, found, "oncall"},
		{"then USER", map[string]string{"USER": "bob"}, found, "bob"},
		{"then the OS account", nil, found, "svc"},
		{"no passwd entry", nil, missing, "uid:12345"},
		{"an account without a name", nil, nameless, "uid:12345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := actorOf(func(k string) string { return tc.env[k] }, tc.current, 12345); got != tc.want {
				t.Errorf("actor = %q, want %q", got, tc.want)
			}
		})
	}
}
