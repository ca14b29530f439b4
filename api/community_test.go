package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/ids"
	"github.com/kizuna-dev/kizuna/internal/mail"
)

// admin signs up the configured admin e-mail (see openTestApp).
func (ta *testApp) admin() account {
	ta.t.Helper()
	var out AuthResponseBody
	res := ta.post("/v1/auth/login", "", map[string]string{"email": "admin@kizuna.example", "password": testPassword})
	if res.Code == http.StatusOK {
		res.decode(&out)
	} else {
		ta.post("/v1/auth/register", "", map[string]any{"email": "admin@kizuna.example", "password": testPassword, "displayName": "管理者", "roles": []string{}}).
			want(http.StatusCreated).decode(&out)
		ta.verifyEmail(out.User.ID, "admin@kizuna.example") // the admin role comes with the proven address
	}
	return account{ID: out.User.ID, Email: "admin@kizuna.example", Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
}

// organizer signs up a user and has the admin grant them the organizer role.
func (ta *testApp) organizer(name string) account {
	ta.t.Helper()
	o := ta.signUp(name, "mentor")
	ta.post("/v1/admin/users/"+o.ID+"/roles", ta.admin().Access, map[string]string{"role": "organizer"}).want(http.StatusOK)
	return o
}

type communityBody struct {
	ID          string `json:"id"`
	MemberCount int    `json:"memberCount"`
	MyRole      string `json:"myRole"`
}

func (ta *testApp) newCommunity(org account, name string, municipalities ...string) communityBody {
	ta.t.Helper()
	var c communityBody
	ta.post("/v1/communities", org.Access, map[string]any{
		"name": name, "nameEn": "Community", "description": "free", "prefectureCodes": []string{"01"}, "municipalityCodes": municipalities,
	}).want(http.StatusCreated).decode(&c)
	return c
}

func (ta *testApp) newEvent(org account, communityID string, capacity int, startIn time.Duration, tags ...string) string {
	ta.t.Helper()
	start := ta.clock.Now().Add(startIn)
	var e struct {
		ID string `json:"id"`
	}
	if tags == nil {
		tags = []string{}
	}
	ta.post("/v1/communities/"+communityID+"/events", org.Access, map[string]any{
		"title": "30分だけ相談会", "startsAt": start, "endsAt": start.Add(30 * time.Minute),
		"venue": map[string]string{"municipalityCode": "01207", "address": "とかちプラザ"}, "capacity": capacity, "tags": tags,
	}).want(http.StatusCreated).decode(&e)
	return e.ID
}

func TestOrganizerScoping(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	orgA, orgB := ta.organizer("orgA"), ta.organizer("orgB")
	a := ta.newCommunity(orgA, "十勝", "01207")
	b := ta.newCommunity(orgB, "釧路", "01206")
	member := ta.signUp("member", "founder")

	// Plain members cannot create communities.
	ta.post("/v1/communities", member.Access, map[string]any{"name": "x", "prefectureCodes": []string{"01"}}).wantProblem(http.StatusForbidden, "forbidden")
	// Organizer of A cannot act on B.
	ta.post("/v1/communities/"+b.ID+"/events", orgA.Access, map[string]any{
		"title": "x", "startsAt": ta.clock.Now().Add(time.Hour), "endsAt": ta.clock.Now().Add(2 * time.Hour), "online": true, "capacity": 5,
	}).wantProblem(http.StatusForbidden, "forbidden")
	ta.get("/v1/communities/"+b.ID+"/members", orgA.Access).wantProblem(http.StatusForbidden, "forbidden")
	evB := ta.newEvent(orgB, b.ID, 5, 24*time.Hour)
	ta.post("/v1/events/"+evB+"/invite-lapsed", orgA.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/communities/"+b.ID+"/join", member.Access, nil).want(http.StatusOK)
	var post struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+b.ID+"/posts", member.Access, map[string]string{"body": "こんにちは"}).want(http.StatusCreated).decode(&post)
	ta.post("/v1/posts/"+post.ID+"/pin", orgA.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
	ta.delete("/v1/posts/"+post.ID, orgA.Access).wantProblem(http.StatusForbidden, "forbidden")
	// Organizer of B can; so can the admin, anywhere.
	ta.post("/v1/posts/"+post.ID+"/pin", orgB.Access, nil).want(http.StatusOK)
	ta.get("/v1/communities/"+a.ID+"/members", ta.admin().Access).want(http.StatusOK)

	// Revoking the role takes effect at once, with the same token.
	ta.delete("/v1/admin/users/"+orgA.ID+"/roles/organizer", ta.admin().Access).want(http.StatusOK)
	ta.get("/v1/communities/"+a.ID+"/members", orgA.Access).wantProblem(http.StatusForbidden, "forbidden")
	// Only organizer goes through the admin path; only admins use it.
	ta.post("/v1/admin/users/"+member.ID+"/roles", ta.admin().Access, map[string]string{"role": "admin"}).wantProblem(http.StatusBadRequest, "role_not_grantable")
	ta.post("/v1/admin/users/"+member.ID+"/roles", orgB.Access, map[string]string{"role": "organizer"}).wantProblem(http.StatusForbidden, "forbidden")
}

func TestSuspensionRevokesAccessAtOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("問題のある人", "01207", "sales")
	f := ta.newFounder("f", "01207")
	ta.get("/v1/me", m.Access).want(http.StatusOK)
	var before searchBody
	ta.get("/v1/mentors?topic=sales", f.Access).want(http.StatusOK).decode(&before)
	if len(before.Items) != 1 {
		t.Fatalf("mentor not listed before suspension")
	}

	admin := ta.admin()
	ta.post("/v1/admin/users/"+m.ID+"/suspend", admin.Access, nil).want(http.StatusOK)
	ta.get("/v1/me", m.Access).wantProblem(http.StatusForbidden, "account_suspended")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": m.Refresh}).wantProblem(http.StatusForbidden, "account_suspended")
	ta.post("/v1/auth/login", "", map[string]string{"email": m.Email, "password": testPassword}).wantProblem(http.StatusForbidden, "account_suspended")
	var after searchBody
	ta.get("/v1/mentors?topic=sales", f.Access).want(http.StatusOK).decode(&after)
	if len(after.Items) != 0 {
		t.Fatal("suspended mentor still listed")
	}
	ta.post("/v1/admin/users/"+admin.ID+"/suspend", admin.Access, nil).wantProblem(http.StatusConflict, "cannot_suspend_self")
	ta.post("/v1/admin/users/"+m.ID+"/suspend", f.Access, nil).wantProblem(http.StatusForbidden, "forbidden")

	ta.post("/v1/admin/users/"+m.ID+"/unsuspend", admin.Access, nil).want(http.StatusOK)
	ta.get("/v1/me", m.Access).want(http.StatusOK)
}

func TestVerificationFeedsTrust(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("m", "01207", "sales")
	f := ta.newFounder("f", "01207")
	score := func() float64 {
		var res struct {
			Items []suggestionBody `json:"items"`
		}
		ta.get("/v1/match-suggestions?topic=sales&near=01207", f.Access).want(http.StatusOK).decode(&res)
		return res.Items[0].Components["trust"].Score
	}
	before := score()
	org := ta.organizer("org")
	ta.post("/v1/admin/mentors/"+m.ID+"/verify", org.Access, nil).want(http.StatusOK)
	if after := score(); after <= before {
		t.Fatalf("trust %v -> %v after verification", before, after)
	}
	ta.post("/v1/admin/mentors/"+f.ID+"/verify", org.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/admin/mentors/"+m.ID+"/verify", f.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
}

func TestMembershipAndPosts(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝起業者", "01207")
	alice, bob := ta.signUp("alice", "founder"), ta.signUp("bob", "mentor")

	// Not a member: cannot read or write.
	ta.get("/v1/communities/"+c.ID+"/posts", alice.Access).wantProblem(http.StatusForbidden, "not_a_member")
	ta.post("/v1/communities/"+c.ID+"/posts", alice.Access, map[string]string{"body": "x"}).wantProblem(http.StatusForbidden, "not_a_member")
	var m struct {
		Role   string `json:"role"`
		Status string `json:"status"`
	}
	ta.post("/v1/communities/"+c.ID+"/join", alice.Access, nil).want(http.StatusOK).decode(&m)
	ta.post("/v1/communities/"+c.ID+"/join", alice.Access, nil).want(http.StatusOK) // idempotent
	ta.post("/v1/communities/"+c.ID+"/join", bob.Access, nil).want(http.StatusOK)
	if m.Role != "member" || m.Status != "active" {
		t.Fatalf("membership %+v", m)
	}
	var got communityBody
	ta.get("/v1/communities/"+c.ID, alice.Access).want(http.StatusOK).decode(&got)
	if got.MemberCount != 3 || got.MyRole != "member" {
		t.Fatalf("community %+v", got)
	}

	post := func(a account, body string) string {
		var p struct {
			ID string `json:"id"`
		}
		ta.post("/v1/communities/"+c.ID+"/posts", a.Access, map[string]string{"body": body}).want(http.StatusCreated).decode(&p)
		return p.ID
	}
	p1 := post(alice, "一つ目")
	p2 := post(bob, "二つ目")
	p3 := post(alice, "三つ目")
	ta.post("/v1/communities/"+c.ID+"/posts", alice.Access, map[string]string{"body": "  "}).wantProblem(http.StatusBadRequest, "validation_failed")

	// Authors edit their own only.
	ta.patch("/v1/posts/"+p1, bob.Access, map[string]string{"body": "hijack"}).wantProblem(http.StatusForbidden, "forbidden")
	ta.patch("/v1/posts/"+p1, alice.Access, map[string]string{"body": "一つ目（修正）"}).want(http.StatusOK)
	// Members cannot pin; organizers can.
	ta.post("/v1/posts/"+p1+"/pin", alice.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/posts/"+p1+"/pin", org.Access, nil).want(http.StatusOK)

	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Body   string `json:"body"`
			Pinned bool   `json:"pinned"`
		} `json:"items"`
		NextCursor string `json:"nextCursor"`
	}
	ta.get("/v1/communities/"+c.ID+"/posts?limit=2", bob.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 2 || list.Items[0].ID != p1 || !list.Items[0].Pinned || list.Items[1].ID != p3 || list.Items[0].Body != "一つ目（修正）" {
		t.Fatalf("page 1: %+v", list.Items)
	}
	cursor := list.NextCursor
	list.Items, list.NextCursor = nil, "" // absent on the last page: not kept from page 1
	ta.get("/v1/communities/"+c.ID+"/posts?limit=2&cursor="+cursor, bob.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 || list.Items[0].ID != p2 || list.NextCursor != "" {
		t.Fatalf("page 2: %+v", list.Items)
	}

	// Removal: the organizer removes bob's post; the author deletes their own.
	ta.delete("/v1/posts/"+p2, alice.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.delete("/v1/posts/"+p2, org.Access).want(http.StatusNoContent)
	ta.delete("/v1/posts/"+p3, alice.Access).want(http.StatusNoContent)
	ta.get("/v1/communities/"+c.ID+"/posts", bob.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 || list.Items[0].ID != p1 {
		t.Fatalf("after removals: %+v", list.Items)
	}
	ta.patch("/v1/posts/"+p2, bob.Access, map[string]string{"body": "back"}).wantProblem(http.StatusNotFound, "not_found")

	// Leaving; the last organizer cannot.
	ta.post("/v1/communities/"+c.ID+"/leave", alice.Access, nil).want(http.StatusNoContent)
	ta.get("/v1/communities/"+c.ID+"/posts", alice.Access).wantProblem(http.StatusForbidden, "not_a_member")
	ta.post("/v1/communities/"+c.ID+"/leave", org.Access, nil).wantProblem(http.StatusConflict, "last_organizer")

	// Listing near a place: nearest first.
	far := ta.newCommunity(org, "函館", "01202")
	var cs struct {
		Items []struct {
			ID         string   `json:"id"`
			DistanceKm *float64 `json:"distanceKm"`
		} `json:"items"`
	}
	ta.get("/v1/communities?prefecture=01&near=01207", bob.Access).want(http.StatusOK).decode(&cs)
	if len(cs.Items) != 2 || cs.Items[0].ID != c.ID || cs.Items[1].ID != far.ID {
		t.Fatalf("communities near 帯広: %+v", cs.Items)
	}
	ta.get("/v1/communities?prefecture=99", bob.Access).wantProblem(http.StatusBadRequest, "validation_failed")
}

// Thirty members race for ten places: exactly ten go, twenty wait, and a
// place that frees goes to the first on the waitlist.
func TestRSVPRaceForPlaces(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	ev := ta.newEvent(org, c.ID, 10, 48*time.Hour, "free", "short")

	const n = 30
	people := make([]account, n)
	for i := range n {
		people[i] = ta.signUp(fmt.Sprintf("p%d", i), "founder")
	}
	statuses := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var r struct {
				Status string `json:"status"`
			}
			ta.post("/v1/events/"+ev+"/rsvp", people[i].Access, map[string]string{"status": "going"}).want(http.StatusOK).decode(&r)
			statuses[i] = r.Status
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count["going"] != 10 || count["waitlisted"] != 20 {
		t.Fatalf("statuses %v, want 10 going and 20 waitlisted", count)
	}
	var e struct {
		Going      int `json:"going"`
		Waitlisted int `json:"waitlisted"`
	}
	ta.get("/v1/events/"+ev, org.Access).want(http.StatusOK).decode(&e)
	if e.Going != 10 || e.Waitlisted != 20 {
		t.Fatalf("event counts %+v", e)
	}

	// Find the head of the waitlist, then free a place.
	first := -1
	for i, p := range people {
		var mine struct {
			MyRSVP struct {
				Status           string `json:"status"`
				WaitlistPosition int    `json:"waitlistPosition"`
			} `json:"myRsvp"`
		}
		ta.get("/v1/events/"+ev, p.Access).want(http.StatusOK).decode(&mine)
		if mine.MyRSVP.Status == "waitlisted" && mine.MyRSVP.WaitlistPosition == 1 {
			first = i
		}
	}
	if first < 0 {
		t.Fatal("nobody is first on the waitlist")
	}
	goer := -1
	for i, s := range statuses {
		if s == "going" {
			goer = i
			break
		}
	}
	ta.post("/v1/events/"+ev+"/rsvp", people[goer].Access, map[string]string{"status": "not_going"}).want(http.StatusOK)
	var promoted struct {
		MyRSVP struct {
			Status string `json:"status"`
		} `json:"myRsvp"`
	}
	ta.get("/v1/events/"+ev, people[first].Access).want(http.StatusOK).decode(&promoted)
	if promoted.MyRSVP.Status != "going" {
		t.Fatalf("first on the waitlist is %q after a place freed", promoted.MyRSVP.Status)
	}
	if n := ta.unread(people[first], "event_place_confirmed"); n != 1 {
		t.Errorf("promoted member got %d notices", n)
	}
	ta.get("/v1/events/"+ev, org.Access).want(http.StatusOK).decode(&e)
	if e.Going != 10 || e.Waitlisted != 19 {
		t.Fatalf("after promotion %+v", e)
	}
	// Going to an event joined its community.
	var cm communityBody
	ta.get("/v1/communities/"+c.ID, people[first].Access).want(http.StatusOK).decode(&cm)
	if cm.MyRole != "member" {
		t.Fatalf("RSVP did not join the community: %+v", cm)
	}
}

func TestEventValidationAndListing(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	now := ta.clock.Now()
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"title": "", "startsAt": now.Add(time.Hour), "endsAt": now.Add(2 * time.Hour), "online": true, "capacity": 5}, "title"},
		{map[string]any{"title": "x", "startsAt": now.Add(-time.Hour), "endsAt": now.Add(time.Hour), "online": true, "capacity": 5}, "startsAt"},
		{map[string]any{"title": "x", "startsAt": now.Add(2 * time.Hour), "endsAt": now.Add(time.Hour), "online": true, "capacity": 5}, "endsAt"},
		{map[string]any{"title": "x", "startsAt": now.AddDate(3, 0, 0), "endsAt": now.AddDate(3, 0, 0).Add(time.Hour), "online": true, "capacity": 5}, "startsAt"},
		{map[string]any{"title": "x", "startsAt": now.Add(time.Hour), "endsAt": now.Add(2 * time.Hour), "capacity": 5}, "venue"},
		{map[string]any{"title": "x", "startsAt": now.Add(time.Hour), "endsAt": now.Add(2 * time.Hour), "online": true, "capacity": 0}, "capacity"},
		{map[string]any{"title": "x", "startsAt": now.Add(time.Hour), "endsAt": now.Add(3 * time.Hour), "online": true, "capacity": 5, "tags": []string{"short"}}, "tags"},
		{map[string]any{"title": "x", "startsAt": now.Add(time.Hour), "endsAt": now.Add(90 * time.Minute), "capacity": 5, "tags": []string{"online"},
			"venue": map[string]string{"municipalityCode": "01207"}}, "tags"},
		{map[string]any{"title": "x", "startsAt": now.Add(time.Hour), "endsAt": now.Add(90 * time.Minute), "online": true, "capacity": 5, "tags": []string{"party"}}, "tags"},
	}
	for _, tc := range cases {
		p := ta.post("/v1/communities/"+c.ID+"/events", org.Access, tc.body).wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField(tc.field) {
			t.Errorf("%v: want %s, got %+v", tc.body, tc.field, p.Errors)
		}
	}
	obihiro := ta.newEvent(org, c.ID, 10, 48*time.Hour, "free")
	var online struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+c.ID+"/events", org.Access, map[string]any{
		"title": "オンライン雑談", "startsAt": now.Add(72 * time.Hour), "endsAt": now.Add(72*time.Hour + 45*time.Minute),
		"online": true, "capacity": 50, "tags": []string{"online", "short", "free"},
	}).want(http.StatusCreated).decode(&online)
	var sapporo struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+c.ID+"/events", org.Access, map[string]any{
		"title": "札幌で交流会", "startsAt": now.Add(24 * time.Hour), "endsAt": now.Add(26 * time.Hour),
		"venue": map[string]string{"municipalityCode": "01101"}, "capacity": 50,
	}).want(http.StatusCreated).decode(&sapporo)

	f := ta.signUp("f", "founder")
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ids := func() []string {
		out := []string{}
		for _, it := range list.Items {
			out = append(out, it.ID)
		}
		return out
	}
	ta.get("/v1/events?near=01207&radiusKm=50", f.Access).want(http.StatusOK).decode(&list)
	// The 帯広 venue is at the office point (0 km), like the online event:
	// the tie goes to the sooner one. 札幌 is beyond 50 km.
	if fmt.Sprint(ids()) != fmt.Sprint([]string{obihiro, online.ID}) {
		t.Fatalf("near 帯広 within 50 km: %v", ids())
	}
	ta.get("/v1/events", f.Access).want(http.StatusOK).decode(&list)
	if fmt.Sprint(ids()) != fmt.Sprint([]string{sapporo.ID, obihiro, online.ID}) {
		t.Fatalf("all by start: %v", ids())
	}
	ta.get("/v1/events?tag=short", f.Access).want(http.StatusOK).decode(&list)
	if fmt.Sprint(ids()) != fmt.Sprint([]string{online.ID}) {
		t.Fatalf("short: %v", ids())
	}
	ta.get("/v1/events?tag=party", f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.get("/v1/events?from=yesterday", f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/events/"+obihiro+"/rsvp", f.Access, map[string]string{"status": "perhaps"}).wantProblem(http.StatusBadRequest, "validation_failed")
	// Past events take no RSVP.
	ta.clock.Advance(49 * time.Hour)
	f = ta.login(f.Email, testPassword)
	ta.post("/v1/events/"+obihiro+"/rsvp", f.Access, map[string]string{"status": "going"}).wantProblem(http.StatusConflict, "event_past")
}

// Members inactive for KIZUNA_LAPSED_DAYS are lapsed; inviting them back
// reaches each once, never those who opted out.
func TestLapsedMembersInvitedOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	quiet := ta.signUp("quiet", "founder")
	optedOut := ta.signUp("optedout", "mentor")
	active := ta.signUp("active", "founder")
	for _, a := range []account{quiet, optedOut, active} {
		ta.post("/v1/communities/"+c.ID+"/join", a.Access, nil).want(http.StatusOK)
	}
	ta.patch("/v1/me", optedOut.Access, map[string]any{"preferences": map[string]bool{"invitations": false}}).want(http.StatusOK)

	// 91 days pass; only "active" and the organizer use the API meanwhile.
	ta.clock.Advance(91 * 24 * time.Hour)
	org = ta.login(org.Email, testPassword)
	active = ta.login(active.Email, testPassword)
	ta.get("/v1/me", active.Access).want(http.StatusOK)

	var lapsed struct {
		Items []struct {
			DisplayName string `json:"displayName"`
			Lapsed      bool   `json:"lapsed"`
		} `json:"items"`
	}
	ta.get("/v1/communities/"+c.ID+"/members?status=lapsed", org.Access).want(http.StatusOK).decode(&lapsed)
	names := map[string]bool{}
	for _, m := range lapsed.Items {
		names[m.DisplayName] = m.Lapsed
	}
	if len(names) != 2 || !names["quiet"] || !names["optedout"] {
		t.Fatalf("lapsed members %+v", lapsed.Items)
	}
	ta.get("/v1/communities/"+c.ID+"/members?status=sleeping", org.Access).wantProblem(http.StatusBadRequest, "validation_failed")

	ev := ta.newEvent(org, c.ID, 20, 7*24*time.Hour, "free", "short", "beginner")
	var res struct {
		Invited, AlreadyInvited, OptedOut, Lapsed int
	}
	ta.post("/v1/events/"+ev+"/invite-lapsed", org.Access, nil).want(http.StatusOK).decode(&res)
	if res.Invited != 1 || res.OptedOut != 1 || res.Lapsed != 2 {
		t.Fatalf("first round %+v", res)
	}
	ta.post("/v1/events/"+ev+"/invite-lapsed", org.Access, nil).want(http.StatusOK).decode(&res)
	if res.Invited != 0 || res.AlreadyInvited != 1 {
		t.Fatalf("second round %+v", res)
	}
	// The invitation reaches them by mail too (they do not open the app),
	// once, with a one-click unsubscribe; nothing for the opted-out.
	invitations := func(a account) (n int, unsubscribe string) {
		id, _ := bson.ObjectIDFromHex(a.ID)
		msgs, err := ta.app.mail.ForUser(context.Background(), id)
		must(t, err)
		for _, m := range msgs {
			if m.Kind == mail.KindNotification && strings.Contains(m.Text, "/events/"+ev) {
				n++
				unsubscribe = m.Unsubscribe
			}
		}
		return n, unsubscribe
	}
	if n, u := invitations(quiet); n != 1 || !strings.Contains(u, "/v1/mail/unsubscribe?token=") {
		t.Fatalf("quiet member: %d invitation mails, unsubscribe %q", n, u)
	}
	if n, _ := invitations(optedOut); n != 0 {
		t.Fatalf("opted-out member: %d invitation mails", n)
	}
	quiet = ta.login(quiet.Email, testPassword)
	if n := ta.unread(quiet, "event_invitation"); n != 1 {
		t.Fatalf("quiet member got %d invitations", n)
	}
	optedOut = ta.login(optedOut.Email, testPassword)
	if n := ta.unread(optedOut, "event_invitation"); n != 0 {
		t.Fatalf("opted-out member got %d invitations", n)
	}
	// Coming back (signing in) ends the lapse.
	ta.get("/v1/communities/"+c.ID+"/members?status=lapsed", org.Access).want(http.StatusOK).decode(&lapsed)
	if len(lapsed.Items) != 0 {
		t.Fatalf("members still lapsed after coming back: %+v", lapsed.Items)
	}
}

// Activity is written at most once an hour per user, not per request.
func TestActivityIsWrittenHourly(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	a := ta.signUp("busy", "founder")
	id, _ := ids.Parse(a.ID)
	lastActive := func() time.Time {
		u, err := ta.app.accounts.Get(context.Background(), id)
		must(t, err)
		return u.LastActiveAt
	}
	ta.get("/v1/me", a.Access).want(http.StatusOK)
	first := lastActive()
	if !first.Equal(ta.clock.Now()) {
		t.Fatalf("activity %v, want %v", first, ta.clock.Now())
	}
	ta.clock.Advance(10 * time.Minute)
	ta.get("/v1/me", a.Access).want(http.StatusOK)
	if !lastActive().Equal(first) {
		t.Fatal("activity written twice within the hour")
	}
	ta.clock.Advance(time.Hour)
	a = ta.login(a.Email, testPassword)
	if got := lastActive(); !got.Equal(ta.clock.Now()) {
		t.Fatalf("activity %v after an hour, want %v", got, ta.clock.Now())
	}
}

func TestConductReports(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	orgA, orgB := ta.organizer("orgA"), ta.organizer("orgB")
	a := ta.newCommunity(orgA, "A")
	ta.newCommunity(orgB, "B")
	u1, u2 := ta.signUp("u1", "founder"), ta.signUp("u2", "mentor")
	ta.post("/v1/communities/"+a.ID+"/join", u2.Access, nil).want(http.StatusOK)
	var post struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+a.ID+"/posts", u2.Access, map[string]string{"body": "うちの会計ソフトを買ってください"}).want(http.StatusCreated).decode(&post)

	var r struct {
		ID          string `json:"id"`
		CommunityID string `json:"communityId"`
		Status      string `json:"status"`
	}
	ta.post("/v1/reports", u1.Access, map[string]string{"postId": post.ID, "reason": "spam", "detail": "宣伝です"}).want(http.StatusCreated).decode(&r)
	if r.CommunityID != a.ID || r.Status != "open" {
		t.Fatalf("report %+v", r)
	}
	ta.post("/v1/reports", u1.Access, map[string]string{"reason": "spam"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/reports", u1.Access, map[string]string{"subjectUserId": u1.ID, "reason": "spam"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/reports", u1.Access, map[string]string{"subjectUserId": u2.ID, "reason": "gossip"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/reports", u1.Access, map[string]string{"subjectUserId": u2.ID, "reason": "undisclosed_stake"}).want(http.StatusCreated)

	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	ta.get("/v1/reports?status=open", orgA.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 || list.Items[0].ID != r.ID {
		t.Fatalf("organizer A sees %+v", list.Items)
	}
	ta.get("/v1/reports", orgB.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("organizer B sees another community's reports: %+v", list.Items)
	}
	ta.get("/v1/reports", ta.admin().Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 2 {
		t.Fatalf("admin sees %d reports, want 2", len(list.Items))
	}
	ta.get("/v1/reports", u1.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/reports/"+r.ID+"/resolve", orgB.Access, map[string]string{"resolution": "x", "action": "none"}).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/reports/"+r.ID+"/resolve", orgA.Access, map[string]string{"resolution": "投稿を削除", "action": "ban"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/reports/"+r.ID+"/resolve", orgA.Access, map[string]string{"resolution": "投稿を削除しました", "action": "post_removed"}).want(http.StatusOK)
	ta.post("/v1/reports/"+r.ID+"/resolve", orgA.Access, map[string]string{"resolution": "again", "action": "none"}).wantProblem(http.StatusConflict, "invalid_transition")
	_ = accounts.RoleAdmin
}

// Members come a page at a time, least recently active first, from the index
// of memberships by activity; activity written behind reaches the
// memberships with the next flush, and coming back ends a lapse at once.
func TestMembersPagedByActivity(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	var members []account
	for i := range 5 {
		ta.clock.Advance(24 * time.Hour)
		m := ta.signUp(fmt.Sprintf("member%d", i), "founder")
		ta.post("/v1/communities/"+c.ID+"/join", m.Access, nil).want(http.StatusOK)
		members = append(members, m)
	}
	type page struct {
		Items []struct {
			UserID       string    `json:"userId"`
			Lapsed       bool      `json:"lapsed"`
			LastActiveAt time.Time `json:"lastActiveAt"`
		} `json:"items"`
		NextCursor string `json:"nextCursor"`
	}
	list := func(status string) (ids []string) {
		cursor := ""
		for {
			var p page
			ta.get("/v1/communities/"+c.ID+"/members?limit=2&status="+status+"&cursor="+url.QueryEscape(cursor), org.Access).want(http.StatusOK).decode(&p)
			if len(p.Items) > 2 {
				t.Fatalf("%d members on a page of 2", len(p.Items))
			}
			for _, it := range p.Items {
				ids = append(ids, it.UserID)
			}
			if p.NextCursor == "" {
				return ids
			}
			cursor = p.NextCursor
		}
	}
	ta.clock.Advance(time.Hour)
	org = ta.login(org.Email, testPassword) // days passed: a fresh token (and activity)
	if err := ta.app.flushActivity(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, m := range members {
		want = append(want, m.ID)
	}
	if got := list(""); !slices.Equal(got, append(want, org.ID)) {
		t.Fatalf("members by activity %v, want %v", got, append(want, org.ID))
	}

	// A hundred days later one member comes back (and the organizer signs
	// in again): not lapsed at once, and listed among the active ones once
	// activity is written.
	ta.clock.Advance(100 * 24 * time.Hour)
	org = ta.login(org.Email, testPassword)
	back := ta.login(members[2].Email, testPassword)
	ta.get("/v1/me", back.Access).want(http.StatusOK)
	if got := list("lapsed"); slices.Contains(got, back.ID) || len(got) != 4 {
		t.Fatalf("lapsed %v: want the four others, not %s", got, back.ID)
	}
	if err := ta.app.flushActivity(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := list("active")
	slices.Sort(got)
	wantActive := []string{org.ID, back.ID}
	slices.Sort(wantActive)
	if !slices.Equal(got, wantActive) {
		t.Fatalf("active after the flush %v, want %v", got, wantActive)
	}
	if all := list(""); !slices.Contains(all[len(all)-2:], back.ID) {
		t.Fatalf("the member who came back is not among the last by activity: %v", all)
	}
	ta.get("/v1/communities/"+c.ID+"/members?cursor=nope", org.Access).wantProblem(http.StatusBadRequest, "validation_failed")
}

// Member counts follow joins and leaves, and the repair job puts a count that
// drifted (a crash between a membership and its count) right.
func TestMemberCountKeptAndRepaired(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "釧路")
	a, b := ta.signUp("a", "founder"), ta.signUp("b", "mentor")
	ta.post("/v1/communities/"+c.ID+"/join", a.Access, nil).want(http.StatusOK)
	ta.post("/v1/communities/"+c.ID+"/join", b.Access, nil).want(http.StatusOK)
	ta.post("/v1/communities/"+c.ID+"/join", b.Access, nil).want(http.StatusOK) // again: no double count
	ta.post("/v1/communities/"+c.ID+"/leave", a.Access, nil).want(http.StatusNoContent)
	count := func() int {
		var got communityBody
		ta.get("/v1/communities/"+c.ID, org.Access).want(http.StatusOK).decode(&got)
		return got.MemberCount
	}
	if n := count(); n != 2 {
		t.Fatalf("member count %d, want 2 (organizer and b)", n)
	}
	id, _ := ids.Parse(c.ID)
	_, err := ta.app.db.Collection("communities").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberCount", Value: 40}}}})
	must(t, err)
	n, err := ta.app.community.RecountMembers(context.Background(), false)
	must(t, err)
	if n != 1 || count() != 2 {
		t.Fatalf("repair set %d counts; count now %d, want 2", n, count())
	}
}

// The list names every community's organizers (read in one go for the page).
func TestCommunityListNamesOrganizers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	orgs := map[string]account{"帯広の人": ta.organizer("帯広の人"), "釧路の人": ta.organizer("釧路の人")}
	ta.newCommunity(orgs["帯広の人"], "十勝", "01207")
	ta.newCommunity(orgs["釧路の人"], "釧路", "01206")
	var list struct {
		Items []struct {
			Name       string `json:"name"`
			Organizers []struct {
				ID          string `json:"id"`
				DisplayName string `json:"displayName"`
			} `json:"organizers"`
		} `json:"items"`
	}
	ta.get("/v1/communities?near=01207", orgs["釧路の人"].Access).want(http.StatusOK).decode(&list)
	want := map[string]string{"十勝": "帯広の人", "釧路": "釧路の人"}
	if len(list.Items) != 2 {
		t.Fatalf("%d communities, want 2", len(list.Items))
	}
	for _, c := range list.Items {
		name := want[c.Name]
		if len(c.Organizers) != 1 || c.Organizers[0].DisplayName != name || c.Organizers[0].ID != orgs[name].ID {
			t.Errorf("%s: organizers %+v, want %s (%s)", c.Name, c.Organizers, name, orgs[name].ID)
		}
	}
}
