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

// Must show 3, with the default limits (10 a minute per e-mail and address,
// bursts of 5; 100 a minute from all addresses, bursts of 50): a stranger
// sends 30 wrong passwords from another address, then the owner's correct
// sign-in gets 200. And when strangers from many addresses exhaust the
// account's own limit, the owner still signs in from an address they
// signed in from before; only a new address waits.
func TestLockoutStrangerCannotLockOwnerOut(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthEmailPerMinute = 0 }) // the defaults
	home := "198.51.100.20:5000"
	var owner account
	ta.do(req{method: http.MethodPost, path: "/v1/auth/register", from: home, body: map[string]any{
		"email": "owner@example.jp", "password": testPassword, "displayName": "持ち主", "roles": []string{"founder"},
	}}).want(http.StatusCreated)
	owner.Email = "owner@example.jp"

	login := func(from, password string) *response {
		return ta.do(req{method: http.MethodPost, path: "/v1/auth/login", from: from, body: map[string]string{"email": owner.Email, "password": password}})
	}
	refused, limited := 0, 0
	for i := range 30 {
		res := login("203.0.113.66:4000", "wrong-guess-"+strconv.Itoa(i))
		switch res.Code {
		case http.StatusUnauthorized:
			res.wantProblem(http.StatusUnauthorized, "invalid_credentials")
			refused++
		default:
			wantRateLimited(t, res)
			limited++
		}
	}
	t.Logf("stranger: %d refused, %d rate limited", refused, limited)
	login(home, testPassword).want(http.StatusOK)

}

// When strangers from many addresses exhaust the account's own limit (here
// 40 a minute from all addresses, bursts of 20: 60 guesses take longer than
// the refill gives back), the owner still signs in from an address they
// signed in from before (a new one waits for the account's limit).
func TestLockoutRememberedAddressPassesBotnet(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthEmailPerMinute = 4 })
	home := "198.51.100.21:5000"
	ta.do(req{method: http.MethodPost, path: "/v1/auth/register", from: home, body: map[string]any{
		"email": "owner2@example.jp", "password": testPassword, "displayName": "持ち主", "roles": []string{"founder"},
	}}).want(http.StatusCreated)
	login := func(from, password string) *response {
		return ta.do(req{method: http.MethodPost, path: "/v1/auth/login", from: from, body: map[string]string{"email": "owner2@example.jp", "password": password}})
	}
	limited := 0
	for i := range 60 {
		if res := login("203.0.113."+strconv.Itoa(100+i)+":4000", "botnet-guess"); res.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 20 {
		t.Fatalf("%d of 60 guesses from 60 addresses limited", limited)
	}
	t.Logf("%d of 60 guesses from 60 addresses limited", limited)
	// Right after a refused guess the account's bucket holds less than one
	// attempt (it refills one every 1.5 s): the owner at home signs in all
	// the same, the owner at a café for the first time waits.
	wantRateLimited(t, login("203.0.113.250:4000", "botnet-guess"))
	login(home, testPassword).want(http.StatusOK)
	wantRateLimited(t, login("192.0.2.200:6000", testPassword))
}
