package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// wantRateLimited fails unless res is 429 rate_limited with a Retry-After of
// at least a second.
func wantRateLimited(t *testing.T, res *response) {
	t.Helper()
	res.wantProblem(http.StatusTooManyRequests, "rate_limited")
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want whole seconds", res.Header.Get("Retry-After"))
	}
}

// Sign-in and sign-up attempts on one e-mail are limited per address (here
// the per-address limit of all e-mails is out of reach), so wrong passwords
// from one address do not lock the owner out from theirs; from many
// addresses together (a botnet) ten times as many are allowed, then no more.
// Other e-mails are not held back.
func TestRateLimitPerEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthEmailPerMinute = 4 }) // bursts of 2; 40 a minute, bursts of 20, from all addresses
	victim := ta.signUp("狙われる人", "founder")                             // one attempt on the e-mail
	ta.post("/v1/auth/login", "", map[string]string{"email": victim.Email, "password": "wrong-guess-1"}).
		wantProblem(http.StatusUnauthorized, "invalid_credentials")
	// The same account, spelled differently, is the same bucket.
	wantRateLimited(t, ta.post("/v1/auth/login", "", map[string]string{"email": "  " + strings.ToUpper(victim.Email), "password": "wrong-guess-2"}))
	wantRateLimited(t, ta.post("/v1/auth/login", "", map[string]string{"email": victim.Email, "password": testPassword}))
	wantRateLimited(t, ta.post("/v1/auth/register", "", map[string]any{"email": victim.Email, "password": testPassword, "displayName": "x", "roles": []string{}}))
	// The owner, at home, signs in.
	home := "198.51.100.7:5000"
	ta.do(req{method: http.MethodPost, path: "/v1/auth/login", from: home, body: map[string]string{"email": victim.Email, "password": testPassword}}).want(http.StatusOK)
	// Someone else signs in from the attacker's address.
	other := ta.signUp("別の人", "mentor")
	ta.login(other.Email, testPassword)
	// The victim's own session is untouched.
	ta.get("/v1/me", victim.Access).want(http.StatusOK)

	// Guesses from many addresses: the account's own limit stops them.
	limited := 0
	for i := range 40 {
		res := ta.do(req{method: http.MethodPost, path: "/v1/auth/login", from: "203.0.113." + strconv.Itoa(i) + ":4000",
			body: map[string]string{"email": victim.Email, "password": "botnet-guess"}})
		if res.Code == http.StatusTooManyRequests {
			wantRateLimited(t, res)
			limited++
			continue
		}
		res.wantProblem(http.StatusUnauthorized, "invalid_credentials")
	}
	if limited < 15 {
		t.Fatalf("%d of 40 guesses from 40 addresses were limited, want most past the account's burst of 20", limited)
	}
}

// Writes are limited per signed-in user; reads and other users are not.
func TestRateLimitWritesPerUser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.WritePerMinute = 6 }) // bursts of 3
	busy, calm := ta.signUp("忙しい人", "founder"), ta.signUp("落ち着いた人", "founder")
	for i := range 3 {
		ta.patch("/v1/me", busy.Access, map[string]any{"displayName": "忙しい人" + strconv.Itoa(i)}).want(http.StatusOK)
	}
	wantRateLimited(t, ta.patch("/v1/me", busy.Access, map[string]any{"displayName": "変わらない"}))
	wantRateLimited(t, ta.put("/v1/me/founder-profile", busy.Access, founderProfile("01207")))
	wantRateLimited(t, ta.post("/v1/communities/ffffffffffffffffffffffff/join", busy.Access, nil))
	var me struct {
		DisplayName string `json:"displayName"`
	}
	ta.get("/v1/me", busy.Access).want(http.StatusOK).decode(&me)
	if me.DisplayName != "忙しい人2" {
		t.Errorf("a refused write changed the name to %q", me.DisplayName)
	}
	ta.get("/v1/me/founder-profile", busy.Access).wantProblem(http.StatusNotFound, "not_found")
	ta.patch("/v1/me", calm.Access, map[string]any{"displayName": "落ち着いた人2"}).want(http.StatusOK)
}

// Password changes are limited per user, below the general write limit.
func TestRateLimitPasswordChanges(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.PasswordPerMinute = 2 }) // bursts of 1
	u := ta.signUp("利用者", "founder")
	ta.post("/v1/me/password", u.Access, map[string]string{"currentPassword": "wrong-password-1", "newPassword": "another-passphrase-2026"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	wantRateLimited(t, ta.post("/v1/me/password", u.Access, map[string]string{"currentPassword": testPassword, "newPassword": "another-passphrase-2026"}))
	// The password did not change; other writes go on.
	ta.login(u.Email, testPassword)
	ta.patch("/v1/me", u.Access, map[string]any{"locale": "en"}).want(http.StatusOK)
}
