// Command freshprobe measures users arriving at once whom the server process
// has never seen: 200 users of the scenario (the manifest's freshEmails)
// each send GET /v1/me at the same moment over 32 connections.
//
// "Never seen by this process" needs a restart between signing them in and
// firing, so it runs in two phases against the same data directory (the JWT
// secret is kept there, so tokens outlive the process):
//
//	freshprobe -phase login -base URL -manifest DATA/scenario.json -tokens FILE   # then restart the server
//	freshprobe -phase fire  -base URL -tokens FILE                                  # prints p50/p99
//
// The caller (scripts/bench/report.sh) restarts the server between the two
// and counts SQLITE_BUSY in its log.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna/internal/scenario"
)

func main() {
	phase := flag.String("phase", "", "login (sign the users in, write their access tokens) or fire (send GET /v1/me for all at once)")
	base := flag.String("base", "http://127.0.0.1:18490", "base URL of the server")
	manifest := flag.String("manifest", "", "scenario manifest (login phase)")
	tokensFile := flag.String("tokens", "", "file of access tokens, one a line")
	conns := flag.Int("c", 32, "connections (fire phase)")
	flag.Parse()
	b := strings.TrimRight(*base, "/")
	var err error
	switch *phase {
	case "login":
		err = login(b, *manifest, *tokensFile)
	case "fire":
		err = fire(b, *tokensFile, *conns)
	default:
		err = fmt.Errorf("-phase must be login or fire")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "freshprobe:", err)
		os.Exit(1)
	}
}

// login signs in every fresh user (one at a time: the cost of signing in is
// not what is measured) and writes their access tokens.
func login(base, manifest, tokensFile string) error {
	m, err := scenario.ReadManifest(manifest)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, email := range m.FreshEmails {
		body, _ := json.Marshal(map[string]string{"email": email, "password": m.Password})
		resp, err := http.Post(base+"/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("sign in %s: %d %s", email, resp.StatusCode, b)
		}
		var t struct {
			Tokens struct {
				AccessToken string `json:"accessToken"`
			} `json:"tokens"`
		}
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		out.WriteString(t.Tokens.AccessToken + "\n")
	}
	fmt.Fprintf(os.Stderr, "signed in %d fresh users\n", len(m.FreshEmails))
	return os.WriteFile(tokensFile, out.Bytes(), 0o600)
}

// fire opens the connections first (a request on each to /healthz), then
// releases every GET /v1/me at once; each waits for a free connection.
func fire(base, tokensFile string, conns int) error {
	f, err := os.Open(tokensFile)
	if err != nil {
		return err
	}
	var tokens []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			tokens = append(tokens, t)
		}
	}
	f.Close()
	if len(tokens) == 0 {
		return fmt.Errorf("no tokens in %s", tokensFile)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}}
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := client.Get(base + "/healthz"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()

	lat := make([]time.Duration, len(tokens))
	errs := make([]string, len(tokens))
	gate := make(chan struct{})
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, base+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			<-gate
			t0 := time.Now() // from the common start: waiting for a connection counts
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			lat[i] = time.Since(t0)
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Sprintf("%d %.200s", resp.StatusCode, b)
			}
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(start)
	var ok []time.Duration
	failed := 0
	for i := range tokens {
		if errs[i] != "" {
			if failed == 0 {
				fmt.Fprintln(os.Stderr, "first failure:", errs[i])
			}
			failed++
			continue
		}
		ok = append(ok, lat[i])
	}
	slices.Sort(ok)
	pct := func(p int) float64 {
		if len(ok) == 0 {
			return 0
		}
		i := (len(ok)*p+99)/100 - 1
		return ok[max(0, min(i, len(ok)-1))].Seconds() * 1000
	}
	// One line the report parses: users p50 p99 max failures wall.
	fmt.Printf("fresh users %d, connections %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms, failures %d, all answered in %.1f ms\n",
		len(tokens), conns, pct(50), pct(99), pct(100), failed, wall.Seconds()*1000)
	if failed > 0 {
		return fmt.Errorf("%d of %d failed", failed, len(tokens))
	}
	return nil
}
