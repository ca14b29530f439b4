package accounts_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// The accounts error contract, one rule a row.
func TestAccountsErrorContract(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	admin := e.Member(t, "管理者", accounts.RoleAdmin)
	member := e.Member(t, "田中 健", accounts.RoleFounder)
	signUp := func(email string) accounts.RegisterInput {
		return accounts.RegisterInput{Email: email, Password: servicetest.Password, DisplayName: "新人", Roles: []accounts.Role{accounts.RoleFounder}}
	}
	cases := []struct {
		rule string
		code string
		do   func() error
	}{
		{"a sign-up needs a valid address", "validation_failed", func() error {
			_, _, err := e.Accounts.Register(ctx, signUp("not-an-address"))
			return err
		}},
		{"a request body never grants organizer or admin", "validation_failed", func() error {
			in := signUp("boss@example.jp")
			in.Roles = []accounts.Role{accounts.RoleAdmin}
			_, _, err := e.Accounts.Register(ctx, in)
			return err
		}},
		{"one account per address", "email_taken", func() error {
			in := signUp(member.Email)
			in.Password = "someone-else-2026" // not the owner retrying their sign-up
			_, _, err := e.Accounts.Register(ctx, in)
			return err
		}},
		{"a wrong password is refused", "invalid_credentials", func() error {
			_, _, err := e.Accounts.Login(ctx, member.Email, "wrong-password-2026")
			return err
		}},
		{"an unknown address is refused alike", "invalid_credentials", func() error {
			_, _, err := e.Accounts.Login(ctx, "nobody@example.jp", servicetest.Password)
			return err
		}},
		{"an unknown refresh token is refused", "invalid_refresh_token", func() error {
			_, err := e.Accounts.Refresh(ctx, "not-a-token")
			return err
		}},
		{"a used refresh token revokes its family", "refresh_token_reused", func() error {
			m := e.Member(t, "再利用", accounts.RoleFounder)
			if _, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken); err != nil {
				return err
			}
			_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
			return err
		}},
		{"a garbled access token is unauthenticated", "unauthenticated", func() error {
			_, err := e.Accounts.Authenticate(ctx, "garbage")
			return err
		}},
		{"a signed-out session's access token is refused", "session_ended", func() error {
			m := e.Member(t, "退出", accounts.RoleFounder)
			if err := e.Accounts.Logout(ctx, m.Tokens.RefreshToken); err != nil {
				return err
			}
			_, err := e.Accounts.Authenticate(ctx, m.Tokens.AccessToken)
			return err
		}},
		{"a suspended account is refused", "account_suspended", func() error {
			m := e.Member(t, "停止", accounts.RoleFounder)
			if _, err := e.Accounts.SetSuspended(ctx, admin.P, m.ID, true); err != nil {
				return err
			}
			_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
			return err
		}},
		{"only admins suspend", "forbidden", func() error {
			_, err := e.Accounts.SetSuspended(ctx, member.P, admin.ID, true)
			return err
		}},
		{"admins do not suspend themselves", "cannot_suspend_self", func() error {
			_, err := e.Accounts.SetSuspended(ctx, admin.P, admin.ID, true)
			return err
		}},
		{"only admins grant roles", "forbidden", func() error {
			_, err := e.Accounts.GrantRole(ctx, member.P, member.ID, accounts.RoleOrganizer)
			return err
		}},
		{"admins grant only organizer", "role_not_grantable", func() error {
			_, err := e.Accounts.GrantRole(ctx, admin.P, member.ID, accounts.RoleAdmin)
			return err
		}},
		{"founder and mentor are not granted by admins", "role_not_grantable", func() error {
			_, err := e.Accounts.RevokeRole(ctx, admin.P, member.ID, accounts.RoleFounder)
			return err
		}},
		{"members take only founder or mentor", "role_not_self_service", func() error {
			_, err := e.Accounts.AddOwnRole(ctx, member.P, accounts.RoleOrganizer)
			return err
		}},
		{"granting a role to an unknown user", "not_found", func() error {
			_, err := e.Accounts.GrantRole(ctx, admin.P, bson.NewObjectID(), accounts.RoleOrganizer)
			return err
		}},
		{"a verified address is not verified again", "email_already_verified", func() error {
			return e.Accounts.ResendVerification(ctx, member.P)
		}},
		{"an unknown e-mail link is refused", "invalid_token", func() error {
			_, err := e.Accounts.VerifyEmail(ctx, "no-such-token")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			servicetest.WantCode(t, c.do(), c.code)
		})
	}
}

// Sign-ups racing for one address: exactly one account (the unique index
// arbitrates; no read-then-insert).
func TestConcurrentSignUpsForOneAddress(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	in := accounts.RegisterInput{Email: "same@example.jp", Password: servicetest.Password, DisplayName: "同じ人", Roles: []accounts.Role{accounts.RoleFounder}}
	codes := make([]string, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			other := in
			other.Password = servicetest.Password + string(rune('a'+i)) // not a retry of the same sign-up
			_, _, err := e.Accounts.Register(ctx, other)
			codes[i] = servicetest.Code(err)
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "email_taken":
		default:
			t.Fatalf("unexpected outcome %q in %q", c, codes)
		}
	}
	if won != 1 {
		t.Fatalf("outcomes %q: %d accounts for one address", codes, won)
	}
}

// A refresh token presented several times at once is used once: at most one
// presentation gets new tokens, and the reuse revokes the family.
func TestConcurrentRefreshesUseATokenOnce(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	codes := make([]string, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
			codes[i] = servicetest.Code(err)
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "refresh_token_reused", "invalid_refresh_token":
		default:
			t.Fatalf("unexpected outcome %q in %q", c, codes)
		}
	}
	if won > 1 {
		t.Fatalf("outcomes %q: the token was used %d times", codes, won)
	}
	// The family is revoked: the session's access token is refused too.
	_, err := e.Accounts.Authenticate(ctx, m.Tokens.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
}
