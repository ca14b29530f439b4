// Command seqprobe measures the per-user reads and the RSVP write of a
// running server loaded by scripts/scenario: it signs in the manifest's
// subjects and sends N sequential requests per endpoint (one at a time, one
// connection), then prints p50/p95 per endpoint as a markdown table. It
// starts nothing; the server must allow the request rates (see
// scripts/bench/report.sh for the environment it uses).
//
//	go run ./scripts/bench/seqprobe -base http://127.0.0.1:18490 -manifest DATA/scenario.json -n 200
//
// Failures (non-2xx answers, transport errors) are counted per endpoint and
// the run goes on; the exit status is 1 if there were any.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/internal/scenario"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18490", "base URL of the server")
	manifest := flag.String("manifest", "", "scenario manifest (DATA/scenario.json)")
	n := flag.Int("n", 200, "sequential requests per endpoint")
	out := flag.String("tsv", "", "also write endpoint, p50 ms, p95 ms, failures, requests as tab-separated lines to this file")
	flag.Parse()
	m, err := scenario.ReadManifest(*manifest)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seqprobe:", err)
		os.Exit(2)
	}
	p := &prober{base: strings.TrimRight(*base, "/"), m: m, client: &http.Client{
		Timeout: 30 * time.Second,
		// One connection, reused: sequential requests measure the server.
		Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1},
	}}
	results, err := p.run(*n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seqprobe:", err)
		os.Exit(2)
	}
	fmt.Printf("| endpoint | p50 | p95 | max | failures |\n| --- | ---: | ---: | ---: | ---: |\n")
	failed := 0
	var tsv bytes.Buffer
	for _, r := range results {
		fmt.Printf("| %s | %s | %s | %s | %d/%d |\n", r.name, ms(r.pct(50)), ms(r.pct(95)), ms(r.pct(100)), r.failures, r.n)
		fmt.Fprintf(&tsv, "%s\t%.1f\t%.1f\t%d\t%d\n", r.name, r.pct(50).Seconds()*1000, r.pct(95).Seconds()*1000, r.failures, r.n)
		failed += r.failures
		if r.firstErr != "" {
			fmt.Fprintf(os.Stderr, "%s: first failure: %s\n", r.name, r.firstErr)
		}
	}
	if *out != "" {
		if err := os.WriteFile(*out, tsv.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "seqprobe:", err)
			os.Exit(2)
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "seqprobe: %d failed requests\n", failed)
		os.Exit(1)
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", d.Seconds()*1000)
}

type result struct {
	name     string
	lat      []time.Duration
	n        int
	failures int
	firstErr string
}

func (r *result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1 // nearest rank
	return s[max(0, min(i, len(s)-1))]
}

type prober struct {
	base   string
	m      scenario.Manifest
	client *http.Client
}

// session is a signed-in subject; the access token is renewed by signing in
// again before it expires (15 minutes), so slow servers still get measured.
type session struct {
	email   string
	access  string
	refresh string
	at      time.Time
}

type tokens struct {
	Tokens struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	} `json:"tokens"`
	// /v1/auth/refresh answers the pair at the top level.
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

func (t tokens) pair() (string, string) {
	if t.Tokens.AccessToken != "" {
		return t.Tokens.AccessToken, t.Tokens.RefreshToken
	}
	return t.AccessToken, t.RefreshToken
}

func (p *prober) login(email string) (*session, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": p.m.Password})
	status, b, err := p.do(http.MethodPost, "/v1/auth/login", "", body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("sign in %s: %d %s", email, status, b)
	}
	var t tokens
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	s := &session{email: email, at: time.Now()}
	s.access, s.refresh = t.pair()
	return s, nil
}

func (p *prober) fresh(s *session) error {
	if time.Since(s.at) < 10*time.Minute {
		return nil
	}
	ns, err := p.login(s.email)
	if err != nil {
		return err
	}
	*s = *ns
	return nil
}

func (p *prober) do(method, path, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// probe is one endpoint: who asks, and the request of the i-th call.
type probe struct {
	name string
	as   *session
	req  func(i int) (method, path string, body []byte)
	// after sees each successful answer (the refresh chain uses it).
	after func(body []byte) error
}

func (p *prober) run(n int) ([]*result, error) {
	founder, err := p.login(p.m.Founder.Email)
	if err != nil {
		return nil, err
	}
	mentor, err := p.login(p.m.Mentor.Email)
	if err != nil {
		return nil, err
	}
	organizer, err := p.login(p.m.Organizer.Email)
	if err != nil {
		return nil, err
	}
	// The refresh chain has a session of its own: rotating it must not end
	// the founder's.
	chain, err := p.login(p.m.Founder.Email)
	if err != nil {
		return nil, err
	}
	get := func(path string) func(int) (string, string, []byte) {
		return func(int) (string, string, []byte) { return http.MethodGet, path, nil }
	}
	c, e := p.m.CommunityID, p.m.EventID
	probes := []probe{
		{name: "GET /v1/notifications", as: founder, req: get("/v1/notifications")},
		{name: "GET /v1/introductions?as=founder", as: founder, req: get("/v1/introductions?as=founder")},
		{name: "GET /v1/introductions?as=mentor", as: mentor, req: get("/v1/introductions?as=mentor")},
		{name: "GET /v1/mentorships", as: founder, req: get("/v1/mentorships")},
		{name: "GET /v1/communities/{id}/members", as: organizer, req: get("/v1/communities/" + c + "/members")},
		{name: "GET /v1/events/{id}", as: organizer, req: get("/v1/events/" + e)},
		{name: "POST /v1/events/{id}/rsvp", as: organizer, req: func(i int) (string, string, []byte) {
			// Alternate, so every call changes the RSVP (a real write).
			status := "going"
			if i%2 == 1 {
				status = "not_going"
			}
			return http.MethodPost, "/v1/events/" + e + "/rsvp", []byte(`{"status":"` + status + `"}`)
		}},
		{name: "GET /v1/match-requests", as: founder, req: get("/v1/match-requests")},
		{name: "GET /v1/keep-in-touch", as: founder, req: get("/v1/keep-in-touch")},
		{name: "GET /v1/communities/{id}/posts", as: founder, req: get("/v1/communities/" + c + "/posts")},
		{name: "GET /v1/communities?near=", as: founder, req: get("/v1/communities?near=" + url.QueryEscape(p.m.Near))},
		// The default page holds 2, 10 and 20 communities at 1×, 5× and
		// 25×; a page of two is the same answer at every scale.
		{name: "GET /v1/communities?near=&limit=2", as: founder, req: get("/v1/communities?limit=2&near=" + url.QueryEscape(p.m.Near))},
		{name: "POST /v1/auth/refresh", req: func(int) (string, string, []byte) {
			b, _ := json.Marshal(map[string]string{"refreshToken": chain.refresh})
			return http.MethodPost, "/v1/auth/refresh", b
		}, after: func(b []byte) error {
			var t tokens
			if err := json.Unmarshal(b, &t); err != nil {
				return err
			}
			_, chain.refresh = t.pair()
			if chain.refresh == "" {
				return fmt.Errorf("no refresh token in %s", b)
			}
			return nil
		}},
	}
	var results []*result
	for _, pr := range probes {
		r := &result{name: pr.name, n: n}
		for i := range n {
			token := ""
			if pr.as != nil {
				if err := p.fresh(pr.as); err != nil {
					return nil, err
				}
				token = pr.as.access
			}
			method, path, body := pr.req(i)
			t0 := time.Now()
			status, b, err := p.do(method, path, token, body)
			el := time.Since(t0)
			if err == nil && (status < 200 || status > 299) {
				err = fmt.Errorf("%d %s", status, truncate(b))
			}
			if err == nil && pr.after != nil {
				err = pr.after(b)
			}
			if err != nil {
				r.failures++
				if r.firstErr == "" {
					r.firstErr = err.Error()
				}
				if pr.after != nil { // a broken refresh chain: start a new one
					if ns, lerr := p.login(p.m.Founder.Email); lerr == nil {
						chain = ns
					}
				}
				continue
			}
			r.lat = append(r.lat, el)
		}
		fmt.Fprintf(os.Stderr, "%-36s p50 %s p95 %s (%d failed)\n", r.name, ms(r.pct(50)), ms(r.pct(95)), r.failures)
		results = append(results, r)
	}
	return results, nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
