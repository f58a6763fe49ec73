//go:build linux || darwin || freebsd

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestCreateRefuses: a target that exists and is not a regular file is
// never written or replaced.
func TestCreateRefuses(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		ok         bool
	}{
		{"new file", filepath.Join(dir, "new"), true},
		{"regular file", filepath.Join(dir, "victim2"), true},
		{"symbolic link", link, false},
		{"device", "/dev/null", false},
		{"FIFO", fifo, false},
		{"directory", dir, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "regular file" {
				if err := os.WriteFile(tc.path, []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() {
				f, err := Create(tc.path)
				if err == nil {
					_, err = f.WriteString("new")
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Create blocked")
			}
			if tc.ok != (err == nil) {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, ErrNotRegular) {
				t.Errorf("error %v does not wrap ErrNotRegular", err)
			}
			if err := CheckTarget(tc.path); tc.ok != (err == nil) {
				t.Errorf("CheckTarget: %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the link's target was written: %q", b)
	}
}

// TestOpenSkips: opening a FIFO, a device or a pseudo-file for reading
// returns at once with ErrNotRegular; a regular file opens and reads.
func TestOpenSkips(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		ok   bool
	}{{plain, true}, {fifo, false}, {"/dev/zero", false}}
	for _, tc := range cases {
		done := make(chan error, 1)
		go func() {
			f, err := Open(tc.path)
			if err == nil {
				_ = f.Close() // opened read-only: closing it loses nothing
			}
			done <- err
		}()
		select {
		case err := <-done:
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrNotRegular)) {
				t.Errorf("%s: error %v, want ok=%v", tc.path, err, tc.ok)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Open blocked", tc.path)
		}
	}
	if f, err := Open("/proc/self/status"); err == nil {
		if err := Pseudo(f); !errors.Is(err, ErrPseudo) {
			t.Errorf("/proc/self/status: Pseudo says %v", err)
		}
		_ = f.Close() // opened read-only: closing it loses nothing
	}
	if f, err := Open(plain); err == nil {
		if err := Pseudo(f); err != nil {
			t.Errorf("a plain file: Pseudo says %v", err)
		}
		_ = f.Close() // opened read-only: closing it loses nothing
	}
	if _, err := ReadLimit(plain, 4); err == nil {
		t.Error("ReadLimit past its limit: no error")
	}
	if b, err := ReadLimit(plain, 5); err != nil || string(b) != "hello" {
		t.Errorf("ReadLimit: %q, %v", b, err)
	}
}
