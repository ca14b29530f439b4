package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A sign-up starts unverified; the link mailed to the address verifies it
// once, within its lifetime, and the caller's principal says so.
func TestEmailVerification(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	u, tokens, err := e.Accounts.Register(ctx, accounts.RegisterInput{Email: "New@Example.jp ", Password: servicetest.Password, DisplayName: "新人", Roles: []accounts.Role{accounts.RoleFounder}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "new@example.jp" || u.EmailVerified {
		t.Fatalf("signed up as %q, verified %v; want the canonical address, unverified", u.Email, u.EmailVerified)
	}
	p, err := e.Accounts.Authenticate(ctx, tokens.AccessToken)
	if err != nil || p.EmailVerified {
		t.Fatalf("principal %+v, %v; want unverified", p, err)
	}
	expired, err := accounts.IssueEmailToken(ctx, e.Accounts, u.ID, accounts.PurposeVerify)
	if err != nil {
		t.Fatal(err)
	}
	reset, err := accounts.IssueEmailToken(ctx, e.Accounts, u.ID, accounts.PurposeReset)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(accounts.VerifyTokenTTL)
	_, err = e.Accounts.VerifyEmail(ctx, expired)
	servicetest.WantCode(t, err, "invalid_token")
	_, err = e.Accounts.VerifyEmail(ctx, reset) // a reset link does not verify
	servicetest.WantCode(t, err, "invalid_token")

	link, err := accounts.IssueEmailToken(ctx, e.Accounts, u.ID, accounts.PurposeVerify)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := e.Accounts.VerifyEmail(ctx, link); err != nil || !v.EmailVerified {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	_, err = e.Accounts.VerifyEmail(ctx, link)
	servicetest.WantCode(t, err, "invalid_token")                         // once
	_, tokens, err = e.Accounts.Login(ctx, u.Email, servicetest.Password) // the first access token expired meanwhile
	if err != nil {
		t.Fatal(err)
	}
	if p, err := e.Accounts.Authenticate(ctx, tokens.AccessToken); err != nil || !p.EmailVerified {
		t.Fatalf("principal after verifying: %+v, %v", p, err)
	}
}

// A password reset link sets a new password once: a weak password is
// refused without spending the link, the old password stops working, and
// every session is signed out.
func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	link, err := accounts.IssueEmailToken(ctx, e.Accounts, m.ID, accounts.PurposeReset)
	if err != nil {
		t.Fatal(err)
	}
	servicetest.WantCode(t, e.Accounts.ResetPassword(ctx, link, "short"), "validation_failed")
	const next = "a-new-password-for-2027"
	if err := e.Accounts.ResetPassword(ctx, link, next); err != nil {
		t.Fatalf("reset with the same link after a weak password: %v", err)
	}
	servicetest.WantCode(t, e.Accounts.ResetPassword(ctx, link, next+"!"), "invalid_token")
	_, _, err = e.Accounts.Login(ctx, m.Email, servicetest.Password)
	servicetest.WantCode(t, err, "invalid_credentials")
	if _, _, err := e.Accounts.Login(ctx, m.Email, next); err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
	_, err = e.Accounts.Authenticate(ctx, m.Tokens.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
	_, err = e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
	servicetest.WantCode(t, err, "invalid_refresh_token")

	late, err := accounts.IssueEmailToken(ctx, e.Accounts, m.ID, accounts.PurposeReset)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(accounts.ResetTokenTTL + time.Second)
	servicetest.WantCode(t, e.Accounts.ResetPassword(ctx, late, next+"?"), "invalid_token")
}

// Changing the password keeps the session it was changed from and ends the
// others; the current password must be given, and the new one must differ.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	_, other, err := e.Accounts.Login(ctx, m.Email, servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	servicetest.WantCode(t, e.Accounts.ChangePassword(ctx, m.P, "wrong-password-2026", "a-new-password-for-2027"), "validation_failed")
	servicetest.WantCode(t, e.Accounts.ChangePassword(ctx, m.P, servicetest.Password, servicetest.Password), "validation_failed")
	if err := e.Accounts.ChangePassword(ctx, m.P, servicetest.Password, "a-new-password-for-2027"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Accounts.Authenticate(ctx, m.Tokens.AccessToken); err != nil {
		t.Fatalf("the session the change came from: %v", err)
	}
	_, err = e.Accounts.Authenticate(ctx, other.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
	sessions, err := e.Accounts.Sessions(ctx, m.P)
	if err != nil || len(sessions) != 1 || !sessions[0].Current {
		t.Fatalf("sessions %+v, %v; want only the current one", sessions, err)
	}
}

// A member sees their sessions and signs any of them out, at once for both
// its tokens; a session that is not theirs is not found; signing out
// everywhere ends the current one too.
func TestSessionsAreSignedOutOneByOneOrAll(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	other := e.Member(t, "他人", accounts.RoleFounder)
	_, phone, err := e.Accounts.Login(ctx, m.Email, servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	_, laptop, err := e.Accounts.Login(ctx, m.Email, servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := e.Accounts.Sessions(ctx, m.P)
	if err != nil || len(sessions) != 3 {
		t.Fatalf("%d sessions, %v; want 3", len(sessions), err)
	}
	pp, err := e.Accounts.Authenticate(ctx, phone.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	servicetest.WantCode(t, e.Accounts.EndSession(ctx, other.P, pp.SessionID), "not_found")
	if err := e.Accounts.EndSession(ctx, m.P, pp.SessionID); err != nil {
		t.Fatal(err)
	}
	_, err = e.Accounts.Authenticate(ctx, phone.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
	_, err = e.Accounts.Refresh(ctx, phone.RefreshToken)
	servicetest.WantCode(t, err, "invalid_refresh_token")
	if _, err := e.Accounts.Authenticate(ctx, laptop.AccessToken); err != nil {
		t.Fatalf("another session ended with the phone's: %v", err)
	}
	if err := e.Accounts.EndAllSessions(ctx, m.P); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{m.Tokens.AccessToken, laptop.AccessToken} {
		_, err := e.Accounts.Authenticate(ctx, tok)
		servicetest.WantCode(t, err, "session_ended")
	}
	if _, err := e.Accounts.Authenticate(ctx, other.Tokens.AccessToken); err != nil {
		t.Fatalf("another member's session ended: %v", err)
	}
}
