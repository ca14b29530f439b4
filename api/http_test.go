package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMalformedAndOversizedBodies(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("m", "mentor")
	cases := []struct {
		name   string
		body   string
		ctype  string
		status int
		code   string
	}{
		{"not json", "{email:", "", http.StatusBadRequest, "malformed_json"},
		{"truncated", `{"email": "a@b.jp"`, "", http.StatusBadRequest, "malformed_json"},
		{"empty", "", "", http.StatusBadRequest, "malformed_json"},
		{"array", `[1,2]`, "", http.StatusBadRequest, "malformed_json"},
		{"two values", `{"email":"a@b.jp"} {"x":1}`, "", http.StatusBadRequest, "malformed_json"},
		{"unknown field", `{"email":"a@b.jp","password":"x","displayName":"y","roles":[],"isAdmin":true}`, "", http.StatusBadRequest, "unknown_field"},
		{"wrong type", `{"email":42}`, "", http.StatusBadRequest, "validation_failed"},
		{"form body", "email=a", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"too large", `{"displayName":"` + strings.Repeat("x", 1<<20) + `"}`, "", http.StatusRequestEntityTooLarge, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := req{method: http.MethodPost, path: "/v1/auth/register", body: tc.body}
			if tc.ctype != "" {
				r.headers = map[string]string{"Content-Type": tc.ctype}
			}
			if tc.body == "" {
				r.body = []byte{}
			}
			ta.do(r).wantProblem(tc.status, tc.code)
		})
	}
	// A large body on an authenticated endpoint is refused too, and nothing changes.
	big := mentorProfile("01101")
	big["bio"] = strings.Repeat("あ", 400_000)
	ta.put("/v1/me/mentor-profile", m.Access, big).wantProblem(http.StatusRequestEntityTooLarge, "body_too_large")
	ta.get("/v1/me/mentor-profile", m.Access).wantProblem(http.StatusNotFound, "not_found")
}

func TestUnknownRouteAndRequestID(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.do(req{method: http.MethodGet, path: "/v1/nothing-here", headers: map[string]string{"X-Request-ID": "front-end.42"}})
	p := res.wantProblem(http.StatusNotFound, "route_not_found")
	if res.Header.Get("X-Request-ID") != "front-end.42" {
		t.Errorf("request id not echoed: %q", res.Header.Get("X-Request-ID"))
	}
	_ = p
	// A known path with another method: 405 with what it takes.
	res = ta.do(req{method: http.MethodDelete, path: "/v1/topics"})
	res.wantProblem(http.StatusMethodNotAllowed, "method_not_allowed")
	if res.Header.Get("Allow") != "GET" {
		t.Errorf("Allow %q on DELETE /v1/topics, want GET", res.Header.Get("Allow"))
	}
	// An unsafe request id is replaced.
	res = ta.do(req{method: http.MethodGet, path: "/healthz", headers: map[string]string{"X-Request-ID": "bad id\nwith newline"}})
	if id := res.Header.Get("X-Request-ID"); id == "" || strings.ContainsAny(id, " \n") {
		t.Errorf("unsafe request id echoed: %q", id)
	}
	ta.get("/readyz", "").want(http.StatusOK)
}

func TestSwaggerServed(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.get("/swagger/doc.json", "").want(http.StatusOK)
	for _, path := range []string{"/v1/auth/register", "/v1/mentors", "/v1/me/mentor-profile", "/v1/areas/municipalities"} {
		if !strings.Contains(string(res.Body), `"`+path+`"`) {
			t.Errorf("doc.json lacks %s", path)
		}
	}
	ta.get("/swagger/index.html", "").want(http.StatusOK)
	ta.get("/metrics", "").want(http.StatusOK)

	// The OpenAPI 3 document, with a bearer scheme (a bare token works), is
	// the one Swagger UI loads.
	var doc struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			SecuritySchemes map[string]struct{ Type, Scheme string } `json:"securitySchemes"`
		} `json:"components"`
	}
	ta.get("/openapi.json", "").want(http.StatusOK).decode(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("/openapi.json is OpenAPI %q, want 3.x", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["BearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("BearerAuth is %+v, want http bearer", s)
	}
	// The UI's own assets come from the binary (swaggo/files/v2, read-only).
	for path, want := range map[string]string{
		"/swagger/swagger-ui-bundle.js": "SwaggerUIBundle",
		"/swagger/swagger-ui.css":       ".swagger-ui",
		"/swagger/favicon-32x32.png":    "PNG",
	} {
		res := ta.get(path, "").want(http.StatusOK)
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("%s lacks %q (%d bytes)", path, want, len(res.Body))
		}
	}
	init := ta.get("/swagger/swagger-initializer.js", "").want(http.StatusOK)
	if !strings.Contains(string(init.Body), "/openapi.json") {
		t.Errorf("Swagger UI does not load /openapi.json:\n%s", init.Body)
	}
}

// Data survives a restart on the same data directory: sign up, stop the app,
// start a new one, sign in with the old password and an old access token.
func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := newFakeClock()
	first := openTestApp(t, dir, clock)
	m := first.newMentor("永続", "01101", "sales")
	first.close()

	second := openTestApp(t, dir, clock)
	again := second.login(m.Email, testPassword)
	if again.ID != m.ID {
		t.Fatalf("id %s after restart, want %s", again.ID, m.ID)
	}
	// The JWT secret was kept in the data directory: the old token still works.
	second.get("/v1/me", m.Access).want(http.StatusOK)
	// The mentor index was reloaded.
	var res searchBody
	second.get("/v1/mentors?topic=sales", again.Access).want(http.StatusOK).decode(&res)
	if len(res.Items) != 1 || res.Items[0].ID != m.ID {
		t.Fatalf("index after restart: %v", res.names())
	}
}

// run() serves on a real port and shuts down cleanly when its context ends.
func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	env := map[string]string{"KIZUNA_DATA_DIR": dir, "KIZUNA_HTTP_ADDR": "127.0.0.1:0"}
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, pw)
		pw.Close()
	}()
	addr := waitForListening(t, pr)
	getLive(t, "http://"+addr+"/readyz").want(http.StatusOK)
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// preflight sends a browser's CORS preflight for PUT /v1/me from origin.
func (ta *testApp) preflight(origin string) *response {
	return ta.do(req{method: http.MethodOptions, path: "/v1/me", headers: map[string]string{
		"Origin": origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "Authorization, If-Match",
	}})
}

// CORS answers the configured origins only; a refused preflight says why.
func TestCORS(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.CORSOrigins = []string{"https://app.kizuna.example"} })
	res := ta.preflight("https://app.kizuna.example")
	if res.Code != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.kizuna.example" {
		t.Fatalf("preflight from the app: %d %v", res.Code, res.Header)
	}
	for _, other := range []string{"https://evil.example", "http://localhost:3000"} {
		res = ta.preflight(other)
		res.wantProblem(http.StatusForbidden, "origin_not_allowed")
		if res.Header.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(string(res.Body), "KIZUNA_CORS_ORIGINS") {
			t.Fatalf("preflight from %s: %v %s", other, res.Header, res.Body)
		}
	}
	get := ta.do(req{method: http.MethodGet, path: "/healthz", headers: map[string]string{"Origin": "https://app.kizuna.example"}})
	for _, h := range []string{"ETag", "X-Request-ID", "Retry-After"} {
		if !strings.Contains(strings.ToLower(get.Header.Get("Access-Control-Expose-Headers")), strings.ToLower(h)) {
			t.Errorf("%s not exposed to the app: %v", h, get.Header)
		}
	}
}

// On the embedded default with no origins configured, a web app in
// development (any localhost or 127.0.0.1 port, over http) may call the API;
// nothing else may.
func TestCORSLocalDevelopment(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for _, origin := range []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://localhost"} {
		if res := ta.preflight(origin); res.Code != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("preflight from %s: %d %v", origin, res.Code, res.Header)
		}
	}
	for _, origin := range []string{"https://localhost.evil.example", "http://localhost.evil.example:3000", "https://app.kizuna.example"} {
		ta.preflight(origin).wantProblem(http.StatusForbidden, "origin_not_allowed")
	}
}
