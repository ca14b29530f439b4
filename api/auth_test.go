package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

func TestRegisterLoginAndMe(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.post("/v1/auth/register", "", map[string]any{
		"email": "  Yuki.Sato@Example.JP ", "password": testPassword, "displayName": " 佐藤 由紀 ",
		"roles": []string{"mentor", "founder", "mentor"}, "locale": "en",
	}).want(http.StatusCreated)
	var out AuthResponseBody
	res.decode(&out)
	if out.User.Email != "yuki.sato@example.jp" {
		t.Errorf("email %q, want normalized", out.User.Email)
	}
	if out.User.DisplayName != "佐藤 由紀" || out.User.Locale != "en" {
		t.Errorf("user %+v", out.User)
	}
	if strings.Join(out.User.Roles, ",") != "founder,mentor" {
		t.Errorf("roles %v, want founder,mentor", out.User.Roles)
	}
	if strings.Contains(string(res.Body), "argon2") || strings.Contains(string(res.Body), "passwordHash") {
		t.Fatalf("response leaks the password hash: %s", res.Body)
	}
	if out.Tokens.TokenType != "Bearer" || out.Tokens.ExpiresIn != 900 || out.Tokens.RefreshToken == "" {
		t.Errorf("tokens %+v", out.Tokens)
	}

	// Login with different case and spaces finds the same account.
	acc := ta.login("YUKI.SATO@example.jp ", testPassword)
	if acc.ID != out.User.ID {
		t.Fatalf("login id %s, want %s", acc.ID, out.User.ID)
	}
	var me MeBody
	ta.get("/v1/me", acc.Access).want(http.StatusOK).decode(&me)
	if me.ID != out.User.ID || me.Email != "yuki.sato@example.jp" || !me.Preferences.Invitations {
		t.Errorf("me %+v", me)
	}

	// Same e-mail in another spelling is taken.
	again := map[string]any{
		"email": "YUKI.SATO@EXAMPLE.JP", "password": "another-passphrase-2026", "displayName": "x", "roles": []string{"founder"},
	}
	ta.post("/v1/auth/register", "", again).wantProblem(http.StatusConflict, "email_taken")

	// With the account's own password, minutes after it was made, a sign-up
	// is a retry whose answer was lost (say the tokens could not be written):
	// it gets the account, unchanged, and a session. Later it is taken.
	again["password"] = testPassword
	var retried AuthResponseBody
	ta.post("/v1/auth/register", "", again).want(http.StatusCreated).decode(&retried)
	if retried.User.ID != out.User.ID || retried.User.DisplayName == "x" || retried.Tokens.AccessToken == "" {
		t.Fatalf("retried sign-up: %+v, want account %s unchanged with tokens", retried, out.User.ID)
	}
	ta.clock.Advance(16 * time.Minute)
	ta.post("/v1/auth/register", "", again).wantProblem(http.StatusConflict, "email_taken")
}

// AuthResponseBody and MeBody mirror the API's JSON for decoding in tests.
type AuthResponseBody struct {
	User   MeBody `json:"user"`
	Tokens struct {
		AccessToken  string `json:"accessToken"`
		TokenType    string `json:"tokenType"`
		ExpiresIn    int    `json:"expiresIn"`
		RefreshToken string `json:"refreshToken"`
	} `json:"tokens"`
}

type MeBody struct {
	ID          string   `json:"id"`
	Email       string   `json:"email"`
	DisplayName string   `json:"displayName"`
	Roles       []string `json:"roles"`
	Locale      string   `json:"locale"`
	Phone       string   `json:"phone"`
	Preferences struct {
		Invitations bool `json:"invitations"`
		Reminders   bool `json:"reminders"`
	} `json:"preferences"`
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	valid := func() map[string]any {
		return map[string]any{"email": uniqueEmail("v"), "password": testPassword, "displayName": "山田", "roles": []string{"founder"}}
	}
	cases := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"missing email", func(b map[string]any) { delete(b, "email") }, "email"},
		{"bad email", func(b map[string]any) { b["email"] = "not-an-email" }, "email"},
		{"email with display name", func(b map[string]any) { b["email"] = "Yuki <y@example.jp>" }, "email"},
		{"email without domain dot", func(b map[string]any) { b["email"] = "y@localhost" }, "email"},
		{"short password", func(b map[string]any) { b["password"] = "short1" }, "password"},
		{"long password", func(b map[string]any) { b["password"] = strings.Repeat("x", 129) }, "password"},
		{"password is the email", func(b map[string]any) { b["email"] = "longname@example.jp"; b["password"] = "LongName@example.jp" }, "password"},
		{"common password", func(b map[string]any) { b["password"] = "password123" }, "password"},
		{"common password any case", func(b map[string]any) { b["password"] = "QWERTYUIOP" }, "password"},
		{"empty display name", func(b map[string]any) { b["displayName"] = "   " }, "displayName"},
		{"long display name", func(b map[string]any) { b["displayName"] = strings.Repeat("名", 51) }, "displayName"},
		{"control char in name", func(b map[string]any) { b["displayName"] = "a\u0007b" }, "displayName"},
		{"organizer role", func(b map[string]any) { b["roles"] = []string{"organizer"} }, "roles"},
		{"admin role", func(b map[string]any) { b["roles"] = []string{"founder", "admin"} }, "roles"},
		{"bad locale", func(b map[string]any) { b["locale"] = "fr" }, "locale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := valid()
			tc.edit(b)
			p := ta.post("/v1/auth/register", "", b).wantProblem(http.StatusBadRequest, "validation_failed")
			if !p.hasField(tc.field) {
				t.Errorf("problem does not name %s: %+v", tc.field, p.Errors)
			}
		})
	}
	// Several problems are reported at once.
	p := ta.post("/v1/auth/register", "", map[string]any{"email": "x", "password": "y", "displayName": ""}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 3 {
		t.Errorf("want 3 field errors, got %+v", p.Errors)
	}
	// Nothing was created by the rejected requests: the first valid e-mail is free.
	ta.post("/v1/auth/register", "", map[string]any{"email": "free@example.jp", "password": testPassword, "displayName": "x", "roles": []string{}}).want(http.StatusCreated)
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("login", "founder")
	unknown := ta.post("/v1/auth/login", "", map[string]string{"email": "nobody@example.jp", "password": testPassword}).
		wantProblem(http.StatusUnauthorized, "invalid_credentials")
	wrong := ta.post("/v1/auth/login", "", map[string]string{"email": acc.Email, "password": "wrong-password-123"}).
		wantProblem(http.StatusUnauthorized, "invalid_credentials")
	if unknown.Detail != wrong.Detail || unknown.Title != wrong.Title {
		t.Errorf("unknown e-mail and wrong password differ: %+v vs %+v", unknown, wrong)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("rot", "founder")

	var pair1 struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).want(http.StatusOK).decode(&pair1)
	if pair1.RefreshToken == acc.Refresh || pair1.RefreshToken == "" {
		t.Fatal("refresh did not rotate the token")
	}
	ta.get("/v1/me", pair1.AccessToken).want(http.StatusOK)

	// Replaying the rotated token revokes the family: the new token dies too.
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).wantProblem(http.StatusUnauthorized, "refresh_token_reused")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": pair1.RefreshToken}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")

	// Another sign-in is another family and unaffected.
	other := ta.login(acc.Email, testPassword)
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": other.Refresh}).want(http.StatusOK)

	// Garbage and empty tokens.
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": "nope"}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": ""}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
}

func TestRefreshTokenExpires(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("exp", "founder")
	ta.clock.Advance(31 * 24 * time.Hour)
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	// The access token expired long ago as well.
	ta.get("/v1/me", acc.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
}

func TestConcurrentRefreshHasOneWinner(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("race", "founder")
	const n = 10
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).Code
		})
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d refreshes of one token succeeded, want exactly 1 (codes %v)", ok, codes)
	}
}

func TestLogoutRevokesFamily(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("out", "mentor")
	ta.post("/v1/auth/logout", "", map[string]string{"refreshToken": acc.Refresh}).want(http.StatusNoContent)
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": acc.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	// Idempotent.
	ta.post("/v1/auth/logout", "", map[string]string{"refreshToken": acc.Refresh}).want(http.StatusNoContent)
	ta.post("/v1/auth/logout", "", map[string]string{"refreshToken": "unknown"}).want(http.StatusNoContent)
}

func TestChangePasswordRevokesOtherSessions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	phone := ta.signUp("pw", "founder")
	laptop := ta.login(phone.Email, testPassword)

	ta.post("/v1/me/password", laptop.Access, map[string]string{"currentPassword": "wrong-password-1", "newPassword": "a-brand-new-passphrase"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	p := ta.post("/v1/me/password", laptop.Access, map[string]string{"currentPassword": testPassword, "newPassword": "short"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	if !p.hasField("newPassword") {
		t.Errorf("want newPassword error: %+v", p.Errors)
	}
	ta.post("/v1/me/password", laptop.Access, map[string]string{"currentPassword": testPassword, "newPassword": testPassword}).
		wantProblem(http.StatusBadRequest, "validation_failed")

	ta.post("/v1/me/password", laptop.Access, map[string]string{"currentPassword": testPassword, "newPassword": "a-brand-new-passphrase"}).
		want(http.StatusNoContent)
	// The other session (phone) is signed out; this one (laptop) continues.
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": phone.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": laptop.Refresh}).want(http.StatusOK)
	// Old password is dead, new one works.
	ta.post("/v1/auth/login", "", map[string]string{"email": phone.Email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	ta.login(phone.Email, "a-brand-new-passphrase")
}

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	acc := ta.signUp("upd", "founder")
	var me MeBody
	ta.patch("/v1/me", acc.Access, map[string]any{"displayName": "新しい名前", "phone": "090-1234-5678", "preferences": map[string]any{"invitations": false}}).
		want(http.StatusOK).decode(&me)
	if me.DisplayName != "新しい名前" || me.Phone != "090-1234-5678" || me.Preferences.Invitations || !me.Preferences.Reminders {
		t.Errorf("me %+v", me)
	}
	p := ta.patch("/v1/me", acc.Access, map[string]any{"phone": "call me", "locale": "de"}).wantProblem(http.StatusBadRequest, "validation_failed")
	if !p.hasField("phone") || !p.hasField("locale") {
		t.Errorf("errors %+v", p.Errors)
	}
	// Roles cannot be set through the body: unknown field.
	ta.patch("/v1/me", acc.Access, map[string]any{"roles": []string{"admin"}}).wantProblem(http.StatusBadRequest, "unknown_field")
	ta.get("/v1/me", acc.Access).want(http.StatusOK).decode(&me)
	if strings.Join(me.Roles, ",") != "founder" || me.Phone != "090-1234-5678" {
		t.Errorf("rejected patches changed the account: %+v", me)
	}
	// Clearing the phone.
	var cleared MeBody
	ta.patch("/v1/me", acc.Access, map[string]any{"phone": ""}).want(http.StatusOK).decode(&cleared)
	if cleared.Phone != "" || cleared.DisplayName != "新しい名前" {
		t.Errorf("phone not cleared or name lost: %+v", cleared)
	}
}

func TestAdminEmailGetsAdminRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var out AuthResponseBody
	ta.post("/v1/auth/register", "", map[string]any{"email": "Admin@Kizuna.example", "password": testPassword, "displayName": "管理者", "roles": []string{}}).
		want(http.StatusCreated).decode(&out)
	if len(out.User.Roles) != 0 {
		t.Errorf("roles %v before the address is verified, want none", out.User.Roles)
	}
	// Once the address is proven (see TestAdminEmailOnlyOnceVerified).
	ta.verifyEmail(out.User.ID, "admin@kizuna.example")
	var me MeBody
	ta.get("/v1/me", out.Tokens.AccessToken).want(http.StatusOK).decode(&me)
	if strings.Join(me.Roles, ",") != "admin" {
		t.Errorf("roles %v, want admin", me.Roles)
	}
}

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.get("/v1/me", "")
	res.wantProblem(http.StatusUnauthorized, "unauthenticated")
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	ta.get("/v1/me", "not-a-jwt").wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.do(req{method: http.MethodGet, path: "/v1/me", headers: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}).
		wantProblem(http.StatusUnauthorized, "unauthenticated")
	// A token signed with "none" is refused (pinned algorithm).
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI2NzNmMGMyYjlkMWU4YTAwMTJhYjM0Y2QiLCJpc3MiOiJraXp1bmEiLCJhdWQiOiJraXp1bmEtYXBpIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
	ta.get("/v1/me", none).wantProblem(http.StatusUnauthorized, "unauthenticated")
}

// Sign-in attempts from one address are limited; other endpoints are not.
func TestAuthRateLimit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthPerMinute = 6 }) // bursts of 3
	for i := range 3 {
		ta.post("/v1/auth/login", "", map[string]string{"email": "nobody@example.jp", "password": "wrong-password-" + strings.Repeat("x", i)}).
			wantProblem(http.StatusUnauthorized, "invalid_credentials")
	}
	res := ta.post("/v1/auth/login", "", map[string]string{"email": "nobody@example.jp", "password": "wrong-password-again"})
	res.wantProblem(http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	ta.post("/v1/auth/register", "", map[string]any{"email": "late@example.jp", "password": testPassword, "displayName": "x", "roles": []string{}}).
		wantProblem(http.StatusTooManyRequests, "rate_limited")
	ta.get("/v1/topics", "").want(http.StatusOK)
}

// Retention deletes expired refresh tokens, and the records of used tokens
// and revoked sessions once no token they concern can be valid; a session
// still in use is untouched.
func TestRetentionPrunesExpiredSessions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	old := ta.signUp("old", "founder")
	// Rotating once leaves a use record; logging out a revocation.
	var rotated struct {
		RefreshToken string `json:"refreshToken"`
	}
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": old.Refresh}).want(http.StatusOK).decode(&rotated)
	ta.post("/v1/auth/logout", "", map[string]string{"refreshToken": rotated.RefreshToken}).want(http.StatusNoContent)

	ta.clock.Advance(accounts.RefreshTokenTTL + time.Hour)
	fresh := ta.signUp("fresh", "founder")
	if err := ta.app.retention(context.Background(), ta.clock.Now()); err != nil {
		t.Fatal(err)
	}
	count := func(coll string) int64 {
		n, err := ta.app.db.Collection(coll).CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("refresh_tokens"); n != 1 {
		t.Errorf("%d refresh tokens kept, want the fresh session's only", n)
	}
	if n, m := count("refresh_token_uses"), count("session_revocations"); n != 0 || m != 0 {
		t.Errorf("%d use records and %d revocations kept, want none", n, m)
	}
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": fresh.Refresh}).want(http.StatusOK)
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": old.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	metrics := ta.get("/metrics", "").want(http.StatusOK).Body
	if !strings.Contains(string(metrics), `kizuna_retention_deleted_total{kind="refresh_tokens"} 2`) {
		t.Errorf("retention not counted in /metrics")
	}
}

// An e-mail typed in full-width (a Japanese IME) is the same account as its
// ASCII spelling: one account, either spelling signs in.
func TestFullWidthEmailIsOneAccount(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	n := emailSeq.Add(1)
	wide := fmt.Sprintf("ｆｕｌｌ%d＠ｅｘａｍｐｌｅ．ｊｐ", n)
	ascii := fmt.Sprintf("full%d@example.jp", n)
	var out AuthResponseBody
	ta.post("/v1/auth/register", "", map[string]any{"email": wide, "password": testPassword, "displayName": "全角", "roles": []string{"founder"}}).
		want(http.StatusCreated).decode(&out)
	if out.User.Email != ascii {
		t.Fatalf("stored e-mail %q, want %q", out.User.Email, ascii)
	}
	ta.post("/v1/auth/register", "", map[string]any{"email": ascii, "password": "another-passphrase-9", "displayName": "半角", "roles": []string{"founder"}}).
		wantProblem(http.StatusConflict, "email_taken")
	if ta.login(ascii, testPassword).ID != out.User.ID || ta.login(wide, testPassword).ID != out.User.ID {
		t.Fatal("the two spellings sign in to different accounts")
	}
	ta.post("/v1/auth/register", "", map[string]any{"email": uniqueEmail("hidden"), "password": testPassword, "displayName": "\u200b\u200b", "roles": []string{"founder"}}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/auth/register", "", map[string]any{"email": uniqueEmail("nul"), "password": strings.Repeat("\x00", 10), "displayName": "ヌル", "roles": []string{"founder"}}).
		wantProblem(http.StatusBadRequest, "validation_failed")
}
