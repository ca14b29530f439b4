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

// Sign-in and sign-up attempts on one e-mail are limited whatever address
// they come from (here the per-address limit is out of reach); other
// e-mails are not held back.
func TestRateLimitPerEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config) { c.AuthEmailPerMinute = 4 }) // bursts of 2
	victim := ta.signUp("狙われる人", "founder")                           // one attempt on the e-mail
	ta.post("/v1/auth/login", "", map[string]string{"email": victim.Email, "password": "wrong-guess-1"}).
		wantProblem(http.StatusUnauthorized, "invalid_credentials")
	// The same account, spelled differently, is the same bucket.
	wantRateLimited(t, ta.post("/v1/auth/login", "", map[string]string{"email": "  " + strings.ToUpper(victim.Email), "password": "wrong-guess-2"}))
	wantRateLimited(t, ta.post("/v1/auth/login", "", map[string]string{"email": victim.Email, "password": testPassword}))
	wantRateLimited(t, ta.post("/v1/auth/register", "", map[string]any{"email": victim.Email, "password": testPassword, "displayName": "x", "roles": []string{}}))
	// Someone else signs in from the same address.
	other := ta.signUp("別の人", "mentor")
	ta.login(other.Email, testPassword)
	// The victim's own session is untouched.
	ta.get("/v1/me", victim.Access).want(http.StatusOK)
}

// Writes are limited per signed-in user; reads and other users are not.
func TestRateLimitWritesPerUser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config) { c.WritePerMinute = 6 }) // bursts of 3
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
	ta := newTestApp(t, func(c *config) { c.PasswordPerMinute = 2 }) // bursts of 1
	u := ta.signUp("利用者", "founder")
	ta.post("/v1/me/password", u.Access, map[string]string{"currentPassword": "wrong-password-1", "newPassword": "another-passphrase-2026"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	wantRateLimited(t, ta.post("/v1/me/password", u.Access, map[string]string{"currentPassword": testPassword, "newPassword": "another-passphrase-2026"}))
	// The password did not change; other writes go on.
	ta.login(u.Email, testPassword)
	ta.patch("/v1/me", u.Access, map[string]any{"locale": "en"}).want(http.StatusOK)
}
