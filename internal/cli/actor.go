package cli

import (
	"os"
	"os/user"
	"strconv"
)

// actor names who did something, for the event log.
func (f *factory) actor() string {
	return actorOf(f.Getenv, user.Current, os.Getuid())
}

// actorOf is actor with its sources given: the environment, the OS
// account lookup and the process's uid.
func actorOf(getenv func(string) string, current func() (*user.User, error), uid int) string {
	if u := getenv("HFWARDEN_ACTOR"); u != "" {
		return u
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	// Services, cron jobs and containers often run without $USER: the OS
	// account still says who acted.
	if u, err := current(); err == nil && u.Username != "" {
		return u.Username
	}
	// A container's uid often has no passwd entry: the uid still tells
	// one account from another, where "unknown" would say nothing.
	return "uid:" + strconv.Itoa(uid)
}
