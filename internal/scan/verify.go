package scan

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/safefile"
)

// Verifier checks whether a credential is live. Implementations must
// return "unknown" rather than guess when the answer is not conclusive.
type Verifier interface {
	Verify(ctx context.Context, rule, secret string) Verification
}

// Verify checks each distinct verifiable secret among findings once, using
// the cache for answers younger than its ttl, and attaches the outcome to
// every finding of that secret. Checks run with at most workers at once
// (the verifier applies its own request-rate limit). When ctx ends (an
// overall deadline such as --verify-timeout), what was not checked is
// "unknown" with the reason "not checked: " and the context's cause.
func Verify(ctx context.Context, findings []Finding, v Verifier, cache *VerifyCache, workers int) {
	type job struct{ rule, secret, fp string }
	byFP := map[string][]int{}
	var jobs []job
	for i := range findings {
		f := &findings[i]
		if !detect.Verifiable(f.Rule) || f.raw == "" {
			continue
		}
		if _, seen := byFP[f.Fingerprint]; !seen {
			jobs = append(jobs, job{f.Rule, f.raw, f.Fingerprint})
		}
		byFP[f.Fingerprint] = append(byFP[f.Fingerprint], i)
	}
	results := make([]Verification, len(jobs))
	if workers <= 0 {
		workers = 4
	}
	notChecked := func() Verification {
		return Verification{Status: "unknown", Reason: "not checked: " + context.Cause(ctx).Error(), CheckedAt: time.Now().UTC()}
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, j := range jobs {
		if r, ok := cache.Get(j.fp); ok {
			results[i] = r
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = notChecked()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				results[i] = notChecked()
				return
			}
			r := v.Verify(ctx, j.rule, j.secret)
			// An answer cut short by the deadline says nothing but that.
			if r.Status == "unknown" && ctx.Err() != nil {
				r = notChecked()
			}
			results[i] = r
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		r := results[i]
		cache.Put(j.fp, r)
		for _, k := range byFP[j.fp] {
			rr := r
			findings[k].Verification = &rr
		}
	}
}

// VerifyCache remembers verification outcomes by endpoint and fingerprint
// (never the secret) between runs: an answer of the simulator or a staging
// Hub never stands for the real one. Unknown outcomes are not remembered. A
// nil cache remembers nothing.
type VerifyCache struct {
	path     string
	endpoint string
	ttl      time.Duration
	now      func() time.Time

	mu sync.Mutex
	// entries are keyed by cacheKey(endpoint, fingerprint).
	entries map[string]Verification
	dirty   bool
}

// cacheKey joins an endpoint and a fingerprint; an endpoint URL holds no
// space.
func cacheKey(endpoint, fp string) string { return endpoint + " " + fp }

// OpenVerifyCache loads the cache at path (a missing or unreadable file is
// an empty cache) for answers of endpoint (the Hub's base URL, as
// hub.Client.Endpoint gives it); entries older than ttl are ignored.
func OpenVerifyCache(path, endpoint string, ttl time.Duration) *VerifyCache {
	c := &VerifyCache{path: path, endpoint: endpoint, ttl: ttl, now: time.Now, entries: map[string]Verification{}}
	// Bounded: a cache of a hundred thousand outcomes is some 20 MB; past
	// the bound what is at the path is no cache of ours.
	if b, err := safefile.ReadLimit(path, 64<<20); err == nil {
		_ = json.Unmarshal(b, &c.entries) // a damaged cache is an empty one
	}
	for k := range c.entries {
		// Entries of earlier versions name no endpoint: whose answer
		// they were is unknown.
		if !strings.Contains(k, " ") {
			delete(c.entries, k)
			c.dirty = true
		}
	}
	return c
}

// Get returns a fresh cached outcome of the cache's endpoint.
func (c *VerifyCache) Get(fp string) (Verification, bool) {
	if c == nil {
		return Verification{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[cacheKey(c.endpoint, fp)]
	if !ok || c.now().Sub(v.CheckedAt) > c.ttl {
		return Verification{}, false
	}
	v.Cached = true
	if v.Endpoint == "" {
		v.Endpoint = c.endpoint // entries kept before answers named it
	}
	return v, true
}

// Put records an outcome of the cache's endpoint; unknown ones are not
// worth remembering.
func (c *VerifyCache) Put(fp string, v Verification) {
	if c == nil || v.Status == "unknown" || v.Cached {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[cacheKey(c.endpoint, fp)] = v
	c.dirty = true
}

// Invalidate forgets every endpoint's outcome for fp (its token was just
// revoked: a cached "live" would be wrong) and reports whether there was
// one.
func (c *VerifyCache) Invalidate(fp string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	found := false
	for k := range c.entries {
		if strings.HasSuffix(k, " "+fp) {
			delete(c.entries, k)
			found = true
		}
	}
	c.dirty = c.dirty || found
	return found
}

// Save writes the cache back (mode 0600) if it changed.
func (c *VerifyCache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	b, err := json.MarshalIndent(c.entries, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := safefile.CheckTarget(c.path); err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}
