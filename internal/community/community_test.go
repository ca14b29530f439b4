package community_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// setup is one community in Sapporo and its organizer.
func setup(t *testing.T) (*servicetest.Env, servicetest.Member, community.Community) {
	t.Helper()
	e := servicetest.New(t)
	org := e.Member(t, "世話人", accounts.RoleOrganizer)
	c, err := e.Community.Create(context.Background(), org.P, community.CommunityInput{Name: "札幌起業家の会", NameEn: "Sapporo founders", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01101"}})
	if err != nil {
		t.Fatal(err)
	}
	return e, org, c
}

// event is a short online event of capacity places, a week after now.
func event(now time.Time, capacity int) community.EventInput {
	start := now.Add(7 * 24 * time.Hour)
	return community.EventInput{Title: "朝の30分相談会", StartsAt: start, EndsAt: start.Add(30 * time.Minute), Online: true, Capacity: capacity, Tags: []string{"online", "short"}}
}

// The community error contract, one rule a row.
func TestCommunityErrorContract(t *testing.T) {
	ctx := context.Background()
	e, org, c := setup(t)
	member := e.Member(t, "田中 健", accounts.RoleFounder)
	outsider := e.Member(t, "部外者", accounts.RoleFounder)
	otherOrg := e.Member(t, "他の世話人", accounts.RoleOrganizer)
	if _, err := e.Community.Join(ctx, member.P, c.ID); err != nil {
		t.Fatal(err)
	}
	unverified := member
	unverified.P.EmailVerified = false

	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "only organizers create communities", Code: "forbidden", Do: func() error {
			_, err := e.Community.Create(ctx, member.P, community.CommunityInput{Name: "勝手な会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01101"}})
			return err
		}},
		{Rule: "a community covers known areas", Code: "validation_failed", Do: func() error {
			_, err := e.Community.Create(ctx, org.P, community.CommunityInput{Name: "どこでもない会", PrefectureCodes: []string{"99"}})
			return err
		}},
		{Rule: "an unknown community does not exist", Code: "not_found", Do: func() error {
			_, err := e.Community.Join(ctx, member.P, bson.NewObjectID())
			return err
		}},
		{Rule: "only its own organizers add events", Code: "forbidden", Do: func() error {
			_, err := e.Community.CreateEvent(ctx, otherOrg.P, c.ID, event(e.Clock.Now(), 10))
			return err
		}},
		{Rule: "an event starts in the future", Code: "validation_failed", Do: func() error {
			in := event(e.Clock.Now(), 10)
			in.StartsAt, in.EndsAt = servicetest.Start.Add(-time.Hour), servicetest.Start.Add(-time.Minute)
			_, err := e.Community.CreateEvent(ctx, org.P, c.ID, in)
			return err
		}},
		{Rule: "members post, others do not", Code: "not_a_member", Do: func() error {
			_, err := e.Community.CreatePost(ctx, outsider.P, c.ID, "こんにちは")
			return err
		}},
		{Rule: "posting needs a verified address", Code: "email_unverified", Do: func() error {
			_, err := e.Community.CreatePost(ctx, unverified.P, c.ID, "こんにちは")
			return err
		}},
		{Rule: "a post is at most 4000 characters", Code: "validation_failed", Do: func() error {
			_, err := e.Community.CreatePost(ctx, member.P, c.ID, strings.Repeat("あ", 4001))
			return err
		}},
		{Rule: "only its author edits a post", Code: "forbidden", Do: func() error {
			post, err := e.Community.CreatePost(ctx, member.P, c.ID, "初投稿です")
			if err != nil {
				return err
			}
			_, err = e.Community.EditPost(ctx, org.P, post.ID, "書き換え")
			return err
		}},
		{Rule: "only organizers pin", Code: "forbidden", Do: func() error {
			post, err := e.Community.CreatePost(ctx, member.P, c.ID, "ピンして")
			if err != nil {
				return err
			}
			_, err = e.Community.PinPost(ctx, member.P, post.ID, true)
			return err
		}},
		{Rule: "an RSVP is going, maybe or not_going", Code: "validation_failed", Do: func() error {
			ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, event(e.Clock.Now(), 10))
			if err != nil {
				return err
			}
			_, err = e.Community.Respond(ctx, member.P, ev.ID, "perhaps")
			return err
		}},
		{Rule: "a started event takes no RSVPs", Code: "event_past", Do: func() error {
			ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, event(e.Clock.Now(), 10))
			if err != nil {
				return err
			}
			e.Clock.Advance(8 * 24 * time.Hour)
			_, err = e.Community.Respond(ctx, member.P, ev.ID, community.RSVPGoing)
			return err
		}},
		{Rule: "a community keeps its last organizer", Code: "last_organizer", Do: func() error {
			return e.Community.Leave(ctx, org.P, c.ID)
		}},
		{Rule: "only organizers see the member list", Code: "forbidden", Do: func() error {
			_, _, err := e.Community.Members(ctx, member.P, c.ID, community.MemberFilter{Limit: 20})
			return err
		}},
	})
}

// Members racing for an event's places: never more going than places, the
// rest waitlisted in one order, and a place given up goes to the first on
// the waitlist.
func TestConcurrentRSVPsNeverOverbook(t *testing.T) {
	ctx := context.Background()
	e, org, c := setup(t)
	ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, event(e.Clock.Now(), 2))
	if err != nil {
		t.Fatal(err)
	}
	var members []servicetest.Member
	for range 8 {
		members = append(members, e.Member(t, "参加者", accounts.RoleFounder))
	}
	results := make([]community.RSVPResult, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() { results[i], errs[i] = e.Community.Respond(ctx, m.P, ev.ID, community.RSVPGoing) })
	}
	wg.Wait()
	var going []int
	positions := map[int]bool{}
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("RSVP %d: %v", i, errs[i])
		}
		switch r.Status {
		case community.RSVPGoing:
			going = append(going, i)
		case community.RSVPWaitlisted:
			positions[r.WaitlistPosition] = true
		default:
			t.Fatalf("RSVP %d: %+v", i, r)
		}
	}
	if len(going) != 2 || len(positions) != 6 {
		t.Fatalf("%d going and waitlist positions %v; want 2 going and 6 distinct positions", len(going), positions)
	}
	// A place given up goes to whoever is first on the waitlist.
	if _, err := e.Community.Respond(ctx, members[going[0]].P, ev.ID, community.RSVPNotGoing); err != nil {
		t.Fatal(err)
	}
	promoted := 0
	for i, m := range members {
		a, err := e.Community.EventAttendance(ctx, ev.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if results[i].Status == community.RSVPWaitlisted && a.Mine.Status == community.RSVPGoing {
			promoted++
			if results[i].WaitlistPosition != 1 {
				t.Errorf("promoted the member at waitlist position %d, not the first", results[i].WaitlistPosition)
			}
		}
	}
	if promoted != 1 {
		t.Fatalf("%d promoted from the waitlist, want 1", promoted)
	}
}

// Joins and leaves racing keep one membership per person and a member count
// equal to the active memberships.
func TestConcurrentJoinsKeepOneMembershipAndTheCount(t *testing.T) {
	ctx := context.Background()
	e, _, c := setup(t)
	var members []servicetest.Member
	for range 5 {
		members = append(members, e.Member(t, "会員", accounts.RoleFounder))
	}
	var wg sync.WaitGroup
	for _, m := range members {
		for range 3 { // each joins three times at once
			wg.Go(func() {
				if _, err := e.Community.Join(ctx, m.P, c.ID); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	got, err := e.Community.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(members)) + 1; got.MemberCount != want { // and the organizer
		t.Fatalf("member count %d after %d people joined (three times each, at once), want %d", got.MemberCount, len(members), want)
	}
}

// A member who left and comes back from several requests at once is counted
// once; leaving from several at once uncounts them once.
func TestConcurrentRejoinsAndLeavesCountOnce(t *testing.T) {
	ctx := context.Background()
	e, _, c := setup(t)
	m := e.Member(t, "出戻り", accounts.RoleFounder)
	at := func(times int, fn func() error) {
		var wg sync.WaitGroup
		for range times {
			wg.Go(func() {
				if err := fn(); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	count := func() int64 {
		got, err := e.Community.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.MemberCount
	}
	join := func() error { _, err := e.Community.Join(ctx, m.P, c.ID); return err }
	leave := func() error { return e.Community.Leave(ctx, m.P, c.ID) }
	for round := range 3 {
		at(1, join)
		at(4, leave)
		if n := count(); n != 1 {
			t.Fatalf("round %d: member count %d after leaving (4 times at once), want 1 (the organizer)", round, n)
		}
		at(4, join)
		if n := count(); n != 2 {
			t.Fatalf("round %d: member count %d after coming back (4 times at once), want 2", round, n)
		}
		at(1, leave)
	}
}

// Members not seen for LapsedDays are lapsed: organizers see them and invite
// them back to an event, once per event, leaving out those who turned
// invitations off. Activity reaches memberships through the accounts'
// activity flush, as in the API.
func TestLapsedMembersAreInvitedBackOnce(t *testing.T) {
	ctx := context.Background()
	e, org, c := setup(t)
	active := e.Member(t, "常連", accounts.RoleFounder)
	quiet := e.Member(t, "ご無沙汰", accounts.RoleFounder)
	optedOut := e.Member(t, "通知不要", accounts.RoleFounder)
	for _, m := range []servicetest.Member{active, quiet, optedOut} {
		if _, err := e.Community.Join(ctx, m.P, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	off := false
	if _, err := e.Accounts.Update(ctx, optedOut.ID, accounts.UpdateInput{Invitations: &off}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(100 * 24 * time.Hour)
	e.Accounts.Touch(ctx, active.ID)
	e.Accounts.Touch(ctx, org.ID)
	if _, err := e.Accounts.FlushActivity(ctx); err != nil {
		t.Fatal(err)
	}

	lapsed, _, err := e.Community.Members(ctx, org.P, c.ID, community.MemberFilter{Status: "lapsed", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	got := map[bson.ObjectID]bool{}
	for _, m := range lapsed {
		got[m.UserID] = true
	}
	if len(got) != 2 || !got[quiet.ID] || !got[optedOut.ID] {
		t.Fatalf("lapsed members %v; want the two not seen for 100 days", got)
	}
	ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, event(e.Clock.Now(), 20))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Community.InviteLapsed(ctx, org.P, ev.ID)
	if err != nil || res != (community.InviteResult{Invited: 1, OptedOut: 1, Lapsed: 2}) {
		t.Fatalf("first round: %+v, %v", res, err)
	}
	res, err = e.Community.InviteLapsed(ctx, org.P, ev.ID)
	if err != nil || res != (community.InviteResult{AlreadyInvited: 1, OptedOut: 1, Lapsed: 2}) {
		t.Fatalf("second round: %+v, %v", res, err)
	}
	if !e.Notified(t, quiet, "event_invitation") || e.Notified(t, optedOut, "event_invitation") || e.Notified(t, active, "event_invitation") {
		t.Fatal("invitations went to the wrong members")
	}
	_, err = e.Community.InviteLapsed(ctx, active.P, ev.ID)
	servicetest.WantCode(t, err, "forbidden")
}

// Posts are listed pinned first, then newest first, page by page without
// gaps or repeats; a removed post is gone from the list, and an organizer
// may remove anyone's post in their community.
func TestPostsArePagedPinnedFirst(t *testing.T) {
	ctx := context.Background()
	e, org, c := setup(t)
	m := e.Member(t, "田中 健", accounts.RoleFounder)
	if _, err := e.Community.Join(ctx, m.P, c.ID); err != nil {
		t.Fatal(err)
	}
	var posts []community.Post
	for i := range 7 {
		p, err := e.Community.CreatePost(ctx, m.P, c.ID, "投稿 "+string(rune('A'+i)))
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p)
	}
	if _, err := e.Community.PinPost(ctx, org.P, posts[1].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.Community.DeletePost(ctx, org.P, posts[4].ID); err != nil {
		t.Fatalf("organizer removing a member's post: %v", err)
	}
	want := []bson.ObjectID{posts[1].ID, posts[6].ID, posts[5].ID, posts[3].ID, posts[2].ID, posts[0].ID}
	var got []bson.ObjectID
	next := ""
	for page := 0; ; page++ {
		items, cur, err := e.Community.ListPosts(ctx, m.P, c.ID, 2, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range items {
			got = append(got, p.ID)
		}
		if cur == "" {
			break
		}
		if page > len(want) {
			t.Fatal("paging does not end")
		}
		next = cur
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	_, _, err := e.Community.ListPosts(ctx, m.P, c.ID, 2, "not-a-cursor")
	servicetest.WantCode(t, err, "validation_failed")
	_, err = e.Community.GetPost(ctx, m.P, posts[4].ID)
	servicetest.WantCode(t, err, "not_found")
}

// Upcoming events near a place: in-person ones within the radius, nearest
// first, online ones reachable from anywhere (0 km); a window of dates and a
// tag narrow the list.
func TestEventsNearAPlace(t *testing.T) {
	ctx := context.Background()
	e, org, c := setup(t)
	at := func(days int) (time.Time, time.Time) {
		s := e.Clock.Now().Add(time.Duration(days) * 24 * time.Hour)
		return s, s.Add(time.Hour)
	}
	mk := func(title string, days int, muni string) community.Event {
		t.Helper()
		in := community.EventInput{Title: title, Capacity: 10}
		in.StartsAt, in.EndsAt = at(days)
		if muni == "" {
			in.Online, in.Tags = true, []string{"online"}
		} else {
			in.Venue = &community.VenueInput{MunicipalityCode: muni}
		}
		ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	sapporo := mk("札幌で", 3, "01101")
	asahikawa := mk("旭川で", 2, "01204")
	online := mk("オンラインで", 10, "")
	mk("函館で", 1, "01202") // about 250 km from Asahikawa
	later := mk("旭川でまた", 40, "01204")

	asahi, _ := e.Areas.Municipality("01204")
	ids := func(ls []community.Located) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Title)
		}
		return out
	}
	got, more, err := e.Community.ListEvents(ctx, community.EventFilter{Near: &asahi.Location, RadiusKm: 150, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Online events count as 0 km: they tie with a venue at the very
	// place (Asahikawa's own point), and the sooner comes first.
	want := []string{asahikawa.Title, online.Title, later.Title, sapporo.Title}
	if !slices.Equal(ids(got), want) || more {
		t.Fatalf("near Asahikawa: %v (more %v), want %v", ids(got), more, want)
	}
	from, _ := at(2)
	to, _ := at(30)
	got, _, err = e.Community.ListEvents(ctx, community.EventFilter{From: from, To: to, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{asahikawa.Title, sapporo.Title, online.Title}; !slices.Equal(ids(got), want) {
		t.Fatalf("from day 2 to day 30: %v, want %v", ids(got), want)
	}
	got, _, err = e.Community.ListEvents(ctx, community.EventFilter{Tag: "online", Limit: 10})
	if err != nil || !slices.Equal(ids(got), []string{online.Title}) {
		t.Fatalf("tagged online: %v, %v", ids(got), err)
	}
	_, _, err = e.Community.ListEvents(ctx, community.EventFilter{From: to, To: from, Limit: 10})
	servicetest.WantCode(t, err, "validation_failed")
}

// The list keeps the communities' places in memory: one created by another
// instance on the same database is listed too, at its place in the order,
// and a page carries the communities as they are now (member counts).
func TestCommunityListSeesOtherInstances(t *testing.T) {
	ctx := context.Background()
	e, org, sapporo := setup(t)
	other, err := community.New(ctx, e.DB, e.Areas, e.Accounts, e.Notifications, community.Config{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	asahi, _ := e.Areas.Municipality("01204")
	names := func() []string {
		t.Helper()
		got, _, err := e.Community.List(ctx, community.CommunityFilter{Near: &asahi.Location, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range got {
			out = append(out, c.Name+":"+strconv.FormatInt(c.MemberCount, 10))
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{sapporo.Name + ":1"}) {
		t.Fatalf("before: %v", got)
	}
	asahikawa, err := other.Create(ctx, org.P, community.CommunityInput{Name: "旭川の会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01204"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Join(ctx, e.Member(t, "田中 健", accounts.RoleFounder).P, sapporo.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := names(), []string{asahikawa.Name + ":1", sapporo.Name + ":2"}; !slices.Equal(got, want) {
		t.Fatalf("after another instance created one: %v, want %v", got, want)
	}
	got, _, err := e.Community.List(ctx, community.CommunityFilter{Prefecture: "13", Limit: 10})
	if err != nil || len(got) != 0 {
		t.Fatalf("in Tokyo: %v, %v", got, err)
	}
}
