package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	code := m.Run()
	if code == 0 && wholePackageRan() {
		if !reportContractCoverage(os.Stdout) {
			code = 1
		}
	}
	os.Exit(code)
}

// fakeClock is a settable clock shared by every service of a test app.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testApp is the real program (router, services, embedded database) driven
// through httptest. Every response to a documented route is validated against
// the generated Swagger spec, so an undocumented status or a body that does not
// match its documented schema fails the test.
type testApp struct {
	t        testing.TB
	app      *app
	clock    *fakeClock
	dataDir  string
	logs     *bytes.Buffer
	logMu    *lockedWriter   // guards logs: the app logs from its own goroutines
	mailpit  *mailpit.Server // set by newMailApp: mail goes there
	stopMail func()          // stops the mail worker newMailApp started
}

// logBytes is a copy of what the app has logged so far.
func (ta *testApp) logBytes() []byte {
	ta.logMu.mu.Lock()
	defer ta.logMu.mu.Unlock()
	return bytes.Clone(ta.logs.Bytes())
}

// appSetup is what an option may change: the configuration and the test
// hooks (promoted fields, so an option writes c.AdminEmails or c.clock).
type appSetup struct {
	config
	testHooks
}

type appOption func(*appSetup)

// newTestApp starts the app on a fresh data directory (or on dir, to reopen one).
func newTestApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	return openTestApp(t, t.TempDir(), newFakeClock(), opts...)
}

func openTestApp(t testing.TB, dir string, clock *fakeClock, opts ...appOption) *testApp {
	t.Helper()
	setup := appSetup{
		config: config{
			DataDir:         dir,
			Database:        "kizuna",
			IntroExpiryDays: 14,
			LapsedDays:      90,
			AuthPerMinute:   100000, // tests sign many people up from one address; see TestAuthRateLimit
			AdminEmails:     []string{"admin@kizuna.example"},
			LogLevel:        slog.LevelInfo,
		},
		testHooks: testHooks{clock: clock, syncInterval: time.Hour}, // tests sync explicitly
	}
	// Tests sign the admin in again and again, and write fast; see TestRateLimits.
	setup.AuthEmailPerMinute, setup.PasswordPerMinute, setup.WritePerMinute = 100000, 100000, 1000000
	for _, o := range opts {
		o(&setup)
	}
	cfg := setup.config
	logs := &bytes.Buffer{}
	logMu := &lockedWriter{w: logs}
	log := slog.New(slog.NewJSONHandler(logMu, &slog.HandlerOptions{Level: cfg.LogLevel}))
	a, err := newApp(context.Background(), cfg, setup.testHooks, log)
	if err != nil {
		t.Fatalf("start app: %v\nlogs:\n%s", err, logs)
	}
	ta := &testApp{t: t, app: a, clock: clock, dataDir: dir, logs: logs, logMu: logMu}
	t.Cleanup(func() { ta.close() })
	return ta
}

var closedApps sync.Map

// close stops the app (idempotent), as a shutdown would.
func (ta *testApp) close() {
	if _, done := closedApps.LoadOrStore(ta, true); done {
		return
	}
	if err := ta.app.close(context.Background()); err != nil {
		ta.t.Errorf("close app: %v", err)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// response is a recorded response.
type response struct {
	t      testing.TB
	Code   int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem response.
func (r *response) problem() problemBody {
	r.t.Helper()
	var p problemBody
	r.decode(&p)
	return p
}

// want fails the test unless the status is code.
func (r *response) want(code int) *response {
	r.t.Helper()
	if r.Code != code {
		r.t.Fatalf("status %d, want %d; body: %s", r.Code, code, r.Body)
	}
	return r
}

// wantProblem fails unless the response is a problem with this status and code.
func (r *response) wantProblem(status int, code string) problemBody {
	r.t.Helper()
	r.want(status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("content type %q, want application/problem+json", ct)
	}
	p := r.problem()
	if p.Code != code || p.Status != status {
		r.t.Fatalf("problem %s/%d, want %s/%d: %s", p.Code, p.Status, code, status, r.Body)
	}
	return p
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// hasField reports whether the problem lists field as invalid.
func (p problemBody) hasField(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// hasFieldUnder reports whether the problem names field or one of its
// nested fields (location.municipalityCode).
func (p problemBody) hasFieldUnder(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+".") {
			return true
		}
	}
	return false
}

// req describes a request.
type req struct {
	method  string
	path    string
	body    any // marshalled to JSON unless a string or []byte
	token   string
	headers map[string]string
	from    string // the client address (host:port); httptest's 192.0.2.1:1234 when empty
}

// do serves one request through the real router and validates the response
// against the spec.
func (ta *testApp) do(r req) *response {
	ta.t.Helper()
	var body io.Reader
	var raw []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			ta.t.Fatalf("marshal body: %v", err)
		}
	}
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if raw != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	if r.from != "" {
		hr.RemoteAddr = r.from
	}
	rec := httptest.NewRecorder()
	ta.app.handler.ServeHTTP(rec, hr)
	res := &response{t: ta.t, Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if res.Code >= 500 {
		ta.t.Logf("%s %s -> %d; app logs:\n%s", r.method, r.path, res.Code, ta.logs)
	}
	validateAgainstSpec(ta.t, hr, raw, res)
	return res
}

// getLive sends a GET over the network to a served app and validates the
// answer against the spec like any other.
func getLive(t testing.TB, url string) *response {
	t.Helper()
	hr, err := http.NewRequest(http.MethodGet, url, nil)
	must(t, err)
	resp, err := http.DefaultClient.Do(hr)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	res := &response{t: t, Code: resp.StatusCode, Header: resp.Header, Body: body}
	validateAgainstSpec(t, hr, nil, res)
	return res
}

func (ta *testApp) get(path, token string) *response {
	ta.t.Helper()
	return ta.do(req{method: http.MethodGet, path: path, token: token})
}

func (ta *testApp) post(path, token string, body any) *response {
	ta.t.Helper()
	return ta.do(req{method: http.MethodPost, path: path, token: token, body: body})
}

func (ta *testApp) put(path, token string, body any) *response {
	ta.t.Helper()
	return ta.do(req{method: http.MethodPut, path: path, token: token, body: body})
}

func (ta *testApp) patch(path, token string, body any) *response {
	ta.t.Helper()
	return ta.do(req{method: http.MethodPatch, path: path, token: token, body: body})
}

func (ta *testApp) delete(path, token string) *response {
	ta.t.Helper()
	return ta.do(req{method: http.MethodDelete, path: path, token: token})
}

// loadedSpec is the served OpenAPI 3 document, and a router over it.
type loadedSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// spec is docs/openapi.json (what /openapi.json serves), loaded once, with
// every object schema closed (see closeObjectSchemas).
var spec = sync.OnceValues(func() (loadedSpec, error) {
	doc, err := openapi3.NewLoader().LoadFromFile("../docs/openapi.json")
	if err != nil {
		return loadedSpec{}, err
	}
	closeObjectSchemas(doc)
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return loadedSpec{}, fmt.Errorf("spec invalid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	return loadedSpec{doc: doc, router: router}, err
})

// validateAgainstSpec checks the status and body of a response to a documented
// route. Routes outside the API (swagger UI, metrics) are skipped; a /v1 route
// missing from the spec is an error.
func validateAgainstSpec(t testing.TB, hr *http.Request, body []byte, res *response) {
	t.Helper()
	if hr.Method == http.MethodOptions || (!strings.HasPrefix(hr.URL.Path, "/v1/") && hr.URL.Path != "/healthz" && hr.URL.Path != "/readyz") {
		return // CORS preflights and routes outside the API are not in the spec
	}
	loaded, err := spec()
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	router := loaded.router
	// The router needs an absolute URL.
	u := *hr.URL
	u.Scheme, u.Host = "http", "localhost"
	probe := hr.Clone(context.Background())
	probe.URL = &u
	if body != nil {
		probe.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := router.FindRoute(probe)
	if err != nil {
		if res.Code == http.StatusNotFound && strings.Contains(string(res.Body), "route_not_found") ||
			res.Code == http.StatusMethodNotAllowed && strings.Contains(string(res.Body), "method_not_allowed") {
			return // deliberately unknown path or method
		}
		t.Fatalf("%s %s is not in the Swagger spec: %v", hr.Method, hr.URL.Path, err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	// Swagger 2.0 gives a response one schema for every type it produces, so
	// a body in another format (the CSV of reports) cannot match it: its
	// status is still checked here, its body by its own test.
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  res.Code,
		Header:  res.Header,
		Options: opts,
	}
	in.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s %s -> %d does not match the Swagger spec: %v\nbody: %s", hr.Method, hr.URL.Path, res.Code, err, res.Body)
	}
	contract.record(route.Method, route.Path, res.Code)
	if !opts.ExcludeResponseBody {
		if r := route.Operation.Responses.Status(res.Code); r != nil && r.Value != nil {
			if media := r.Value.Content.Get("application/json"); media != nil {
				var body any
				if json.Unmarshal(res.Body, &body) == nil {
					if missing := contract.sawFields(media.Schema, body); len(missing) > 0 {
						t.Fatalf("%s %s -> %d lacks required fields %v\nbody: %s", hr.Method, hr.URL.Path, res.Code, missing, res.Body)
					}
				}
			}
		}
	}
}
