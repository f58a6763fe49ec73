// Package seal encrypts secrets at rest with AES-256-GCM. The key comes from
// the HFWARDEN_KEY environment variable (read by the caller) or from a key
// file created on first use; callers bind each sealed value to its row by passing an AAD (e.g. the
// secret's fingerprint), so a sealed secret cannot be moved to another row.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// EnvKey names the environment variable holding the key (32 bytes, base64
// or hex encoded). It takes precedence over the key file.
const EnvKey = "HFWARDEN_KEY"

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value so the format can evolve.
const version byte = 1

// Sealer seals and opens values with one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// LoadKey returns a Sealer whose key is envValue, the value of
// HFWARDEN_KEY (EnvKey) as the caller read it, when that is not blank,
// else read from keyFile, which the caller names (it picks the default
// place too). The caller reads the environment, so that seal reads none
// and tests need not set it. A
// missing key file is created with 32 random bytes, mode 0600, in a
// directory of mode 0700; a key file readable or writable by group or
// others is refused.
func LoadKey(envValue, keyFile string) (*Sealer, error) {
	if v := strings.TrimSpace(envValue); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", EnvKey, err)
		}
		return New(key)
	}
	if keyFile == "" {
		return nil, errors.New("seal: no key file named and no key given")
	}
	key, err := readKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(keyFile)
	}
	if err != nil {
		return nil, err
	}
	return New(key)
}

func readKeyFile(path string) ([]byte, error) {
	f, err := safefile.Open(path) // a FIFO is refused, not waited on
	if err != nil {
		if errors.Is(err, safefile.ErrNotRegular) {
			return nil, fmt.Errorf("seal: key file %s: %w", path, err)
		}
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: key file %s has mode %04o: it must not be accessible by group or others (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	buf := make([]byte, 256)
	n, err := f.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("seal: reading key file %s: %w", path, err)
	}
	buf = buf[:n]
	if len(buf) == KeySize {
		return buf, nil
	}
	key, err := decodeKey(strings.TrimSpace(string(buf)))
	if err != nil {
		return nil, fmt.Errorf("seal: key file %s: %w", path, err)
	}
	return key, nil
}

func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("seal: creating key directory: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	// Write a temporary file, then link it into place: the key file
	// appears complete or not at all, and if another process created it
	// meanwhile, its key wins.
	f, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return nil, fmt.Errorf("seal: creating key file: %w", err)
	}
	tmp := f.Name()
	// The temporary name goes in every case (after the link, path keeps
	// the file); a failed removal leaves a second name of the same
	// private (0600) file, nothing the key file itself does not hold.
	defer func() { _ = os.Remove(tmp) }()
	// Hex, so that the file is safe to copy and paste.
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("seal: writing key file: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("seal: creating key file: %w", err)
	}
	return key, nil
}

// decodeKey accepts 32 bytes as hex or (standard or URL, padded or not)
// base64.
func decodeKey(s string) ([]byte, error) {
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("the key must be %d bytes, hex or base64 encoded", KeySize)
}

// Seal encrypts plaintext bound to aad: version byte, random nonce, then
// the ciphertext and tag.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:1+ns], plaintext, aad), nil
}

// ErrOpen is returned when a sealed value cannot be opened: wrong key,
// wrong AAD (the value belongs to another row) or tampering.
var ErrOpen = errors.New("seal: cannot open sealed value (wrong key, wrong row or tampered)")

// Open decrypts a value made by Seal with the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() {
		return nil, fmt.Errorf("seal: sealed value too short")
	}
	if sealed[0] != version {
		return nil, fmt.Errorf("seal: unknown sealed format version %d", sealed[0])
	}
	pt, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
