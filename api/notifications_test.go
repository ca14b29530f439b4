package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

type notificationBody struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	TextJa string `json:"textJa"`
	TextEn string `json:"textEn"`
	Refs   struct {
		RequestID      string `json:"requestId"`
		IntroductionID string `json:"introductionId"`
		UserID         string `json:"userId"`
	} `json:"refs"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"readAt"`
	CreatedAt time.Time  `json:"createdAt"`
}

type notificationList struct {
	Items       []notificationBody `json:"items"`
	NextCursor  string             `json:"nextCursor"`
	UnreadCount int64              `json:"unreadCount"`
}

// notify stores a notification for the account through the domain service
// (no HTTP endpoint creates them) and returns whether it was created.
func (ta *testApp) notify(to account, kind notifications.Kind, text, key string) bool {
	ta.t.Helper()
	uid, err := bson.ObjectIDFromHex(to.ID)
	must(ta.t, err)
	created, err := ta.app.notifications.Notify(context.Background(), notifications.Input{
		UserID: uid, Kind: kind, TextJa: text + "（日本語）", TextEn: text, Key: key,
	})
	must(ta.t, err)
	return created
}

// inbox lists one page of the caller's inbox.
func (ta *testApp) inbox(token, query string) notificationList {
	ta.t.Helper()
	var l notificationList
	ta.get("/v1/notifications"+query, token).want(http.StatusOK).decode(&l)
	return l
}

func TestNotificationsListNewestFirstAcrossPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("reader")
	other := ta.signUp("other")
	const n = 7
	for i := range n {
		ta.notify(u, notifications.KindKeepInTouch, fmt.Sprintf("n%d", i), "")
		ta.clock.Advance(time.Minute)
	}
	ta.notify(other, notifications.KindKeepInTouch, "not yours", "")

	empty := ta.inbox(ta.signUp("nobody").Access, "")
	if empty.Items == nil || len(empty.Items) != 0 || empty.NextCursor != "" || empty.UnreadCount != 0 {
		t.Fatalf("empty inbox: %+v", empty)
	}

	// Pages of 3: 3 + 3 + 1, newest first, no repeats, only the caller's.
	var texts []string
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		q := "?limit=3"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		page := ta.inbox(u.Access, q)
		pages++
		if page.UnreadCount != n {
			t.Errorf("page %d: unreadCount %d, want %d", pages, page.UnreadCount, n)
		}
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("notification %s repeated on page %d", it.ID, pages)
			}
			seen[it.ID] = true
			texts = append(texts, it.TextEn)
		}
		if page.NextCursor == "" {
			if len(page.Items) != 1 {
				t.Errorf("last page has %d items, want 1", len(page.Items))
			}
			break
		}
		if len(page.Items) != 3 {
			t.Fatalf("page %d has %d items, want 3", pages, len(page.Items))
		}
		cursor = page.NextCursor
	}
	want := []string{"n6", "n5", "n4", "n3", "n2", "n1", "n0"}
	if fmt.Sprint(texts) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("over %d pages got %v, want %v", pages, texts, want)
	}

	// An exact page leaves no dangling cursor.
	if l := ta.inbox(u.Access, "?limit=7"); len(l.Items) != n || l.NextCursor != "" {
		t.Errorf("limit=7: %d items, cursor %q", len(l.Items), l.NextCursor)
	}
	// Default page size covers them all; fields are filled in.
	l := ta.inbox(u.Access, "")
	if len(l.Items) != n {
		t.Fatalf("%d items, want %d", len(l.Items), n)
	}
	first := l.Items[0]
	if first.Kind != "keep_in_touch" || first.TextJa != "n6（日本語）" || first.Read || first.ReadAt != nil {
		t.Errorf("newest item %+v", first)
	}
	if wantAt := time.Date(2026, 11, 23, 9, 6, 0, 0, time.UTC); !first.CreatedAt.Equal(wantAt) {
		t.Errorf("createdAt %v, want %v (from the injected clock)", first.CreatedAt, wantAt)
	}
}

func TestNotificationRefsOmittedWhenEmpty(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("mentor", "mentor")
	uid, _ := bson.ObjectIDFromHex(u.ID)
	intro, founder := bson.NewObjectID(), bson.NewObjectID()
	_, err := ta.app.notifications.Notify(context.Background(), notifications.Input{
		UserID: uid, Kind: notifications.KindIntroductionReceived,
		TextJa: "佐藤 由紀さんから紹介の依頼が届きました", TextEn: "Yuki Sato asked you for an introduction",
		Refs: notifications.Refs{IntroductionID: intro, UserID: founder},
	})
	must(t, err)
	res := ta.get("/v1/notifications", u.Access).want(http.StatusOK)
	var l notificationList
	res.decode(&l)
	if len(l.Items) != 1 {
		t.Fatalf("%d items", len(l.Items))
	}
	refs := l.Items[0].Refs
	if refs.IntroductionID != intro.Hex() || refs.UserID != founder.Hex() || refs.RequestID != "" {
		t.Errorf("refs %+v", refs)
	}
	var raw struct {
		Items []struct {
			Refs map[string]any `json:"refs"`
		} `json:"items"`
	}
	res.decode(&raw)
	if len(raw.Items[0].Refs) != 2 {
		t.Errorf("refs carry empty ids: %v", raw.Items[0].Refs)
	}
}

func TestNotificationsUnreadFilterAndMarkRead(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("reader")
	for i := range 4 {
		ta.notify(u, notifications.KindEventInvitation, fmt.Sprintf("n%d", i), "")
	}
	all := ta.inbox(u.Access, "")
	target := all.Items[1]

	ta.clock.Advance(5 * time.Minute)
	var got notificationBody
	ta.post("/v1/notifications/"+target.ID+"/read", u.Access, nil).want(http.StatusOK).decode(&got)
	if !got.Read || got.ReadAt == nil || got.ID != target.ID || got.TextEn != target.TextEn {
		t.Fatalf("marked %+v", got)
	}
	firstReadAt := *got.ReadAt

	// Idempotent: again later, same result, readAt unchanged.
	ta.clock.Advance(5 * time.Minute)
	ta.post("/v1/notifications/"+target.ID+"/read", u.Access, nil).want(http.StatusOK).decode(&got)
	if !got.Read || got.ReadAt == nil || !got.ReadAt.Equal(firstReadAt) {
		t.Fatalf("second mark changed it: %+v (first readAt %v)", got, firstReadAt)
	}

	unread := ta.inbox(u.Access, "?unread=true")
	if len(unread.Items) != 3 || unread.UnreadCount != 3 {
		t.Fatalf("unread: %d items, count %d; want 3, 3", len(unread.Items), unread.UnreadCount)
	}
	for _, it := range unread.Items {
		if it.ID == target.ID || it.Read {
			t.Errorf("read notification in the unread list: %+v", it)
		}
	}
	// unread=false (and the default) lists read ones too.
	if l := ta.inbox(u.Access, "?unread=false"); len(l.Items) != 4 || l.UnreadCount != 3 {
		t.Errorf("unread=false: %d items, count %d", len(l.Items), l.UnreadCount)
	}
	// Paging the unread filter: the cursor keeps the filter's order.
	p1 := ta.inbox(u.Access, "?unread=true&limit=2")
	p2 := ta.inbox(u.Access, "?unread=true&limit=2&cursor="+url.QueryEscape(p1.NextCursor))
	if len(p1.Items) != 2 || len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID == p1.Items[1].ID {
		t.Errorf("unread pages: %+v / %+v", p1, p2)
	}
}

func TestNotificationOfAnotherUserIsNotFound(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	owner := ta.signUp("owner")
	intruder := ta.signUp("intruder")
	ta.notify(owner, notifications.KindMentorshipEnded, "yours", "")
	id := ta.inbox(owner.Access, "").Items[0].ID

	p := ta.post("/v1/notifications/"+id+"/read", intruder.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	// Same answer as an id that does not exist: nothing is revealed.
	q := ta.post("/v1/notifications/"+bson.NewObjectID().Hex()+"/read", intruder.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	if p.Title != q.Title || p.Type != q.Type {
		t.Errorf("others' and unknown ids answer differently: %+v vs %+v", p, q)
	}
	// The intruder's read-all does not touch it either.
	var ra struct {
		Updated int64 `json:"updated"`
	}
	ta.post("/v1/notifications/read-all", intruder.Access, nil).want(http.StatusOK).decode(&ra)
	if ra.Updated != 0 {
		t.Errorf("intruder's read-all updated %d", ra.Updated)
	}
	l := ta.inbox(owner.Access, "")
	if len(l.Items) != 1 || l.Items[0].Read || l.UnreadCount != 1 {
		t.Fatalf("owner's notification changed: %+v", l)
	}
	if il := ta.inbox(intruder.Access, ""); len(il.Items) != 0 {
		t.Errorf("intruder sees %d notifications", len(il.Items))
	}
}

func TestNotificationsReadAll(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("reader")
	other := ta.signUp("other")
	for i := range 5 {
		ta.notify(u, notifications.KindIntroductionReminder, fmt.Sprintf("n%d", i), "")
	}
	ta.notify(other, notifications.KindIntroductionReminder, "other's", "")
	ta.post("/v1/notifications/"+ta.inbox(u.Access, "").Items[0].ID+"/read", u.Access, nil).want(http.StatusOK)

	var ra struct {
		Updated int64 `json:"updated"`
	}
	ta.post("/v1/notifications/read-all", u.Access, nil).want(http.StatusOK).decode(&ra)
	if ra.Updated != 4 {
		t.Errorf("read-all updated %d, want 4 (one was already read)", ra.Updated)
	}
	l := ta.inbox(u.Access, "")
	if l.UnreadCount != 0 || len(l.Items) != 5 {
		t.Fatalf("after read-all: %d items, %d unread", len(l.Items), l.UnreadCount)
	}
	for _, it := range l.Items {
		if !it.Read || it.ReadAt == nil {
			t.Errorf("not read: %+v", it)
		}
	}
	if l := ta.inbox(u.Access, "?unread=true"); len(l.Items) != 0 {
		t.Errorf("unread filter after read-all: %d items", len(l.Items))
	}
	ta.post("/v1/notifications/read-all", u.Access, nil).want(http.StatusOK).decode(&ra)
	if ra.Updated != 0 {
		t.Errorf("second read-all updated %d, want 0", ra.Updated)
	}
	if l := ta.inbox(other.Access, ""); l.UnreadCount != 1 {
		t.Errorf("another user's notification was marked read")
	}
}

func TestNotificationsBadInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("reader")
	ta.notify(u, notifications.KindKeepInTouch, "n", "")

	for _, id := range []string{"nope", "ABCDEF0123456789ABCDEF01", "0123456789abcdef0123456", "0123456789abcdef012345678"} {
		ta.post("/v1/notifications/"+id+"/read", u.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	}
	cases := []struct{ query, field string }{
		{"?limit=0", "limit"},
		{"?limit=101", "limit"},
		{"?limit=ten", "limit"},
		{"?unread=maybe", "unread"},
		{"?cursor=!!", "cursor"},
		{"?cursor=" + url.QueryEscape("bm90IGFuIGlk"), "cursor"},      // base64 of 9 bytes, not an id
		{"?cursor=" + url.QueryEscape("Z0Gj8J0eigASqzTv="), "cursor"}, // padding is not ours
	}
	for _, tc := range cases {
		p := ta.get("/v1/notifications"+tc.query, u.Access).wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField(tc.field) {
			t.Errorf("%s: problem does not name %s: %+v", tc.query, tc.field, p.Errors)
		}
	}
	// Nothing changed.
	if l := ta.inbox(u.Access, ""); len(l.Items) != 1 || l.UnreadCount != 1 {
		t.Errorf("after bad input: %+v", l)
	}
}

func TestNotificationsNeedAuthentication(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("reader")
	ta.notify(u, notifications.KindKeepInTouch, "n", "")
	id := ta.inbox(u.Access, "").Items[0].ID
	ta.get("/v1/notifications", "").wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.get("/v1/notifications", "not-a-token").wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.post("/v1/notifications/"+id+"/read", "", nil).wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.post("/v1/notifications/read-all", "", nil).wantProblem(http.StatusUnauthorized, "unauthenticated")

	// A suspended account is refused.
	admin := ta.signUp("admin")
	adminID, _ := bson.ObjectIDFromHex(admin.ID)
	uid, _ := bson.ObjectIDFromHex(u.ID)
	_, err := ta.app.accounts.SetSuspended(context.Background(), accounts.Principal{UserID: adminID, Roles: []accounts.Role{accounts.RoleAdmin}}, uid, true)
	must(t, err)
	ta.get("/v1/notifications", u.Access).wantProblem(http.StatusForbidden, "account_suspended")
	ta.post("/v1/notifications/"+id+"/read", u.Access, nil).wantProblem(http.StatusForbidden, "account_suspended")
	ta.post("/v1/notifications/read-all", u.Access, nil).wantProblem(http.StatusForbidden, "account_suspended")
}

// Twenty callers racing to notify with one dedupe key create exactly one
// notification; a later retry with the key is a no-op too.
func TestNotifyDedupeKeyUnderRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("mentor", "mentor")
	uid, _ := bson.ObjectIDFromHex(u.ID)
	key := "introduction_received:" + bson.NewObjectID().Hex() + ":" + u.ID
	const n = 20
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			created[i], errs[i] = ta.app.notifications.Notify(context.Background(), notifications.Input{
				UserID: uid, Kind: notifications.KindIntroductionReceived,
				TextJa: fmt.Sprintf("依頼 %d", i), TextEn: fmt.Sprintf("request %d", i), Key: key,
			})
		})
	}
	wg.Wait()
	wins := 0
	for i := range n {
		must(t, errs[i])
		if created[i] {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d racing Notify calls created a notification, want exactly 1", wins, n)
	}
	if ta.notify(u, notifications.KindIntroductionReceived, "retry", key) {
		t.Error("a retry with the same key created a second notification")
	}
	l := ta.inbox(u.Access, "")
	if len(l.Items) != 1 || l.UnreadCount != 1 {
		t.Fatalf("stored %d notifications (%d unread), want 1", len(l.Items), l.UnreadCount)
	}
	// Notifications without a key are never deduplicated.
	ta.notify(u, notifications.KindKeepInTouch, "a", "")
	ta.notify(u, notifications.KindKeepInTouch, "a", "")
	if l := ta.inbox(u.Access, ""); len(l.Items) != 3 {
		t.Errorf("%d notifications after two without a key, want 3", len(l.Items))
	}
}
