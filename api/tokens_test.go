package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testJWTSecret = "test-secret-for-forged-tokens-0123456789"

func withJWTSecret(secret string) appOption { return func(c *appSetup) { c.JWTSecret = secret } }

// forge signs claims like the API does, with whatever method and key given.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	must(t, err)
	return s
}

// TestForgedAndMisusedTokens: every kind of bad access token gets the same
// 401 problem as no token at all, so a client learns nothing about which
// check failed.
func TestForgedAndMisusedTokens(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withJWTSecret(testJWTSecret))
	u := ta.signUp("利用者", "founder")
	ta.get("/v1/me", u.Access).want(http.StatusOK)

	now := ta.clock.Now()
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": "kizuna", "aud": []string{"kizuna-api"}, "sub": u.ID, "roles": []string{"founder", "admin"},
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "sid": "forged",
		}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := valid()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	secret := []byte(testJWTSecret)
	// The control: a token forged with the real key and valid claims works,
	// so each case below fails for its own reason.
	ta.get("/v1/me", forge(t, jwt.SigningMethodHS256, secret, valid())).want(http.StatusOK)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	must(t, err)
	parts := strings.Split(u.Access, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, err)
	tamperedPayload := strings.Replace(string(payload), `"roles":["founder"]`, `"roles":["admin","founder"]`, 1)
	if tamperedPayload == string(payload) {
		t.Fatalf("payload %s has no roles to tamper with", payload)
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tamperedPayload)) + "." + parts[2]

	cases := map[string]string{
		"alg none":                   none,
		"alg none, empty signature":  strings.TrimSuffix(none, "."),
		"HS512 with the right key":   forge(t, jwt.SigningMethodHS512, secret, valid()),
		"RS256 header":               forge(t, jwt.SigningMethodRS256, rsaKey, valid()),
		"wrong key":                  forge(t, jwt.SigningMethodHS256, []byte("another-secret-of-enough-length-0123456789"), valid()),
		"expired":                    forge(t, jwt.SigningMethodHS256, secret, with("exp", now.Add(-time.Minute).Unix())),
		"no expiry":                  forge(t, jwt.SigningMethodHS256, secret, with("exp", nil)),
		"not valid yet (nbf)":        forge(t, jwt.SigningMethodHS256, secret, with("nbf", now.Add(time.Hour).Unix())),
		"issued in the future (iat)": forge(t, jwt.SigningMethodHS256, secret, with("iat", now.Add(time.Hour).Unix())),
		"wrong issuer":               forge(t, jwt.SigningMethodHS256, secret, with("iss", "evil")),
		"no issuer":                  forge(t, jwt.SigningMethodHS256, secret, with("iss", nil)),
		"wrong audience":             forge(t, jwt.SigningMethodHS256, secret, with("aud", []string{"another-api"})),
		"unknown user":               forge(t, jwt.SigningMethodHS256, secret, with("sub", "ffffffffffffffffffffffff")),
		"subject not an id":          forge(t, jwt.SigningMethodHS256, secret, with("sub", "admin")),
		"tampered payload":           tampered,
		"refresh token as access":    u.Refresh,
		"garbage":                    "not-a-jwt",
		"empty bearer":               " ",
	}
	want := ta.get("/v1/me", "").wantProblem(http.StatusUnauthorized, "unauthenticated")
	for name, token := range cases {
		res := ta.do(req{method: http.MethodGet, path: "/v1/me", headers: map[string]string{"Authorization": "Bearer " + token}})
		p := res.wantProblem(http.StatusUnauthorized, "unauthenticated")
		if p.Detail != want.Detail || p.Title != want.Title || p.Type != want.Type {
			t.Errorf("%s: problem %+v differs from the no-token problem %+v", name, p, want)
		}
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", name)
		}
	}
	// Other schemes are not bearer tokens.
	ta.do(req{method: http.MethodGet, path: "/v1/me", headers: map[string]string{"Authorization": "Basic " + u.Access}}).
		wantProblem(http.StatusUnauthorized, "unauthenticated")

	// An access token is not a refresh token: the same answer as an unknown one.
	unknown := ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": "unknown"}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	p := ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": u.Access}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	if p.Detail != unknown.Detail {
		t.Errorf("access token as refresh token: %+v, unknown token: %+v", p, unknown)
	}
	// The real session still works: nothing above revoked it.
	ta.get("/v1/me", u.Access).want(http.StatusOK)
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": u.Refresh}).want(http.StatusOK)
}

// A token that was valid stops working when it expires, even after it was
// accepted (and remembered) before.
func TestAccessTokenExpiresAfterUse(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("利用者", "founder")
	ta.get("/v1/me", u.Access).want(http.StatusOK)
	ta.clock.Advance(16 * time.Minute)
	ta.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
}

// A session that is signed out ends at once, its access token included (not
// when the token expires), here and after a restart; a password change ends
// every other session the same way and keeps the one that made it.
func TestSignedOutSessionsEndAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := newFakeClock()
	ta := openTestApp(t, dir, clock)
	u := ta.signUp("退出", "founder")
	phone := ta.login(u.Email, testPassword)
	laptop := ta.login(u.Email, testPassword)

	ta.post("/v1/auth/logout", "", map[string]string{"refreshToken": u.Refresh}).want(http.StatusNoContent)
	ta.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.get("/v1/me", phone.Access).want(http.StatusOK)

	ta.post("/v1/me/password", phone.Access, map[string]string{"currentPassword": testPassword, "newPassword": "another-long-passphrase"}).want(http.StatusNoContent)
	ta.get("/v1/me", laptop.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.get("/v1/me", phone.Access).want(http.StatusOK)
	ta.close()

	again := openTestApp(t, dir, clock)
	again.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	again.get("/v1/me", laptop.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	again.get("/v1/me", phone.Access).want(http.StatusOK)
}

// A member sees their sessions (which program, from where, which is this
// one), signs one out, or all of them.
func TestSessionsListedAndEnded(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("端末", "founder")
	loginFrom := func(agent, addr string) account {
		var out AuthResponseBody
		ta.do(req{method: http.MethodPost, path: "/v1/auth/login", from: addr, headers: map[string]string{"User-Agent": agent},
			body: map[string]string{"email": u.Email, "password": testPassword}}).want(http.StatusOK).decode(&out)
		return account{ID: out.User.ID, Email: u.Email, Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
	}
	ta.clock.Advance(time.Minute)
	phone := loginFrom("Kizuna/1.4 (iPhone)", "203.0.113.5:40000")
	ta.clock.Advance(time.Minute)
	laptop := loginFrom("Mozilla/5.0 (X11; Linux)", "198.51.100.9:50000")

	type session struct {
		ID, UserAgent, Address string
		Current                bool
		LastUsedAt             time.Time
	}
	list := func(a account) []session {
		var out struct{ Items []session }
		ta.get("/v1/me/sessions", a.Access).want(http.StatusOK).decode(&out)
		return out.Items
	}
	got := list(phone)
	if len(got) != 3 || got[0].UserAgent != "Mozilla/5.0 (X11; Linux)" || got[0].Address != "198.51.100.9" || got[0].Current ||
		got[1].UserAgent != "Kizuna/1.4 (iPhone)" || !got[1].Current {
		t.Fatalf("sessions seen from the phone: %+v", got)
	}
	// The phone signs the laptop out.
	ta.do(req{method: http.MethodDelete, path: "/v1/me/sessions/" + got[0].ID, token: phone.Access}).want(http.StatusNoContent)
	ta.get("/v1/me", laptop.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": laptop.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	if n := len(list(phone)); n != 2 {
		t.Fatalf("%d sessions after signing one out, want 2", n)
	}
	// Not another member's session.
	other := ta.signUp("他人", "founder")
	ta.do(req{method: http.MethodDelete, path: "/v1/me/sessions/" + got[1].ID, token: other.Access}).wantProblem(http.StatusNotFound, "not_found")
	ta.get("/v1/me", phone.Access).want(http.StatusOK)

	// Everywhere, this session included.
	ta.post("/v1/auth/logout-all", phone.Access, nil).want(http.StatusNoContent)
	for _, a := range []account{u, phone} {
		ta.get("/v1/me", a.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	}
	again := ta.login(u.Email, testPassword)
	if n := len(list(again)); n != 1 {
		t.Fatalf("%d sessions after signing out everywhere and in again, want 1", n)
	}
}
