package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/ids"
	"github.com/kizuna-dev/kizuna/internal/jobs"
)

// mentorship runs request -> introduction -> accept for f and m and returns
// the mentorship id.
func (ta *testApp) mentorship(f, m account, topic string) string {
	ta.t.Helper()
	r := ta.openRequest(f, topic)
	in := ta.introduce(f, r.Request.ID, m.ID)
	var acc introBody
	ta.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).want(http.StatusOK).decode(&acc)
	return acc.MentorshipID
}

func (ta *testApp) touch(a account, mentorshipID string) {
	ta.t.Helper()
	ta.post("/v1/mentorships/"+mentorshipID+"/touchpoints", a.Access, map[string]any{"kind": "call", "durationMinutes": 20}).want(http.StatusCreated)
}

func (ta *testApp) complete(a account, mentorshipID string, stay bool) {
	ta.t.Helper()
	ta.post("/v1/mentorships/"+mentorshipID+"/complete", a.Access, map[string]any{"reflection": "ありがとうございました", "rating": 5, "stayInTouch": stay}).want(http.StatusOK)
}

// relogin refreshes every account's access token after the clock moved.
func (ta *testApp) relogin(as ...*account) {
	ta.t.Helper()
	for _, a := range as {
		*a = ta.login(a.Email, testPassword)
	}
}

type kitBody struct {
	Items []struct {
		Person struct {
			ID string `json:"id"`
		} `json:"person"`
		Relation    string `json:"relation"`
		TheirRole   string `json:"theirRole"`
		DaysSince   int    `json:"daysSinceContact"`
		CadenceDays int    `json:"cadenceDays"`
		OverdueDays int    `json:"overdueDays"`
		Suggestion  struct {
			Kind  string `json:"kind"`
			Phone string `json:"phone"`
			Event *struct {
				ID string `json:"id"`
			} `json:"event"`
		} `json:"suggestion"`
	} `json:"items"`
}

func TestKeepInTouch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	day := 24 * time.Hour
	org := ta.organizer("org")
	comm := ta.newCommunity(org, "十勝") // covers all of Hokkaido
	f := ta.newFounder("founder", "01207")
	m1 := ta.newMentor("帯広の先輩", "01207", "sales")
	m2 := ta.newMentor("函館の先輩", "01202", "sales")
	m3 := ta.newMentor("札幌の先輩", "01101", "sales")
	m4 := ta.newMentor("疎遠", "01101", "sales")
	ta.patch("/v1/me", m2.Access, map[string]string{"phone": "0138-00-0000"}).want(http.StatusOK)

	// Day 0: m2 and m4, completed; the founder does not want to keep m4.
	ms2 := ta.mentorship(f, m2, "sales")
	ta.touch(f, ms2)
	ta.complete(f, ms2, true)
	ta.complete(m2, ms2, true)
	ms4 := ta.mentorship(f, m4, "sales")
	ta.complete(f, ms4, false)

	// Alumni stay as members of the community covering the founder's area.
	var members struct {
		Items []struct {
			UserID string `json:"userId"`
			Alumni bool   `json:"alumni"`
		} `json:"items"`
	}
	ta.get("/v1/communities/"+comm.ID+"/members", org.Access).want(http.StatusOK).decode(&members)
	alumni := map[string]bool{}
	for _, m := range members.Items {
		alumni[m.UserID] = m.Alumni
	}
	if !alumni[f.ID] || !alumni[m2.ID] {
		t.Fatalf("completed pair not kept as alumni members: %+v", members.Items)
	}

	// Day 30: m1, active.
	ta.clock.Advance(30 * day)
	ta.relogin(&f, &m1, &m3, &org)
	ms1 := ta.mentorship(f, m1, "sales")
	ta.touch(m1, ms1)

	// Day 90: m3, completed, with a 7-day cadence.
	ta.clock.Advance(60 * day)
	ta.relogin(&f, &m3, &org)
	ms3 := ta.mentorship(f, m3, "sales")
	ta.touch(f, ms3)
	ta.complete(f, ms3, true)
	ta.put("/v1/connections/"+m3.ID+"/cadence", f.Access, map[string]int{"everyDays": 7}).want(http.StatusOK)
	ta.put("/v1/connections/"+m3.ID+"/cadence", f.Access, map[string]int{"everyDays": 0}).wantProblem(http.StatusBadRequest, "validation_failed")
	stranger := ta.signUp("stranger", "mentor")
	ta.put("/v1/connections/"+stranger.ID+"/cadence", f.Access, map[string]int{"everyDays": 7}).wantProblem(http.StatusNotFound, "not_found")

	// Day 100, with a short free event in 帯広 on day 105.
	ta.clock.Advance(10 * day)
	ta.relogin(&f, &org)
	ev := ta.newEvent(org, comm.ID, 20, 5*day, "free", "short")
	// Before it, more events than one page of upcoming events, in 函館: too
	// far for the pair in 帯広 (the suggestion reads on past them).
	for i := range 25 {
		start := ta.clock.Now().Add(day + time.Duration(i)*time.Hour)
		ta.post("/v1/communities/"+comm.ID+"/events", org.Access, map[string]any{
			"title": "函館の朝会", "startsAt": start, "endsAt": start.Add(30 * time.Minute), "capacity": 20, "tags": []string{"free", "short"},
			"venue": map[string]string{"municipalityCode": "01202", "address": "函館駅前"},
		}).want(http.StatusCreated)
	}

	var kit kitBody
	ta.get("/v1/keep-in-touch?staleDays=60", f.Access).want(http.StatusOK).decode(&kit)
	if len(kit.Items) != 3 {
		t.Fatalf("%d connections to reach out to, want 3 (m4 declined): %+v", len(kit.Items), kit.Items)
	}
	want := []struct {
		id, relation, suggestion string
		days, overdue            int
	}{
		{m2.ID, "alumni", "call", 100, 40},  // 函館: too far for the event; shared a phone
		{m1.ID, "active", "event", 70, 10},  // both in 帯広: the event
		{m3.ID, "alumni", "message", 10, 3}, // 札幌, no phone; overdue by its 7-day cadence
	}
	for i, w := range want {
		it := kit.Items[i]
		if it.Person.ID != w.id || it.Relation != w.relation || it.Suggestion.Kind != w.suggestion || it.DaysSince != w.days || it.OverdueDays != w.overdue {
			t.Errorf("item %d: %+v, want %+v", i, it, w)
		}
	}
	if kit.Items[0].Suggestion.Phone != "0138-00-0000" || kit.Items[0].TheirRole != "mentor" {
		t.Errorf("call suggestion %+v", kit.Items[0])
	}
	if kit.Items[1].Suggestion.Event == nil || kit.Items[1].Suggestion.Event.ID != ev {
		t.Errorf("event suggestion %+v", kit.Items[1].Suggestion)
	}
	if kit.Items[2].CadenceDays != 7 {
		t.Errorf("cadence %d", kit.Items[2].CadenceDays)
	}
	// A wider threshold leaves the recent ones out; the cadence still counts.
	ta.get("/v1/keep-in-touch?staleDays=90", f.Access).want(http.StatusOK).decode(&kit)
	if len(kit.Items) != 2 || kit.Items[0].Person.ID != m2.ID || kit.Items[1].Person.ID != m3.ID {
		t.Fatalf("staleDays=90: %+v", kit.Items)
	}
	ta.get("/v1/keep-in-touch?staleDays=0", f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	// The mentor's side: the founder is their connection too.
	ta.relogin(&m1)
	ta.get("/v1/keep-in-touch", m1.Access).want(http.StatusOK).decode(&kit)
	if len(kit.Items) != 1 || kit.Items[0].Person.ID != f.ID || kit.Items[0].TheirRole != "founder" {
		t.Fatalf("mentor's view %+v", kit.Items)
	}

	// The daily cadence job: once a day, however often or wherever it runs.
	ctx := context.Background()
	sent, err := ta.app.keepInTouch.RemindDue(ctx)
	must(t, err)
	again, err := ta.app.keepInTouch.RemindDue(ctx)
	must(t, err)
	if sent != 1 || again != 0 {
		t.Fatalf("reminders sent %d then %d, want 1 then 0", sent, again)
	}
	// Two instances claiming the same day: one runs.
	other, err := jobs.New(ctx, ta.app.db, jobs.Config{Now: ta.clock.Now})
	must(t, err)
	runs := 0
	for _, r := range []*jobs.Runner{ta.app.jobs, other} {
		ran, err := r.RunOnce(ctx, "keep-in-touch", jobs.DailyJST(ta.clock.Now()), func(ctx context.Context) error {
			_, err := ta.app.keepInTouch.RemindDue(ctx)
			return err
		})
		must(t, err)
		if ran {
			runs++
		}
	}
	if runs != 1 {
		t.Fatalf("the daily job ran %d times on two instances", runs)
	}
	if n := ta.unread(f, "keep_in_touch"); n != 1 {
		t.Fatalf("founder has %d keep-in-touch reminders, want 1", n)
	}
	// Next day, still overdue: reminded again.
	ta.clock.Advance(day)
	sent, err = ta.app.keepInTouch.RemindDue(ctx)
	must(t, err)
	if sent != 1 {
		t.Fatalf("next day sent %d", sent)
	}
	// Reminders off: none.
	ta.relogin(&f)
	ta.patch("/v1/me", f.Access, map[string]any{"preferences": map[string]bool{"reminders": false}}).want(http.StatusOK)
	ta.clock.Advance(day)
	sent, err = ta.app.keepInTouch.RemindDue(ctx)
	must(t, err)
	if sent != 0 {
		t.Fatalf("sent %d reminders to someone who turned them off", sent)
	}
}

// A closure recorded without being applied (the process failed between the
// two writes) is applied by the next attempt: ending again answers 200 with
// the mentorship ended and the mentor's place free, not 409 with it stuck
// active.
func TestClosureRecordedButNotAppliedIsRepairedByRetry(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.newFounder("途中", "01207")
	m := ta.newMentor("途中", "01207", "sales")
	id := ta.mentorship(f, m, "sales")
	mid := mustID(t, id)
	// What End writes first, alone.
	_, err := ta.app.db.Collection("mentorship_closures").InsertOne(context.Background(),
		bson.D{{Key: "_id", Value: mid}, {Key: "status", Value: "ended"}, {Key: "by", Value: mustID(t, f.ID)}, {Key: "at", Value: ta.clock.Now()}, {Key: "reason", Value: "方向転換"}})
	must(t, err)
	var got struct {
		Status    string `json:"status"`
		EndReason string `json:"endReason"`
	}
	ta.post("/v1/mentorships/"+id+"/end", f.Access, map[string]string{"reason": "方向転換"}).want(http.StatusOK).decode(&got)
	if got.Status != "ended" {
		t.Fatalf("after the retry the mentorship is %q, want ended", got.Status)
	}
	ta.post("/v1/mentorships/"+id+"/end", m.Access, map[string]string{"reason": "again"}).wantProblem(http.StatusConflict, "invalid_transition")
}

func mustID(t *testing.T, hex string) bson.ObjectID {
	t.Helper()
	id, ok := ids.Parse(hex)
	if !ok {
		t.Fatalf("not an id: %q", hex)
	}
	return id
}
