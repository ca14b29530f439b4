package accounts_test

import (
	"context"
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
	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "a sign-up needs a valid address", Code: "validation_failed", Do: func() error {
			_, _, err := e.Accounts.Register(ctx, signUp("not-an-address"))
			return err
		}},
		{Rule: "a request body never grants organizer or admin", Code: "validation_failed", Do: func() error {
			in := signUp("boss@example.jp")
			in.Roles = []accounts.Role{accounts.RoleAdmin}
			_, _, err := e.Accounts.Register(ctx, in)
			return err
		}},
		{Rule: "one account per address", Code: "email_taken", Do: func() error {
			in := signUp(member.Email)
			in.Password = "someone-else-2026" // not the owner retrying their sign-up
			_, _, err := e.Accounts.Register(ctx, in)
			return err
		}},
		{Rule: "a wrong password is refused", Code: "invalid_credentials", Do: func() error {
			_, _, err := e.Accounts.Login(ctx, member.Email, "wrong-password-2026")
			return err
		}},
		{Rule: "an unknown address is refused alike", Code: "invalid_credentials", Do: func() error {
			_, _, err := e.Accounts.Login(ctx, "nobody@example.jp", servicetest.Password)
			return err
		}},
		{Rule: "an unknown refresh token is refused", Code: "invalid_refresh_token", Do: func() error {
			_, err := e.Accounts.Refresh(ctx, "not-a-token")
			return err
		}},
		{Rule: "a used refresh token revokes its family", Code: "refresh_token_reused", Do: func() error {
			m := e.Member(t, "再利用", accounts.RoleFounder)
			if _, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken); err != nil {
				return err
			}
			_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
			return err
		}},
		{Rule: "a garbled access token is unauthenticated", Code: "unauthenticated", Do: func() error {
			_, err := e.Accounts.Authenticate(ctx, "garbage")
			return err
		}},
		{Rule: "a signed-out session's access token is refused", Code: "session_ended", Do: func() error {
			m := e.Member(t, "退出", accounts.RoleFounder)
			if err := e.Accounts.Logout(ctx, m.Tokens.RefreshToken); err != nil {
				return err
			}
			_, err := e.Accounts.Authenticate(ctx, m.Tokens.AccessToken)
			return err
		}},
		{Rule: "a suspended account is refused", Code: "account_suspended", Do: func() error {
			m := e.Member(t, "停止", accounts.RoleFounder)
			if _, err := e.Accounts.SetSuspended(ctx, admin.P, m.ID, true); err != nil {
				return err
			}
			_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
			return err
		}},
		{Rule: "only admins suspend", Code: "forbidden", Do: func() error {
			_, err := e.Accounts.SetSuspended(ctx, member.P, admin.ID, true)
			return err
		}},
		{Rule: "admins do not suspend themselves", Code: "cannot_suspend_self", Do: func() error {
			_, err := e.Accounts.SetSuspended(ctx, admin.P, admin.ID, true)
			return err
		}},
		{Rule: "only admins grant roles", Code: "forbidden", Do: func() error {
			_, err := e.Accounts.GrantRole(ctx, member.P, member.ID, accounts.RoleOrganizer)
			return err
		}},
		{Rule: "admins grant only organizer", Code: "role_not_grantable", Do: func() error {
			_, err := e.Accounts.GrantRole(ctx, admin.P, member.ID, accounts.RoleAdmin)
			return err
		}},
		{Rule: "founder and mentor are not granted by admins", Code: "role_not_grantable", Do: func() error {
			_, err := e.Accounts.RevokeRole(ctx, admin.P, member.ID, accounts.RoleFounder)
			return err
		}},
		{Rule: "members take only founder or mentor", Code: "role_not_self_service", Do: func() error {
			_, err := e.Accounts.AddOwnRole(ctx, member.P, accounts.RoleOrganizer)
			return err
		}},
		{Rule: "granting a role to an unknown user", Code: "not_found", Do: func() error {
			_, err := e.Accounts.GrantRole(ctx, admin.P, bson.NewObjectID(), accounts.RoleOrganizer)
			return err
		}},
		{Rule: "a verified address is not verified again", Code: "email_already_verified", Do: func() error {
			return e.Accounts.ResendVerification(ctx, member.P)
		}},
		{Rule: "an unknown e-mail link is refused", Code: "invalid_token", Do: func() error {
			_, err := e.Accounts.VerifyEmail(ctx, "no-such-token")
			return err
		}},
	})
}

// Sign-ups racing for one address: exactly one account (the unique index
// arbitrates; no read-then-insert).
func TestConcurrentSignUpsForOneAddress(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	in := accounts.RegisterInput{Email: "same@example.jp", Password: servicetest.Password, DisplayName: "同じ人", Roles: []accounts.Role{accounts.RoleFounder}}
	codes := servicetest.RaceN(6, func(i int) error {
		other := in
		other.Password = servicetest.Password + string(rune('a'+i)) // not a retry of the same sign-up
		_, _, err := e.Accounts.Register(ctx, other)
		return err
	})
	if won := servicetest.Wins(t, codes, "email_taken"); won != 1 {
		t.Fatalf("outcomes %q: %d accounts for one address", codes, won)
	}
}

// A refresh token presented several times at once is used once: at most one
// presentation gets new tokens, and the reuse revokes the family.
func TestConcurrentRefreshesUseATokenOnce(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	codes := servicetest.RaceN(6, func(int) error {
		_, err := e.Accounts.Refresh(ctx, m.Tokens.RefreshToken)
		return err
	})
	if won := servicetest.Wins(t, codes, "refresh_token_reused", "invalid_refresh_token"); won > 1 {
		t.Fatalf("outcomes %q: the token was used %d times", codes, won)
	}
	// The family is revoked: the session's access token is refused too.
	_, err := e.Accounts.Authenticate(ctx, m.Tokens.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
}
