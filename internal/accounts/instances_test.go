package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A second instance on the same database (MongoDB in production) serves
// signed-in members from its own directory and follows the first one's
// writes by SyncDirectory: a suspension, a signed-out session, a deleted
// account.
func TestSecondInstanceFollowsBySyncDirectory(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	other, err := accounts.New(ctx, e.DB, accounts.Config{JWTSecret: servicetest.Secret, Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.Member(t, "管理者", accounts.RoleAdmin)
	suspended := e.Member(t, "停止予定", accounts.RoleFounder)
	leaving := e.Member(t, "退会予定", accounts.RoleFounder)
	signedOut := e.Member(t, "ログアウト予定", accounts.RoleFounder)
	for _, m := range []servicetest.Member{suspended, leaving, signedOut} {
		if _, err := other.Authenticate(ctx, m.Tokens.AccessToken); err != nil {
			t.Fatalf("%s on the other instance: %v", m.DisplayName, err)
		}
	}
	if _, err := e.Accounts.SetSuspended(ctx, admin.P, suspended.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.Accounts.Logout(ctx, signedOut.Tokens.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Accounts.BeginErasure(ctx, leaving.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Accounts.EraseAccount(ctx, leaving.ID); err != nil {
		t.Fatal(err)
	}
	// Until it syncs, the other instance answers from its directory.
	if _, err := other.Authenticate(ctx, suspended.Tokens.AccessToken); err != nil {
		t.Fatalf("before the sync: %v (the directory is read first)", err)
	}
	e.Clock.Advance(time.Second)
	if err := other.SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = other.Authenticate(ctx, suspended.Tokens.AccessToken)
	servicetest.WantCode(t, err, "account_suspended")
	_, err = other.Authenticate(ctx, signedOut.Tokens.AccessToken)
	servicetest.WantCode(t, err, "session_ended")
	if accounts.DirectoryHolds(other, leaving.ID) {
		t.Fatal("the other instance still holds a deleted account")
	}
	_, err = other.Get(ctx, leaving.ID)
	servicetest.WantCode(t, err, "not_found") // others see it under a former member's id
	_, err = other.Authenticate(ctx, leaving.Tokens.AccessToken)
	servicetest.WantCode(t, err, "unauthenticated")
}
