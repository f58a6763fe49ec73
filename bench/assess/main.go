// Command assess benchmarks 'hfwarden assess' against the Hub simulator:
// a token whose owner is in 20 organizations holding 5,000 repositories in
// all, with latency added to every request. It prints the wall time, the
// number of requests and the largest number of requests the simulator saw
// in any one-second window, next to the configured client rate.
//
//	go run ./bench/assess [-orgs 20] [-repos 5000] [-latency 50ms] [-rate 20]
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
)

func main() {
	orgs := flag.Int("orgs", 20, "organizations the owner belongs to")
	repos := flag.Int("repos", 5000, "repositories across the organizations")
	latency := flag.Duration("latency", 50*time.Millisecond, "latency added to every request")
	rate := flag.Float64("rate", hub.DefaultRatePerSecond, "client request rate (requests per second)")
	flag.Parse()
	if err := run(*orgs, *repos, *latency, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "bench/assess:", err)
		os.Exit(1)
	}
}

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func scenario(nOrgs, nRepos int) (*hubsim.Scenario, string) {
	rng := rand.New(rand.NewPCG(7, 7))
	tok := []byte("hf_")
	for range 34 {
		tok = append(tok, letters[rng.IntN(len(letters))])
	}
	roles := []string{"admin", "write", "read"}
	user := hubsim.User{Name: "owner", Fullname: "Bench Owner"}
	sc := &hubsim.Scenario{}
	for i := 0; i < nOrgs; i++ {
		name := fmt.Sprintf("org%02d", i)
		sc.Orgs = append(sc.Orgs, hubsim.Org{Name: name, Plan: "team"})
		user.Orgs = append(user.Orgs, hubsim.Membership{Name: name, RoleInOrg: roles[i%len(roles)]})
	}
	sc.Users = []hubsim.User{user}
	types := []string{"model", "dataset", "space"}
	for i := 0; i < nRepos; i++ {
		sc.Repos = append(sc.Repos, hubsim.Repo{
			ID:      fmt.Sprintf("org%02d/repo-%04d", i%nOrgs, i),
			Type:    types[i%3],
			Private: i%4 == 0,
			Files:   map[string]hubsim.File{"README.md": {Text: "# bench\n"}},
		})
	}
	sc.Tokens = []hubsim.Token{{Token: string(tok), User: "owner", Kind: hubsim.KindClassic, Role: "write", DisplayName: "bench"}}
	return sc, string(tok)
}

// recorder notes when each request arrived.
type recorder struct {
	h     http.Handler
	mu    sync.Mutex
	times []time.Time
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.times = append(r.times, time.Now())
	r.mu.Unlock()
	r.h.ServeHTTP(w, req)
}

// maxPerSecond is the largest count of requests in any one-second window.
func (r *recorder) maxPerSecond() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := append([]time.Time(nil), r.times...)
	sort.Slice(t, func(a, b int) bool { return t[a].Before(t[b]) })
	best, j := 0, 0
	for i := range t {
		for t[i].Sub(t[j]) >= time.Second {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func run(nOrgs, nRepos int, latency time.Duration, rate float64) error {
	sc, token := scenario(nOrgs, nRepos)
	rec := &recorder{h: hubsim.New(sc, hubsim.Options{Latency: latency, RateLimit: -1})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rec}
	go func() { _ = srv.Serve(ln) }()  // returns http.ErrServerClosed after Close
	defer func() { _ = srv.Close() }() // the simulator holds nothing the run needs once it is measured
	c, err := hub.New(hub.Options{Endpoint: "http://" + ln.Addr().String(), RatePerSecond: rate, Burst: 1})
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := assess.Assess(context.Background(), c, token, assess.Options{})
	if err != nil {
		return err
	}
	el := time.Since(start)
	if r.Status != "live" || len(r.Repos) != nRepos {
		return fmt.Errorf("assessment incomplete: status %s, %d of %d repositories, warnings %v", r.Status, len(r.Repos), nRepos, r.Warnings)
	}
	peak := rec.maxPerSecond()
	fmt.Printf("assess: %d orgs, %d repositories, %v latency per request\n", nOrgs, nRepos, latency)
	fmt.Printf("wall time %.2f s (target < 5 s); %d requests, %.1f/s on average; peak %d requests in any 1 s window as the simulator received them (configured rate %.0f/s)\n",
		el.Seconds(), len(rec.times), float64(len(rec.times))/el.Seconds(), peak, rate)
	fmt.Printf("severity %s\n", r.Severity)
	// Requests are paced a little over 1/rate apart (burst 1): no
	// one-second window may hold more than rate of them.
	if limit := int(rate); peak > limit {
		return fmt.Errorf("rate exceeded: %d requests in one second, limit %d", peak, limit)
	}
	return nil
}
