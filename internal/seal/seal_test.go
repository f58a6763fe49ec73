package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestRoundTripAndAAD(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := []byte("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH")
	c1, err := s.Seal(pt, []byte("fp1"))
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := s.Seal(pt, []byte("fp1"))
	if bytes.Equal(c1, c2) {
		t.Fatal("two seals of the same value are identical: nonce reused")
	}
	if bytes.Contains(c1, pt) {
		t.Fatal("sealed value holds the plaintext")
	}
	got, err := s.Open(c1, []byte("fp1"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(c1, []byte("fp2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another AAD: %v, want ErrOpen", err)
	}
	bad := bytes.Clone(c1)
	bad[len(bad)-1] ^= 1
	if _, err := s.Open(bad, []byte("fp1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open tampered: %v, want ErrOpen", err)
	}
	other, _ := New(bytes.Repeat([]byte{7}, KeySize))
	if _, err := other.Open(c1, []byte("fp1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another key: %v, want ErrOpen", err)
	}
	if _, err := s.Open(c1[:5], nil); err == nil {
		t.Fatal("Open of a truncated value succeeded")
	}
	if _, err := New(key[:16]); err == nil {
		t.Fatal("New accepted a 16-byte key")
	}
}

func TestLoadKeyFromEnv(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	ref, _ := New(key)
	sealed, _ := ref.Seal([]byte("x"), nil)
	for name, v := range map[string]string{
		"hex":       hex.EncodeToString(key),
		"base64":    base64.StdEncoding.EncodeToString(key),
		"base64url": base64.RawURLEncoding.EncodeToString(key),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := LoadKey(v, filepath.Join(t.TempDir(), "never", "key"))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Open(sealed, nil); err != nil || string(got) != "x" {
				t.Fatalf("Open = %q, %v", got, err)
			}
		})
	}
	t.Run("bad", func(t *testing.T) {
		if _, err := LoadKey("c2hvcnQ=", filepath.Join(t.TempDir(), "key")); err == nil {
			t.Fatal("a short key was accepted")
		}
	})
}

func TestLoadKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg", "hfwarden")
	path := filepath.Join(dir, "key")
	s1, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	dst, _ := os.Stat(dir)
	if dst.Mode().Perm() != 0o700 {
		t.Fatalf("key dir mode %04o, want 0700", dst.Mode().Perm())
	}
	sealed, _ := s1.Seal([]byte("secret"), []byte("fp"))
	s2, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Open(sealed, []byte("fp")); err != nil || string(got) != "secret" {
		t.Fatalf("reloaded key cannot open: %q, %v", got, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", path); err == nil {
		t.Fatal("a group-readable key file was accepted")
	}
}

func TestLoadKeyConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	const n = 8
	sealers := make([]*Sealer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); sealers[i], errs[i] = LoadKey("", path) }()
	}
	wg.Wait()
	sealed, _ := func() ([]byte, error) {
		s, err := LoadKey("", path)
		if err != nil {
			t.Fatal(err)
		}
		return s.Seal([]byte("v"), nil)
	}()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("LoadKey %d: %v", i, errs[i])
		}
		if _, err := sealers[i].Open(sealed, nil); err != nil {
			t.Fatalf("sealer %d has a different key", i)
		}
	}
}
