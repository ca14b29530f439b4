package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// The principal directory holds at most its limit of users: the least
// recently used are evicted, and an evicted user is read back from the
// database on their next request, with their current state.
func TestDirectoryIsBoundedAndEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	const limit = 8
	accounts.SetDirectoryLimit(e.Accounts, limit)
	admin := e.Member(t, "管理者", accounts.RoleAdmin)
	var members []servicetest.Member
	for range 3 * limit {
		m := e.Member(t, "会員", accounts.RoleFounder)
		members = append(members, m)
		// The admin acts between sign-ups, so stays recently used.
		if _, err := e.Accounts.Authenticate(ctx, admin.Tokens.AccessToken); err != nil {
			t.Fatal(err)
		}
		if n := accounts.DirectoryLen(e.Accounts); n > limit {
			t.Fatalf("directory holds %d users, limit %d", n, limit)
		}
	}
	// The first members were evicted long ago. One of them is suspended
	// meanwhile (a write through the service, which caches them again), the
	// other comes back: both are served with their state in the database.
	first, second := members[0], members[1]
	if _, err := e.Accounts.SetSuspended(ctx, admin.P, first.ID, true); err != nil {
		t.Fatal(err)
	}
	for range limit { // push the suspended one out again
		e.Member(t, "会員", accounts.RoleFounder)
		if _, err := e.Accounts.Authenticate(ctx, admin.Tokens.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.Accounts.Authenticate(ctx, first.Tokens.AccessToken)
	servicetest.WantCode(t, err, "account_suspended")
	p, err := e.Accounts.Authenticate(ctx, second.Tokens.AccessToken)
	if err != nil || p.UserID != second.ID || !p.Has(accounts.RoleFounder) {
		t.Fatalf("evicted member: %+v, %v", p, err)
	}
	u, err := e.Accounts.Get(ctx, second.ID)
	if err != nil || u.DisplayName != "会員" || u.PasswordHash != "" {
		t.Fatalf("evicted member read back: %+v, %v", u, err)
	}
	// The admin, used between every sign-up, was never evicted; the
	// members signed up first were.
	if !accounts.DirectoryHolds(e.Accounts, admin.ID) {
		t.Error("the most recently used user was evicted")
	}
	if accounts.DirectoryHolds(e.Accounts, members[2].ID) {
		t.Error("a user unused since 2 limits of sign-ups ago is still held")
	}
	if n := accounts.DirectoryLen(e.Accounts); n > limit {
		t.Fatalf("directory holds %d users, limit %d", n, limit)
	}
}

// Activity is kept in memory only until it is written and for the hour it
// throttles: after a flush an hour later, nothing is held for anyone.
func TestActivityMapsAreSweptByFlush(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	var members []servicetest.Member
	for range 5 {
		members = append(members, e.Member(t, "会員", accounts.RoleFounder))
	}
	for _, m := range members {
		e.Accounts.Touch(ctx, m.ID)
		e.Accounts.Touch(ctx, m.ID) // within the hour: noted once
	}
	if noted, pending := accounts.ActivityHeld(e.Accounts); noted != 5 || pending != 5 {
		t.Fatalf("after 5 users' activity: %d noted, %d pending; want 5 and 5", noted, pending)
	}
	if n, err := e.Accounts.FlushActivity(ctx); err != nil || n != 5 {
		t.Fatalf("flush: %d, %v; want 5 written", n, err)
	}
	if noted, pending := accounts.ActivityHeld(e.Accounts); noted != 5 || pending != 0 {
		t.Fatalf("after the flush: %d noted, %d pending; want 5 still throttled, none pending", noted, pending)
	}
	e.Clock.Advance(time.Hour)
	if _, err := e.Accounts.FlushActivity(ctx); err != nil {
		t.Fatal(err)
	}
	if noted, pending := accounts.ActivityHeld(e.Accounts); noted != 0 || pending != 0 {
		t.Fatalf("an hour later: %d noted, %d pending; want nothing held", noted, pending)
	}
	// What was written survives the sweep.
	u, err := e.Accounts.Get(ctx, members[0].ID)
	if err != nil || !u.LastActiveAt.Equal(servicetest.Start) {
		t.Fatalf("last activity %v, %v; want %v", u.LastActiveAt, err, servicetest.Start)
	}
}
