// Command crashtest checks that the API loses no acknowledged write when it is
// killed: it starts the server binary on a fresh data directory, runs
// concurrent writers (sign-ups, mentor profile updates, match requests,
// introductions and accepts, touchpoints) recording every 2xx answer, kills
// the server with SIGKILL mid-load, restarts it on the same directory and
// checks through the API that every acknowledged write is there and that the
// invariants hold (no mentor above capacity, one account per e-mail, no
// introduction without its request or accepted one without its mentorship).
// It repeats that for several kill points and exits 1 on any loss. Then it
// kills the monthly digest run on the demo data at several moments and checks
// that running it again gives each lapsed member exactly one digest.
//
// Run it through scripts/crash-test, which builds the server first.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the kizuna server binary")
	dataDir := flag.String("data", "", "a fresh data directory")
	addr := flag.String("addr", "127.0.0.1:18310", "loopback address for the server")
	rounds := flag.Int("rounds", 4, "kill and restart this many times")
	logPath := flag.String("log", "", "where the server's output goes (default: discarded)")
	backup := flag.Bool("backup", true, "after the rounds, take a backup under load with `kizuna backup`, restore it into a new data directory and check it there")
	digest := flag.Bool("digest", true, "then kill the monthly digest run (`kizuna digest run`) on the demo data at several moments and check that running it again gives each lapsed member exactly one digest")
	selfCheck := flag.Bool("selfcheck", false, "prove the checks can fail: delete the database after the first kill and expect losses to be reported")
	flag.Parse()
	if *bin == "" || *dataDir == "" || !strings.HasPrefix(*addr, "127.0.0.1:") {
		fmt.Fprintln(os.Stderr, "usage: crashtest -bin PATH -data DIR [-addr 127.0.0.1:PORT] [-rounds N]")
		os.Exit(2)
	}
	t := &tester{bin: *bin, dataDir: *dataDir, base: "http://" + *addr, addr: *addr, logPath: *logPath, selfCheck: *selfCheck, backup: *backup && !*selfCheck, digest: *digest && !*selfCheck,
		http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if *selfCheck {
		*rounds = 1
	}
	err := t.run(*rounds)
	if *selfCheck {
		if err == nil {
			fmt.Fprintln(os.Stderr, "selfcheck FAILED: the database was deleted and no loss was reported")
			os.Exit(1)
		}
		fmt.Printf("selfcheck passed: with the database deleted the check reports: %.300s...\n", err)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash-test FAILED:", err)
		os.Exit(1)
	}
}

const (
	mentorCount  = 8
	founderCount = 8
	capacity     = 3
	password     = "crash-test-passphrase-2026"
)

type tester struct {
	bin, dataDir, base, addr, logPath string
	selfCheck, backup, digest         bool
	http                              *http.Client
	server                            *exec.Cmd
	l                                 ledger
	mentors, founders                 []*actor
	cutShort                          int // deletions sent, unanswered at a kill, found finished after the restart
}

type actor struct {
	ID, Email, Token string
}

// ledger is every acknowledged write.
type ledger struct {
	mu          sync.Mutex
	users       []*actor
	profiles    map[string]profileAck // mentor id -> last acknowledged update
	requests    map[string]*actor     // request id -> founder
	intros      map[string]*actor     // introduction id -> founder
	mentorships map[string]*actor     // mentorship id -> founder
	touchpoints map[string][]string   // mentorship id -> touchpoint ids
	counts      map[string]int        // kind -> acknowledged this round
	open        map[string][]string   // founder id -> active mentorship ids (for touchpoints)
	tokens      map[string]*actor     // mentor id -> mentor
	deletions   []*deletion           // accounts whose deletion was sent
}

// deletion is a founder with a pending introduction who deleted their
// account; acked once the server answered 204.
type deletion struct {
	who      *actor
	intro    string // their pending introduction ("" when it was not made)
	mentor   *actor
	acked    bool
	verified bool // checked once already (their address is taken again since)
}

type profileAck struct {
	version  int64
	headline string
}

func (l *ledger) ack(kind string, f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
	l.counts[kind]++
}

func (t *tester) run(rounds int) error {
	start := time.Now()
	t.l = ledger{profiles: map[string]profileAck{}, requests: map[string]*actor{}, intros: map[string]*actor{},
		mentorships: map[string]*actor{}, touchpoints: map[string][]string{}, counts: map[string]int{},
		open: map[string][]string{}, tokens: map[string]*actor{}}
	if err := t.start(); err != nil {
		return err
	}
	defer t.kill()
	if err := t.setup(); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := 1; round <= rounds; round++ {
		// Kill points spread over the load: earlier and later each round.
		killAfter := 600*time.Millisecond + time.Duration(round)*400*time.Millisecond + time.Duration(rng.IntN(300))*time.Millisecond
		t.l.counts = map[string]int{}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		t.load(ctx, &wg, round)
		time.Sleep(killAfter)
		t.kill()
		stop()
		wg.Wait()
		acked := t.l.counts
		if t.selfCheck {
			if err := os.RemoveAll(filepath.Join(t.dataDir, "db")); err != nil {
				return err
			}
		}
		if err := t.start(); err != nil {
			return fmt.Errorf("round %d: restart: %w", round, err)
		}
		verified, err := t.verify()
		if err != nil {
			return fmt.Errorf("round %d (killed after %v): %w", round, killAfter.Round(time.Millisecond), err)
		}
		mails, err := t.checkMail()
		if err != nil {
			return fmt.Errorf("round %d (killed after %v): %w", round, killAfter.Round(time.Millisecond), err)
		}
		fmt.Printf("round %d: every promised mail delivered after restart (%d: a verification mail per acknowledged sign-up, a mail per acknowledged introduction)\n", round, mails)
		fmt.Printf("round %d: SIGKILL after %v of load; acknowledged %d sign-ups, %d profile updates, %d match requests, %d introductions, %d accepts, %d touchpoints, %d account deletions (%d more sent); after restart found all %d acknowledged objects so far (each mentor's profile at or past its last acknowledged version), every deleted account gone and its introduction withdrawn; invariants hold\n",
			round, killAfter.Round(time.Millisecond), acked["signup"], acked["profile"], acked["request"], acked["intro"], acked["accept"], acked["touchpoint"], acked["deletion"], acked["deletion-sent"]-acked["deletion"], verified)
	}
	if t.backup {
		if err := t.backupRound(); err != nil {
			return fmt.Errorf("backup round: %w", err)
		}
	}
	if t.digest {
		t.kill() // the demo seed serves on the same address
		if err := t.digestRounds(rng); err != nil {
			return fmt.Errorf("digest rounds: %w", err)
		}
	}
	resumed := 0
	if t.logPath != "" {
		// The server says so when it finished deletions a kill interrupted
		// in the middle (marker written, steps not all run).
		if raw, err := os.ReadFile(t.logPath); err == nil {
			resumed = strings.Count(string(raw), "account deletions cut short by the last shutdown finished")
		}
	}
	fmt.Printf("crash-test passed: %d rounds, no acknowledged write lost, %d account deletions unanswered at a kill found finished after the restart (%d restarts finished a deletion the kill interrupted in the middle), in %v\n",
		rounds, t.cutShort, resumed, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// backupRound takes a backup with `kizuna backup` while the writers run,
// restores it with `kizuna restore` into a new data directory (with the JWT
// secret, which is not in the database), serves that and checks that every
// write acknowledged before the backup began is in it and the invariants
// hold there too.
func (t *tester) backupRound() error {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.load(ctx, &wg, 1000)
	time.Sleep(time.Second) // let the writers get going: the backup is taken under load
	before := t.l.clone()
	file := filepath.Join(filepath.Dir(t.dataDir), "backup.sqlite")
	started := time.Now()
	out, err := t.command(t.dataDir, "backup", file)
	took := time.Since(started)
	stop()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("kizuna backup: %w: %s", err, out)
	}
	fmt.Printf("backup under load: %s", out)
	t.kill()
	restored := filepath.Join(filepath.Dir(t.dataDir), "restored")
	if err := os.MkdirAll(restored, 0o700); err != nil {
		return err
	}
	secret, err := os.ReadFile(filepath.Join(t.dataDir, "jwt-secret"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(restored, "jwt-secret"), secret, 0o600); err != nil {
		return err
	}
	if out, err := t.command(restored, "restore", file); err != nil {
		return fmt.Errorf("kizuna restore: %w: %s", err, out)
	}
	t.dataDir = restored
	t.l.mu.Lock()
	t.l.users, t.l.profiles, t.l.requests, t.l.intros = before.users, before.profiles, before.requests, before.intros
	t.l.mentorships, t.l.touchpoints, t.l.counts, t.l.open, t.l.tokens = before.mentorships, before.touchpoints, before.counts, before.open, before.tokens
	t.l.mu.Unlock()
	if err := t.start(); err != nil {
		return err
	}
	n, err := t.verify()
	if err != nil {
		return err
	}
	fmt.Printf("backup taken in %v under load, restored into a new directory: all %d objects acknowledged before it are there; invariants hold\n", took.Round(time.Millisecond), n)
	return nil
}

// command runs the server binary's storage command on dataDir.
func (t *tester) command(dataDir string, args ...string) ([]byte, error) {
	cmd := exec.Command(t.bin, args...)
	cmd.Env = append(t.env(), "KIZUNA_DATA_DIR="+dataDir)
	return cmd.CombinedOutput()
}

// clone copies the ledger as it is now.
func (l *ledger) clone() *ledger {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &ledger{users: slices.Clone(l.users), profiles: maps.Clone(l.profiles), requests: maps.Clone(l.requests),
		intros: maps.Clone(l.intros), mentorships: maps.Clone(l.mentorships), touchpoints: map[string][]string{},
		counts: maps.Clone(l.counts), open: map[string][]string{}, tokens: maps.Clone(l.tokens)}
	for k, v := range l.touchpoints {
		c.touchpoints[k] = slices.Clone(v)
	}
	for k, v := range l.open {
		c.open[k] = slices.Clone(v)
	}
	return c
}

// start runs the server on the data directory and waits until it is ready.
func (t *tester) start() error { return t.startOn(t.dataDir) }

// startOn runs the server on dataDir, with env added to its environment,
// and waits until it is ready.
func (t *tester) startOn(dataDir string, env ...string) error {
	cmd := exec.Command(t.bin)
	cmd.Env = append(t.env(), "KIZUNA_DATA_DIR="+dataDir, "KIZUNA_HTTP_ADDR="+t.addr, "KIZUNA_AUTH_RATE_PER_MINUTE=100000", "KIZUNA_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	if t.logPath != "" {
		f, err := os.OpenFile(t.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	t.server = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := t.http.Get(t.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server not ready within 60 s")
}

// env is this process's environment without Kizuna's settings.
func (t *tester) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KIZUNA_") && !strings.HasPrefix(kv, "MONGODB_URI=") {
			env = append(env, kv)
		}
	}
	return env
}

// kill ends the server with SIGKILL: no shutdown, no flush.
func (t *tester) kill() {
	if t.server == nil {
		return
	}
	_ = t.server.Process.Signal(syscall.SIGKILL)
	_ = t.server.Wait()
	t.server = nil
	t.http.CloseIdleConnections()
}

// call sends a JSON request and decodes a 2xx answer into out.
func (t *tester) call(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := t.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err // cut off: not acknowledged
	}
	if res.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, nil
}

type authBody struct {
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Tokens struct {
		AccessToken string `json:"accessToken"`
	} `json:"tokens"`
}

func (t *tester) register(ctx context.Context, email string, roles ...string) (*actor, error) {
	var out authBody
	if _, err := t.call(ctx, http.MethodPost, "/v1/auth/register", "", map[string]any{
		"email": email, "password": password, "displayName": "耐障害テスト", "roles": roles,
	}, &out); err != nil {
		return nil, err
	}
	return &actor{ID: out.User.ID, Email: email, Token: out.Tokens.AccessToken}, nil
}

func mentorProfile(headline string) map[string]any {
	return map[string]any{
		"headline": headline, "bio": "帯広で販路開拓を手伝っています。", "topics": []string{"sales"}, "tags": []string{},
		"industries": []string{"食品"}, "location": map[string]any{"municipalityCode": "01207"}, "travelKm": 30,
		"modes": []string{"in_person", "online"}, "languages": []string{"ja"}, "capacity": capacity,
		"acceptingRequests": true, "yearsExperience": 10, "stakes": []string{}, "independent": true,
	}
}

type profileBody struct {
	Version  int64  `json:"version"`
	Headline string `json:"headline"`
}

// setup signs up the mentors and founders the writers act as.
func (t *tester) setup() error {
	ctx := context.Background()
	for i := range mentorCount {
		m, err := t.register(ctx, fmt.Sprintf("mentor%d@crash.kizuna.example", i), "mentor")
		if err != nil {
			return err
		}
		if err := t.verifyEmail(ctx, m); err != nil { // only proven mentors are listed
			return err
		}
		var p profileBody
		if _, err := t.call(ctx, http.MethodPut, "/v1/me/mentor-profile", m.Token, mentorProfile("v0"), &p); err != nil {
			return err
		}
		t.mentors = append(t.mentors, m)
		t.l.users = append(t.l.users, m)
		t.l.profiles[m.ID] = profileAck{p.Version, p.Headline}
		t.l.tokens[m.ID] = m
	}
	for i := range founderCount {
		f, err := t.register(ctx, fmt.Sprintf("founder%d@crash.kizuna.example", i), "founder")
		if err != nil {
			return err
		}
		if err := t.verifyEmail(ctx, f); err != nil { // only proven founders introduce
			return err
		}
		if _, err := t.call(ctx, http.MethodPut, "/v1/me/founder-profile", f.Token, map[string]any{
			"companyName": "十勝チーズ工房", "stage": "seed", "industry": "食品製造",
			"location": map[string]any{"municipalityCode": "01207"}, "topicsNeeded": []string{"sales"},
			"bio": "帯広でチーズを作っています。", "website": "https://tokachi.example.jp",
		}, nil); err != nil {
			return err
		}
		t.founders = append(t.founders, f)
		t.l.users = append(t.l.users, f)
	}
	return nil
}

// load starts the writers; they stop when ctx ends.
func (t *tester) load(ctx context.Context, wg *sync.WaitGroup, round int) {
	wg.Go(func() { // sign-ups
		for n := 0; ctx.Err() == nil; n++ {
			a, err := t.register(ctx, fmt.Sprintf("r%d-%d@crash.kizuna.example", round, n), "founder")
			if err == nil {
				t.l.ack("signup", func() { t.l.users = append(t.l.users, a) })
			}
		}
	})
	for w := range 2 { // profile updates, each mentor by one writer
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				m := t.mentors[(w+2*n)%len(t.mentors)]
				var p profileBody
				if _, err := t.call(ctx, http.MethodPut, "/v1/me/mentor-profile", m.Token, mentorProfile(fmt.Sprintf("r%d-w%d-%d", round, w, n)), &p); err == nil {
					t.l.ack("profile", func() { t.l.profiles[m.ID] = profileAck{p.Version, p.Headline} })
				}
			}
		})
	}
	wg.Go(func() { // account deletions, each with a pending introduction
		rng := rand.New(rand.NewPCG(uint64(round), 99))
		for n := 0; ctx.Err() == nil; n++ {
			t.deletionStep(ctx, fmt.Sprintf("d%d-%d@crash.kizuna.example", round, n), rng)
		}
	})
	for w := range 2 { // requests, introductions, accepts, touchpoints
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
			for n := 0; ctx.Err() == nil; n++ {
				t.founderStep(ctx, t.founders[(w+2*n)%len(t.founders)], rng)
			}
		})
	}
}

// deletionStep signs a founder up, has them ask a mentor for an
// introduction, then delete their account.
func (t *tester) deletionStep(ctx context.Context, email string, rng *rand.Rand) {
	d, err := t.register(ctx, email, "founder")
	if err != nil || t.verifyEmail(ctx, d) != nil { // only proven founders introduce
		return
	}
	if _, err := t.call(ctx, http.MethodPut, "/v1/me/founder-profile", d.Token, map[string]any{
		"companyName": "消える工房", "stage": "idea", "industry": "食品製造",
		"location": map[string]any{"municipalityCode": "01207"}, "topicsNeeded": []string{"sales"},
		"bio": "退会する予定です。", "website": "https://leaving.example.jp",
	}, nil); err != nil {
		return
	}
	rec := &deletion{who: d, mentor: t.mentors[rng.IntN(len(t.mentors))]}
	var r struct {
		Request struct {
			ID string `json:"id"`
		} `json:"request"`
	}
	if _, err := t.call(ctx, http.MethodPost, "/v1/match-requests", d.Token, map[string]any{"topics": []string{"sales"}, "radiusKm": 50}, &r); err == nil {
		var in struct {
			ID string `json:"id"`
		}
		if _, err := t.call(ctx, http.MethodPost, "/v1/match-requests/"+r.Request.ID+"/introductions", d.Token, map[string]any{"mentorId": rec.mentor.ID}, &in); err == nil {
			rec.intro = in.ID
		}
	}
	t.l.ack("deletion-sent", func() { t.l.deletions = append(t.l.deletions, rec) })
	if _, err := t.call(ctx, http.MethodDelete, "/v1/me", d.Token, map[string]any{"password": password}, nil); err == nil {
		t.l.ack("deletion", func() { rec.acked = true })
	}
}

// verifyDeletion checks one deletion after a restart: acknowledged, or cut
// short (the server finishes those before serving), the account is gone
// (its sign-in refused, its address free again) and its pending
// introduction withdrawn; a deletion the kill stopped before it began
// leaves the account whole, never half-deleted.
func (t *tester) verifyDeletion(ctx context.Context, d *deletion) error {
	status, _ := t.call(ctx, http.MethodPost, "/v1/auth/login", "", map[string]any{"email": d.who.Email, "password": password}, nil)
	switch {
	case status == http.StatusOK && !d.acked:
		return nil // never began
	case status == http.StatusOK:
		return fmt.Errorf("the acknowledged deletion of %s is undone: it signs in", d.who.Email)
	case status != http.StatusUnauthorized:
		return fmt.Errorf("signing in as deleted %s answered %d", d.who.Email, status)
	}
	if !d.acked {
		t.cutShort++
	}
	if status, err := t.call(ctx, http.MethodPost, "/v1/auth/register", "", map[string]any{
		"email": d.who.Email, "password": password, "displayName": "再登録", "roles": []string{}}, nil); status != http.StatusCreated {
		return fmt.Errorf("the address of deleted %s is not free again (a deletion left half done?): %v", d.who.Email, err)
	}
	if d.intro != "" {
		var in struct {
			Status string `json:"status"`
		}
		if _, err := t.call(ctx, http.MethodGet, "/v1/introductions/"+d.intro, d.mentor.Token, nil, &in); err != nil {
			return fmt.Errorf("the introduction of deleted %s: %w", d.who.Email, err)
		}
		if in.Status != "withdrawn" && in.Status != "expired" {
			return fmt.Errorf("the introduction of deleted %s is %s, want withdrawn", d.who.Email, in.Status)
		}
	}
	return nil
}

// founderStep asks for a match, introduces a mentor who accepts, and records
// contact on an active mentorship.
func (t *tester) founderStep(ctx context.Context, f *actor, rng *rand.Rand) {
	var r struct {
		Request struct {
			ID string `json:"id"`
		} `json:"request"`
	}
	if _, err := t.call(ctx, http.MethodPost, "/v1/match-requests", f.Token, map[string]any{"topics": []string{"sales"}, "radiusKm": 50}, &r); err != nil {
		return
	}
	t.l.ack("request", func() { t.l.requests[r.Request.ID] = f })
	m := t.mentors[rng.IntN(len(t.mentors))]
	var in struct {
		ID string `json:"id"`
	}
	if _, err := t.call(ctx, http.MethodPost, "/v1/match-requests/"+r.Request.ID+"/introductions", f.Token, map[string]any{"mentorId": m.ID}, &in); err == nil {
		t.l.ack("intro", func() { t.l.intros[in.ID] = f })
		var acc struct {
			MentorshipID string `json:"mentorshipId"`
		}
		if _, err := t.call(ctx, http.MethodPost, "/v1/introductions/"+in.ID+"/accept", m.Token, map[string]any{}, &acc); err == nil {
			t.l.ack("accept", func() {
				t.l.mentorships[acc.MentorshipID] = f
				t.l.open[f.ID] = append(t.l.open[f.ID], acc.MentorshipID)
			})
		}
	}
	t.l.mu.Lock()
	open := t.l.open[f.ID]
	t.l.mu.Unlock()
	for _, ms := range open {
		var tp struct {
			ID string `json:"id"`
		}
		if _, err := t.call(ctx, http.MethodPost, "/v1/mentorships/"+ms+"/touchpoints", f.Token, map[string]any{"kind": "call", "durationMinutes": 15, "summary": "近況"}, &tp); err == nil {
			t.l.ack("touchpoint", func() { t.l.touchpoints[ms] = append(t.l.touchpoints[ms], tp.ID) })
		}
	}
}

// verify checks every acknowledged write and the invariants through the API,
// and returns how many writes it checked.
func (t *tester) verify() (int, error) {
	ctx := context.Background()
	l := &t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Accounts, and one account per e-mail: signing up again is refused.
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 2)
	for _, u := range l.users {
		n++
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var me struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			}
			_, err := t.call(ctx, http.MethodGet, "/v1/me", u.Token, nil, &me)
			if err == nil && (me.ID != u.ID || me.Email != u.Email) {
				err = fmt.Errorf("account %s is %s/%s after restart", u.Email, me.ID, me.Email)
			}
			// Signing up again is refused, or (with the same password, within
			// minutes: a retry whose answer was lost) answered with the same
			// account; never a second account.
			var again authBody
			status, _ := t.call(ctx, http.MethodPost, "/v1/auth/register", "", map[string]any{
				"email": u.Email, "password": password, "displayName": "重複", "roles": []string{"founder"}}, &again)
			if err == nil && status != http.StatusConflict && (status != http.StatusCreated || again.User.ID != u.ID) {
				err = fmt.Errorf("signing up again as %s answered %d (account %q), want 409 email_taken or account %s", u.Email, status, again.User.ID, u.ID)
			}
			mu.Lock()
			check(err)
			mu.Unlock()
		})
	}
	wg.Wait()
	for id, want := range l.profiles {
		n++
		var p profileBody
		_, err := t.call(ctx, http.MethodGet, "/v1/me/mentor-profile", l.tokens[id].Token, nil, &p)
		// A write in flight at the kill may have landed after the last
		// acknowledged one; an older state is a lost write.
		if err == nil && (p.Version < want.version || p.Version == want.version && p.Headline != want.headline) {
			err = fmt.Errorf("mentor %s profile at version %d %q, acknowledged version %d %q", id, p.Version, p.Headline, want.version, want.headline)
		}
		check(err)
	}
	for id, f := range l.requests {
		n++
		_, err := t.call(ctx, http.MethodGet, "/v1/match-requests/"+id, f.Token, nil, nil)
		check(err)
	}
	for id, f := range l.intros {
		n++
		_, err := t.call(ctx, http.MethodGet, "/v1/introductions/"+id, f.Token, nil, nil)
		check(err)
	}
	for id, f := range l.mentorships {
		n++
		_, err := t.call(ctx, http.MethodGet, "/v1/mentorships/"+id, f.Token, nil, nil)
		check(err)
	}
	for ms, ids := range l.touchpoints {
		n += len(ids)
		have := map[string]bool{}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		for cursor := ""; ; cursor = page.NextCursor {
			page.NextCursor = ""
			if _, err := t.call(ctx, http.MethodGet, "/v1/mentorships/"+ms+"/touchpoints?limit=100&cursor="+cursor, l.mentorships[ms].Token, nil, &page); err != nil {
				check(err)
				break
			}
			for _, it := range page.Items {
				have[it.ID] = true
			}
			if page.NextCursor == "" {
				break
			}
		}
		for _, id := range ids {
			if !have[id] {
				check(fmt.Errorf("touchpoint %s of mentorship %s lost", id, ms))
			}
		}
	}
	// No mentor above capacity.
	for _, m := range t.mentors {
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		_, err := t.call(ctx, http.MethodGet, "/v1/mentorships?status=active&limit=100", m.Token, nil, &list)
		if err == nil && len(list.Items) > capacity {
			err = fmt.Errorf("mentor %s has %d active mentorships, capacity %d", m.ID, len(list.Items), capacity)
		}
		check(err)
	}
	// No orphaned introductions: each has its request, and an accepted one its mentorship.
	for _, f := range t.founders {
		var page struct {
			Items []struct {
				ID           string `json:"id"`
				RequestID    string `json:"requestId"`
				Status       string `json:"status"`
				MentorshipID string `json:"mentorshipId"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		for cursor := ""; ; cursor = page.NextCursor {
			page.NextCursor = ""
			if _, err := t.call(ctx, http.MethodGet, "/v1/introductions?as=founder&limit=100&cursor="+cursor, f.Token, nil, &page); err != nil {
				check(err)
				break
			}
			for _, in := range page.Items {
				if _, err := t.call(ctx, http.MethodGet, "/v1/match-requests/"+in.RequestID, f.Token, nil, nil); err != nil {
					check(fmt.Errorf("introduction %s: its request: %w", in.ID, err))
				}
				if in.Status == "accepted" {
					if in.MentorshipID == "" {
						check(fmt.Errorf("accepted introduction %s has no mentorship", in.ID))
					} else if _, err := t.call(ctx, http.MethodGet, "/v1/mentorships/"+in.MentorshipID, f.Token, nil, nil); err != nil {
						check(fmt.Errorf("accepted introduction %s: its mentorship: %w", in.ID, err))
					}
				}
			}
			if page.NextCursor == "" {
				break
			}
		}
	}
	for _, d := range l.deletions {
		if d.verified {
			continue
		}
		n++
		d.verified = true
		check(t.verifyDeletion(ctx, d))
	}
	if len(errs) > 0 {
		if len(errs) > 20 {
			errs = append(errs[:20], fmt.Errorf("... and %d more", len(errs)-20))
		}
		return n, errors.Join(errs...)
	}
	return n, nil
}
