package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one parsed /metrics answer.
type scrape map[string]*dto.MetricFamily

func parseScrape(t testing.TB, body []byte) scrape {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, body)
	}
	return fams
}

// metrics scrapes the app's /metrics through the router.
func (ta *testApp) metrics() scrape {
	ta.t.Helper()
	return parseScrape(ta.t, ta.get("/metrics", "").want(http.StatusOK).Body)
}

// series returns the samples of name whose labels include labels.
func (s scrape) series(name string, labels map[string]string) []*dto.Metric {
	fam, ok := s[name]
	if !ok {
		return nil
	}
	var out []*dto.Metric
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			if have[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// value is the value of the one counter or gauge series of name with labels;
// the test fails when there is not exactly one.
func (s scrape) value(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	ms := s.series(name, labels)
	if len(ms) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, labels, len(ms))
	}
	switch {
	case ms[0].Counter != nil:
		return ms[0].Counter.GetValue()
	case ms[0].Gauge != nil:
		return ms[0].Gauge.GetValue()
	}
	t.Fatalf("%s is neither a counter nor a gauge", name)
	return 0
}

// histogram is the sample count and sum of the one histogram series of name
// with labels.
func (s scrape) histogram(t testing.TB, name string, labels map[string]string) (count uint64, sum float64) {
	t.Helper()
	ms := s.series(name, labels)
	if len(ms) != 1 || ms[0].Histogram == nil {
		t.Fatalf("%s%v: %d histogram series, want 1", name, labels, len(ms))
	}
	return ms[0].Histogram.GetSampleCount(), ms[0].Histogram.GetSampleSum()
}

// After a few requests /metrics holds the request, database, index and job
// series with the values those requests imply.
func TestMetricsAfterRequests(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newMentor("計測の先輩", "01101", "sales")
	f := ta.newFounder("計測の創業者", "01207")
	ta.get("/v1/me", f.Access).want(http.StatusOK)
	ta.get("/v1/me", f.Access).want(http.StatusOK)
	ta.get("/v1/me", "").wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.do(req{method: "BREW", path: "/v1/coffee"}).wantProblem(http.StatusNotFound, "route_not_found")
	// One run of the real introduction job through the runner.
	ran, err := ta.app.jobs.RunOnce(context.Background(), "introductions", "slot-1", func(ctx context.Context) error {
		_, err := ta.app.mentorships.RunIntroductionJob(ctx)
		return err
	})
	if err != nil || !ran {
		t.Fatalf("job: ran=%v err=%v", ran, err)
	}

	m := ta.metrics()
	requests := func(method, route, status string) float64 {
		return m.value(t, "kizuna_http_requests_total", map[string]string{"method": method, "route": route, "status": status})
	}
	if got := requests("POST", "/v1/auth/register", "201"); got != 2 {
		t.Errorf("registrations counted %v, want 2", got)
	}
	if got := requests("GET", "/v1/me", "200"); got != 2 {
		t.Errorf("GET /v1/me 200 counted %v, want 2", got)
	}
	if got := requests("GET", "/v1/me", "401"); got != 1 {
		t.Errorf("GET /v1/me 401 counted %v, want 1", got)
	}
	// Unknown methods and paths do not become label values.
	if got := requests("other", "unmatched", "404"); got != 1 {
		t.Errorf("unknown route counted %v, want 1", got)
	}
	if n, sum := m.histogram(t, "kizuna_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/v1/me", "status": "200"}); n != 2 || sum <= 0 || sum > 10 {
		t.Errorf("GET /v1/me latency: %d samples summing %vs", n, sum)
	}
	// The scrape itself is the one request in flight.
	if got := m.value(t, "kizuna_http_requests_in_flight", nil); got != 1 {
		t.Errorf("in flight %v during the scrape, want 1", got)
	}

	// Database commands by collection and operation: the sign-ups inserted users.
	if n, sum := m.histogram(t, "kizuna_db_command_duration_seconds", map[string]string{"collection": "users", "operation": "insert"}); n < 2 || sum <= 0 {
		t.Errorf("user inserts: %d samples summing %vs, want at least 2", n, sum)
	}
	if len(m.series("kizuna_db_command_duration_seconds", map[string]string{"collection": "mentor_profiles"})) == 0 {
		t.Errorf("no command on mentor_profiles timed: %v", m["kizuna_db_command_duration_seconds"])
	}
	for _, s := range m.series("kizuna_db_command_duration_seconds", nil) {
		for _, l := range s.GetLabel() {
			if l.GetValue() == "" {
				t.Errorf("empty label %s in %v", l.GetName(), s)
			}
		}
	}

	if got := m.value(t, "kizuna_match_index_mentors", nil); got != 1 {
		t.Errorf("index holds %v mentors, want 1", got)
	}
	// The embedded server's only writer is this process: no lag, whatever the clock says.
	ta.clock.Advance(time.Hour)
	if got := ta.metrics().value(t, "kizuna_match_index_refresh_lag_seconds", nil); got != 0 {
		t.Errorf("embedded index lag %v, want 0", got)
	}

	if got := m.value(t, "kizuna_job_runs_total", map[string]string{"job": "introductions"}); got != 1 {
		t.Errorf("job runs %v, want 1", got)
	}
	if n, _ := m.histogram(t, "kizuna_job_duration_seconds", map[string]string{"job": "introductions"}); n != 1 {
		t.Errorf("job durations %d, want 1", n)
	}
	if got := m.value(t, "kizuna_job_failures_total", map[string]string{"job": "introductions"}); got != 0 {
		t.Errorf("job failures %v, want 0", got)
	}
	if len(m.series("go_goroutines", nil)) != 1 || len(m.series("process_resident_memory_bytes", nil)) != 1 {
		t.Errorf("runtime and process series missing")
	}
}

// An instance on MongoDB (here: a second instance pointed at the first one's
// server) lags by the time since its index last synced.
func TestIndexRefreshLag(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	b := a.secondInstance()
	lag := func() float64 {
		return b.metrics().value(t, "kizuna_match_index_refresh_lag_seconds", nil)
	}
	if got := lag(); got != 0 {
		t.Fatalf("lag %v right after loading, want 0", got)
	}
	a.newMentor("Aで登録", "01101", "sales")
	a.clock.Advance(90 * time.Second)
	if got := lag(); got != 90 {
		t.Fatalf("lag %v after 90 s without a sync, want 90", got)
	}
	if got := b.metrics().value(t, "kizuna_match_index_mentors", nil); got != 0 {
		t.Fatalf("B indexed %v mentors before syncing, want 0", got)
	}
	must(t, b.app.profiles.SyncIndex(context.Background()))
	m := b.metrics()
	if got := m.value(t, "kizuna_match_index_refresh_lag_seconds", nil); got != 0 {
		t.Fatalf("lag %v after a sync, want 0", got)
	}
	if got := m.value(t, "kizuna_match_index_mentors", nil); got != 1 {
		t.Fatalf("B indexed %v mentors after syncing, want 1", got)
	}
}

// With KIZUNA_METRICS_ADDR, /metrics is served there and not on the public port.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	env := map[string]string{
		"KIZUNA_DATA_DIR":     t.TempDir(),
		"KIZUNA_HTTP_ADDR":    "127.0.0.1:0",
		"KIZUNA_METRICS_ADDR": "127.0.0.1:0",
	}
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, pw)
		pw.Close()
	}()
	addrs := waitForAddrs(t, pr, "metrics listening", "listening")
	public, private := "http://"+addrs["listening"], "http://"+addrs["metrics listening"]

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		must(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp.StatusCode, string(body)
	}
	if code, _ := get(public + "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d", code)
	}
	if code, body := get(public + "/metrics"); code != http.StatusNotFound || !strings.Contains(body, "route_not_found") {
		t.Fatalf("public /metrics: %d %s", code, body)
	}
	code, body := get(private + "/metrics")
	if code != http.StatusOK {
		t.Fatalf("metrics listener: %d %s", code, body)
	}
	m := parseScrape(t, []byte(body))
	if got := m.value(t, "kizuna_http_requests_total", map[string]string{"route": "/healthz", "status": "200"}); got != 1 {
		t.Errorf("healthz counted %v on the metrics listener, want 1", got)
	}
	// The public port's 404 for /metrics is counted as an unmatched route.
	if got := m.value(t, "kizuna_http_requests_total", map[string]string{"route": "unmatched", "status": "404"}); got != 1 {
		t.Errorf("public /metrics counted %v as unmatched, want 1", got)
	}
	// The metrics listener serves nothing else.
	if code, _ := get(private + "/healthz"); code != http.StatusNotFound {
		t.Errorf("metrics listener served /healthz: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := http.Get(private + "/metrics"); err == nil {
		t.Errorf("metrics listener still open after shutdown")
	}
}

func TestMetricsAddrMustBeHostPort(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(func(k string) string {
		if k == "KIZUNA_METRICS_ADDR" {
			return "9090"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "KIZUNA_METRICS_ADDR") {
		t.Fatalf("KIZUNA_METRICS_ADDR=9090 accepted: %v", err)
	}
}

// waitForAddrs reads run's JSON log until every message in msgs has been
// logged with an address, and returns the addresses by message. It keeps
// draining the log afterwards so run never blocks on it.
func waitForAddrs(t *testing.T, r io.Reader, msgs ...string) map[string]string {
	t.Helper()
	want := map[string]bool{}
	for _, m := range msgs {
		want[m] = true
	}
	got := map[string]string{}
	sc := bufio.NewScanner(r)
	for len(got) < len(want) && sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && want[line.Msg] {
			got[line.Msg] = line.Addr
		}
	}
	if len(got) < len(want) {
		t.Fatalf("server logged %v, want addresses for %v: %v", got, msgs, sc.Err())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return got
}

// logLine is one JSON log line.
type logLine map[string]any

func (ta *testApp) logLines() []logLine {
	ta.t.Helper()
	var out []logLine
	for _, raw := range bytes.Split(bytes.TrimSpace(ta.logs.Bytes()), []byte("\n")) {
		var l logLine
		if err := json.Unmarshal(raw, &l); err != nil {
			ta.t.Fatalf("log line is not JSON: %s", raw)
		}
		out = append(out, l)
	}
	return out
}

// Every line logged while serving a request, by the HTTP layer or by a
// domain package, carries the request's id: the caller's or a generated one.
func TestRequestLogLinesCarryTheRequestID(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("ログ", "founder")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).want(http.StatusOK)
	before := len(ta.logLines())
	// Replaying a rotated refresh token makes package accounts warn.
	ta.do(req{method: http.MethodPost, path: "/v1/auth/refresh", body: map[string]string{"refreshToken": acc.Refresh},
		headers: map[string]string{"X-Request-ID": "replay-1"}}).wantProblem(http.StatusUnauthorized, "refresh_token_reused")
	generated := ta.get("/v1/nowhere", "").Header.Get("X-Request-ID")

	lines := ta.logLines()[before:]
	var sawWarning, sawReplay, sawGenerated bool
	for _, l := range lines {
		id, _ := l["requestId"].(string)
		switch {
		case id == "":
			t.Errorf("log line of a request without its id: %v", l)
		case l["msg"] == "refresh token reused; family revoked":
			sawWarning = id == "replay-1"
		case l["msg"] == "request" && l["route"] == "/v1/auth/refresh":
			sawReplay = id == "replay-1"
		case l["msg"] == "request" && l["route"] == "unmatched":
			sawGenerated = id == generated && generated != ""
		}
	}
	if !sawWarning || !sawReplay || !sawGenerated {
		t.Fatalf("domain warning %v, request line %v, generated id %v; lines: %v", sawWarning, sawReplay, sawGenerated, lines)
	}
}

// A whole flow at debug level (sign-up, sign-in, refresh, profiles, a match
// request, an introduction accepted, a touchpoint, a password change) leaves
// no password, token, JWT secret or Authorization header in the logs.
func TestFullFlowLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.LogLevel = slog.LevelDebug })
	secrets := []string{testPassword}
	keep := func(a account) account {
		secrets = append(secrets, a.Access, a.Refresh, "Bearer "+a.Access)
		return a
	}
	m := keep(ta.newMentor("秘密の先輩", "01631", "sales"))
	f := keep(ta.signUp("秘密の創業者", "founder"))
	f = keep(ta.login(f.Email, testPassword))
	rotated := f.Refresh
	var refreshed struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": f.Refresh}).want(http.StatusOK).decode(&refreshed)
	f.Access, f.Refresh = refreshed.AccessToken, refreshed.RefreshToken
	keep(f)
	ta.put("/v1/me/founder-profile", f.Access, founderProfile("01207")).want(http.StatusCreated)
	ta.get("/v1/me", f.Access).want(http.StatusOK)
	ta.get("/v1/match-suggestions?topic=sales", f.Access).want(http.StatusOK)
	r := ta.openRequest(f, "sales")
	in := ta.introduce(f, r.Request.ID, m.ID)
	var accepted introBody
	ta.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).want(http.StatusOK).decode(&accepted)
	ta.touch(f, accepted.MentorshipID)
	const newPassword = "a-brand-new-passphrase-2026"
	secrets = append(secrets, newPassword)
	ta.post("/v1/me/password", f.Access, map[string]string{"currentPassword": testPassword, "newPassword": newPassword}).want(http.StatusNoContent)
	keep(ta.login(f.Email, newPassword))
	// Failures log too: a wrong password and a replayed refresh token.
	ta.post("/v1/auth/login", "", map[string]string{"email": f.Email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": rotated}).wantProblem(http.StatusUnauthorized, "refresh_token_reused")

	jwtSecret, err := os.ReadFile(filepath.Join(ta.dataDir, "jwt-secret"))
	must(t, err)
	secrets = append(secrets, strings.TrimSpace(string(jwtSecret)))

	logs := ta.logs.String()
	for _, route := range []string{"/v1/auth/login", "/v1/auth/refresh", "/v1/me/password", "/v1/introductions/:id/accept", "/v1/mentorships/:id/touchpoints"} {
		if !strings.Contains(logs, `"route":"`+route+`"`) {
			t.Fatalf("%s is not logged: the test would prove nothing", route)
		}
	}
	for i, s := range secrets {
		if s == "" {
			t.Fatalf("secret %d is empty", i)
		}
		if strings.Contains(logs, s) {
			t.Errorf("logs contain secret %d (%.12s...)", i, s)
		}
	}
}

// A signed-in caller's own account is served from memory: on the embedded
// server every read scans the whole users collection, so GET /v1/me must not
// read it. Changes through the API are seen at once.
func TestOwnAccountReadsNoDatabase(t *testing.T) {
	ta := newTestApp(t)
	a := ta.signUp("由紀", "mentor")
	usersRead := func() uint64 {
		var n uint64
		for _, s := range ta.metrics().series("kizuna_db_command_duration_seconds", map[string]string{"collection": "users"}) {
			if op := labelValue(s, "operation"); op == "find" || op == "aggregate" {
				n += s.GetHistogram().GetSampleCount()
			}
		}
		return n
	}
	before := usersRead()
	for range 5 {
		ta.get("/v1/me", a.Access).want(http.StatusOK)
	}
	if after := usersRead(); after != before {
		t.Fatalf("5 reads of /v1/me ran %d finds on users, want 0", after-before)
	}

	ta.patch("/v1/me", a.Access, map[string]any{"displayName": "佐藤 由紀", "phone": "090-1234-5678"}).want(http.StatusOK)
	var me struct {
		DisplayName string `json:"displayName"`
		Phone       string `json:"phone"`
	}
	ta.get("/v1/me", a.Access).want(http.StatusOK).decode(&me)
	if me.DisplayName != "佐藤 由紀" || me.Phone != "090-1234-5678" {
		t.Fatalf("after PATCH, GET /v1/me = %+v", me)
	}
	// The password hash is not cached away: a change still checks the old
	// password, and the new one signs in.
	ta.post("/v1/me/password", a.Access, map[string]any{"currentPassword": "wrong-" + testPassword, "newPassword": "another-long-passphrase"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/me/password", a.Access, map[string]any{"currentPassword": testPassword, "newPassword": "another-long-passphrase"}).want(http.StatusNoContent)
	ta.login(a.Email, "another-long-passphrase")
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
