package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type suggestionBody struct {
	Mentor struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"mentor"`
	DistanceKm    float64  `json:"distanceKm"`
	WithinReach   bool     `json:"withinReach"`
	MatchedTopics []string `json:"matchedTopics"`
	Score         float64  `json:"score"`
	Components    map[string]struct {
		Score  float64 `json:"score"`
		Weight float64 `json:"weight"`
		Note   string  `json:"note"`
	} `json:"components"`
}

type matchRequestBody struct {
	Request struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		MentorshipID string `json:"mentorshipId"`
	} `json:"request"`
	Suggestions []suggestionBody `json:"suggestions"`
	Candidates  int              `json:"candidates"`
}

type introBody struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	MentorshipID string `json:"mentorshipId"`
	Founder      struct {
		DisplayName string `json:"displayName"`
		CompanyName string `json:"companyName"`
	} `json:"founder"`
}

type mentorshipBody struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	LastContactAt string `json:"lastContactAt"`
	Counterpart   *struct {
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"counterpart"`
	Reflections []struct {
		UserID string `json:"userId"`
		Rating int    `json:"rating"`
	} `json:"reflections"`
}

// newFounder signs up a founder with a profile at municipality.
func (ta *testApp) newFounder(name, municipality string) account {
	ta.t.Helper()
	f := ta.signUp(name, "founder")
	ta.put("/v1/me/founder-profile", f.Access, founderProfile(municipality)).want(http.StatusCreated)
	return f
}

// openRequest creates a match request for sales and hiring from 帯広.
func (ta *testApp) openRequest(f account, topics ...string) matchRequestBody {
	ta.t.Helper()
	if len(topics) == 0 {
		topics = []string{"sales", "hiring"}
	}
	var r matchRequestBody
	ta.post("/v1/match-requests", f.Access, map[string]any{"topics": topics, "radiusKm": 50, "message": "販路と採用の相談をしたいです"}).
		want(http.StatusCreated).decode(&r)
	return r
}

func (ta *testApp) introduce(f account, requestID, mentorID string) introBody {
	ta.t.Helper()
	var in introBody
	ta.post("/v1/match-requests/"+requestID+"/introductions", f.Access, map[string]any{"mentorId": mentorID, "message": "よろしくお願いします"}).
		want(http.StatusCreated).decode(&in)
	return in
}

// The heart of Kizuna, end to end: a founder in 帯広 asks for sales and hiring
// help, sees the nearby mentors first with reasons, asks one, who accepts; the
// two see each other's contacts, record contact, and complete as alumni.
func TestFullMentorshipFlow(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	near := ta.newMentor("音更の先輩", "01631", "sales", "hiring") // 音更町, next to 帯広
	far := ta.newMentor("札幌の先輩", "01101", "sales", "hiring")
	ta.newMentor("法務の人", "01207", "legal") // covers nothing asked
	ta.patch("/v1/me", near.Access, map[string]any{"phone": "090-1111-2222"}).want(http.StatusOK)
	founder := ta.newFounder("帯広の創業者", "01207")

	r := ta.openRequest(founder)
	if r.Request.Status != "open" || r.Candidates != 2 || len(r.Suggestions) != 2 {
		t.Fatalf("request %+v with %d suggestions of %d candidates", r.Request, len(r.Suggestions), r.Candidates)
	}
	top := r.Suggestions[0]
	if top.Mentor.ID != near.ID || !top.WithinReach || r.Suggestions[1].Mentor.ID != far.ID || r.Suggestions[1].WithinReach {
		t.Fatalf("nearby mentor should rank first and be within reach: %+v", r.Suggestions)
	}
	for _, name := range []string{"topic", "distance", "availability", "trust"} {
		c, ok := top.Components[name]
		if !ok || c.Note == "" || c.Weight == 0 {
			t.Errorf("component %s missing or unexplained: %+v", name, c)
		}
	}
	sum := 0.0
	for _, c := range top.Components {
		sum += c.Score * c.Weight
	}
	if d := sum - top.Score; d > 0.002 || d < -0.002 {
		t.Errorf("score %.3f is not the weighted sum of its components (%.3f)", top.Score, sum)
	}

	// The same ranking without storing anything.
	var sug struct {
		Items []suggestionBody `json:"items"`
	}
	ta.get("/v1/match-suggestions?topic=sales&topic=hiring&near=01207", founder.Access).want(http.StatusOK).decode(&sug)
	if len(sug.Items) != 2 || sug.Items[0].Mentor.ID != near.ID {
		t.Fatalf("suggestions %+v", sug.Items)
	}

	// Ask both; the mentor sees who asks.
	in := ta.introduce(founder, r.Request.ID, near.ID)
	other := ta.introduce(founder, r.Request.ID, far.ID)
	var list struct {
		Items []introBody `json:"items"`
	}
	ta.get("/v1/introductions?as=mentor&status=pending", near.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 || list.Items[0].Founder.CompanyName != "十勝チーズ工房" || list.Items[0].Founder.DisplayName != "帯広の創業者" {
		t.Fatalf("mentor's pending list %+v", list.Items)
	}
	if n := ta.unread(near, "introduction_received"); n != 1 {
		t.Errorf("mentor has %d introduction_received notifications", n)
	}

	// No contact details before acceptance.
	var accepted introBody
	ta.post("/v1/introductions/"+in.ID+"/accept", near.Access, map[string]string{"message": "喜んで"}).want(http.StatusOK).decode(&accepted)
	if accepted.Status != "accepted" || accepted.MentorshipID == "" {
		t.Fatalf("accepted %+v", accepted)
	}
	// The other introduction was withdrawn as matched elsewhere, and the request matched.
	var o introBody
	ta.get("/v1/introductions/"+other.ID, founder.Access).want(http.StatusOK).decode(&o)
	if o.Status != "withdrawn" || o.Reason != "matched_elsewhere" {
		t.Fatalf("other introduction %+v", o)
	}
	if n := ta.unread(far, "introduction_withdrawn"); n != 1 {
		t.Errorf("far mentor got %d withdrawal notices", n)
	}
	var got matchRequestBody
	ta.get("/v1/match-requests/"+r.Request.ID, founder.Access).want(http.StatusOK).decode(&got)
	if got.Request.Status != "matched" || got.Request.MentorshipID != accepted.MentorshipID || len(got.Suggestions) != 0 {
		t.Fatalf("request after accept %+v", got)
	}
	if n := ta.unread(founder, "introduction_accepted"); n != 1 {
		t.Errorf("founder got %d acceptance notices", n)
	}

	// Contact details, each way.
	var ms mentorshipBody
	ta.get("/v1/mentorships/"+accepted.MentorshipID, founder.Access).want(http.StatusOK).decode(&ms)
	if ms.Counterpart == nil || ms.Counterpart.Email != near.Email || ms.Counterpart.Phone != "090-1111-2222" {
		t.Fatalf("founder should see the mentor's contact: %+v", ms.Counterpart)
	}
	ta.get("/v1/mentorships/"+accepted.MentorshipID, near.Access).want(http.StatusOK).decode(&ms)
	if ms.Counterpart == nil || ms.Counterpart.Email != founder.Email {
		t.Fatalf("mentor should see the founder's contact: %+v", ms.Counterpart)
	}
	// Nobody else sees the mentorship.
	ta.get("/v1/mentorships/"+accepted.MentorshipID, far.Access).wantProblem(http.StatusNotFound, "not_found")

	// The mentor's place is taken: capacity 2, one free.
	var mentor struct {
		FreeCapacity int `json:"freeCapacity"`
	}
	ta.get("/v1/mentors/"+near.ID, founder.Access).want(http.StatusOK).decode(&mentor)
	if mentor.FreeCapacity != 1 {
		t.Errorf("free capacity %d after accept, want 1", mentor.FreeCapacity)
	}

	// Touchpoints: a phone call, then a meeting.
	ta.clock.Advance(10 * time.Minute) // within the access tokens' 15 minutes
	call := ta.clock.Now().Add(-5 * time.Minute).Format(time.RFC3339)
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/touchpoints", founder.Access, map[string]any{"kind": "call", "at": call, "durationMinutes": 30, "summary": "最初の電話"}).
		want(http.StatusCreated)
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/touchpoints", near.Access, map[string]any{"kind": "meeting", "durationMinutes": 60}).
		want(http.StatusCreated)
	var tps struct {
		Items []struct{ Kind string } `json:"items"`
	}
	ta.get("/v1/mentorships/"+accepted.MentorshipID+"/touchpoints", founder.Access).want(http.StatusOK).decode(&tps)
	if len(tps.Items) != 2 || tps.Items[0].Kind != "meeting" {
		t.Fatalf("touchpoints %+v", tps.Items)
	}
	ta.get("/v1/mentorships/"+accepted.MentorshipID, founder.Access).want(http.StatusOK).decode(&ms)
	if ms.LastContactAt != ta.clock.Now().Format("2006-01-02T15:04:05Z") {
		t.Errorf("last contact %s, want %s", ms.LastContactAt, ta.clock.Now())
	}

	// Complete: the founder first, then the mentor reflects.
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/complete", founder.Access, map[string]any{"reflection": "道外の販路が見えました", "rating": 5, "stayInTouch": true}).
		want(http.StatusOK).decode(&ms)
	if ms.Status != "completed" || len(ms.Reflections) != 1 {
		t.Fatalf("after founder completes: %+v", ms)
	}
	if n := ta.unread(near, "mentorship_completed"); n != 1 {
		t.Errorf("mentor was not asked to reflect (%d)", n)
	}
	ta.get("/v1/mentors/"+near.ID, founder.Access).want(http.StatusOK).decode(&mentor)
	if mentor.FreeCapacity != 2 {
		t.Errorf("free capacity %d after completion, want 2 (place released)", mentor.FreeCapacity)
	}
	// The mentor does not see the founder's reflection before writing theirs.
	var before mentorshipBody
	ta.get("/v1/mentorships/"+accepted.MentorshipID, near.Access).want(http.StatusOK).decode(&before)
	if len(before.Reflections) != 0 {
		t.Errorf("mentor sees %d reflections before writing one", len(before.Reflections))
	}
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/complete", near.Access, map[string]any{"reflection": "良い挑戦でした", "rating": 5, "stayInTouch": true}).
		want(http.StatusOK).decode(&ms)
	if len(ms.Reflections) != 2 {
		t.Fatalf("both reflections should show: %+v", ms.Reflections)
	}
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/complete", near.Access, map[string]any{"reflection": "again", "rating": 4}).
		wantProblem(http.StatusConflict, "already_reflected")
	// Alumni: still connected, contact kept, touchpoints still allowed.
	ta.get("/v1/mentorships/"+accepted.MentorshipID, near.Access).want(http.StatusOK).decode(&ms)
	if ms.Counterpart == nil {
		t.Error("alumni lost each other's contact")
	}
	ta.post("/v1/mentorships/"+accepted.MentorshipID+"/touchpoints", near.Access, map[string]any{"kind": "message"}).want(http.StatusCreated)
	var mine struct {
		Items []mentorshipBody `json:"items"`
	}
	ta.get("/v1/mentorships?status=completed", founder.Access).want(http.StatusOK).decode(&mine)
	if len(mine.Items) != 1 || mine.Items[0].Counterpart == nil || mine.Items[0].Counterpart.Email != near.Email {
		t.Fatalf("completed mentorships (with the mentor's contact) %+v", mine.Items)
	}
}

// unread counts the user's unread notifications of a kind.
func (ta *testApp) unread(a account, kind string) int {
	ta.t.Helper()
	var res struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	ta.get("/v1/notifications?unread=true&limit=100", a.Access).want(http.StatusOK).decode(&res)
	n := 0
	for _, it := range res.Items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

func TestIllegalTransitions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m1 := ta.newMentor("m1", "01207", "sales", "hiring")
	m2 := ta.newMentor("m2", "01207", "sales")
	f := ta.newFounder("f", "01207")
	r := ta.openRequest(f)
	in1 := ta.introduce(f, r.Request.ID, m1.ID)
	in2 := ta.introduce(f, r.Request.ID, m2.ID)

	// Roles: the founder cannot accept or decline, the mentor cannot withdraw.
	ta.post("/v1/introductions/"+in1.ID+"/accept", f.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/introductions/"+in1.ID+"/decline", f.Access, map[string]string{"reason": "other"}).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/introductions/"+in1.ID+"/withdraw", m1.Access, nil).wantProblem(http.StatusForbidden, "forbidden")
	// Twice to the same mentor.
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]string{"mentorId": m1.ID}).wantProblem(http.StatusConflict, "already_introduced")
	// Bad decline reason changes nothing.
	ta.post("/v1/introductions/"+in2.ID+"/decline", m2.Access, map[string]string{"reason": "busy"}).wantProblem(http.StatusBadRequest, "validation_failed")

	ta.post("/v1/introductions/"+in2.ID+"/decline", m2.Access, map[string]string{"reason": "no_capacity", "message": "ごめんなさい"}).want(http.StatusOK)
	for _, path := range []string{"/accept", "/withdraw"} {
		token := m2.Access
		if path == "/withdraw" {
			token = f.Access
		}
		ta.post("/v1/introductions/"+in2.ID+path, token, nil).wantProblem(http.StatusConflict, "invalid_transition")
	}
	ta.post("/v1/introductions/"+in2.ID+"/decline", m2.Access, map[string]string{"reason": "other"}).wantProblem(http.StatusConflict, "invalid_transition")

	ta.post("/v1/introductions/"+in1.ID+"/withdraw", f.Access, nil).want(http.StatusOK)
	ta.post("/v1/introductions/"+in1.ID+"/accept", m1.Access, nil).wantProblem(http.StatusConflict, "invalid_transition")
	ta.post("/v1/introductions/"+in1.ID+"/withdraw", f.Access, nil).wantProblem(http.StatusConflict, "invalid_transition")

	// Closing the request, then introducing on it.
	ta.post("/v1/match-requests/"+r.Request.ID+"/close", f.Access, nil).want(http.StatusOK)
	ta.post("/v1/match-requests/"+r.Request.ID+"/close", f.Access, nil).want(http.StatusOK)
	m3 := ta.newMentor("m3", "01207", "sales")
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]string{"mentorId": m3.ID}).wantProblem(http.StatusConflict, "request_not_open")

	// A matched request cannot be closed; ended mentorships stay ended.
	r2 := ta.openRequest(f)
	in := ta.introduce(f, r2.Request.ID, m3.ID)
	var acc introBody
	ta.post("/v1/introductions/"+in.ID+"/accept", m3.Access, nil).want(http.StatusOK).decode(&acc)
	ta.post("/v1/match-requests/"+r2.Request.ID+"/close", f.Access, nil).wantProblem(http.StatusConflict, "invalid_transition")
	ta.post("/v1/mentorships/"+acc.MentorshipID+"/end", f.Access, map[string]string{"reason": ""}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/mentorships/"+acc.MentorshipID+"/end", f.Access, map[string]string{"reason": "方向転換"}).want(http.StatusOK)
	ta.post("/v1/mentorships/"+acc.MentorshipID+"/end", m3.Access, map[string]string{"reason": "again"}).wantProblem(http.StatusConflict, "invalid_transition")
	ta.post("/v1/mentorships/"+acc.MentorshipID+"/complete", m3.Access, map[string]any{"reflection": "x", "rating": 3}).wantProblem(http.StatusConflict, "invalid_transition")
	ta.post("/v1/mentorships/"+acc.MentorshipID+"/touchpoints", m3.Access, map[string]any{"kind": "call"}).wantProblem(http.StatusConflict, "invalid_transition")
}

func TestIntroductionCandidateRules(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.newFounder("f", "01207")
	r := ta.openRequest(f, "sales")

	paused := ta.signUp("paused", "mentor")
	b := mentorProfile("01207", "sales")
	b["acceptingRequests"] = false
	ta.put("/v1/me/mentor-profile", paused.Access, b).want(http.StatusCreated)
	full := ta.signUp("full", "mentor")
	b = mentorProfile("01207", "sales")
	b["capacity"] = 0
	ta.put("/v1/me/mentor-profile", full.Access, b).want(http.StatusCreated)
	staked := ta.signUp("staked", "mentor")
	b = mentorProfile("01207", "sales")
	b["independent"], b["stakes"] = false, []string{"十勝チーズ工房"}
	ta.put("/v1/me/mentor-profile", staked.Access, b).want(http.StatusCreated)
	legal := ta.newMentor("legal", "01207", "legal")

	for _, tc := range []struct {
		mentor account
		code   string
	}{{paused, "not_accepting"}, {full, "capacity_full"}, {staked, "stake_conflict"}, {legal, "topic_mismatch"}} {
		ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]string{"mentorId": tc.mentor.ID}).
			wantProblem(http.StatusConflict, tc.code)
	}
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]string{"mentorId": "000000000000000000000000"}).
		wantProblem(http.StatusNotFound, "not_found")
	// The stake conflict also keeps the mentor out of the suggestions.
	var got matchRequestBody
	ta.get("/v1/match-requests/"+r.Request.ID, f.Access).want(http.StatusOK).decode(&got)
	for _, s := range got.Suggestions {
		if s.Mentor.ID == staked.ID || s.Mentor.ID == paused.ID || s.Mentor.ID == full.ID {
			t.Errorf("non-candidate %s suggested", s.Mentor.DisplayName)
		}
	}

	// At most 3 pending per request.
	var ok []account
	for i := range 4 {
		ok = append(ok, ta.newMentor(fmt.Sprintf("ok%d", i), "01207", "sales"))
	}
	for _, m := range ok[:3] {
		ta.introduce(f, r.Request.ID, m.ID)
	}
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]string{"mentorId": ok[3].ID}).
		wantProblem(http.StatusConflict, "too_many_pending")
}

func TestOtherFoundersCannotSeeOrAct(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("m", "01207", "sales")
	f := ta.newFounder("f", "01207")
	intruder := ta.newFounder("intruder", "01207")
	r := ta.openRequest(f, "sales")
	in := ta.introduce(f, r.Request.ID, m.ID)

	ta.get("/v1/match-requests/"+r.Request.ID, intruder.Access).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/match-requests/"+r.Request.ID+"/close", intruder.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", intruder.Access, map[string]string{"mentorId": m.ID}).wantProblem(http.StatusNotFound, "not_found")
	ta.get("/v1/introductions/"+in.ID, intruder.Access).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/introductions/"+in.ID+"/withdraw", intruder.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/introductions/"+in.ID+"/accept", intruder.Access, nil).wantProblem(http.StatusNotFound, "not_found")
	var list struct {
		Items []introBody `json:"items"`
	}
	ta.get("/v1/introductions", intruder.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("intruder lists %d introductions", len(list.Items))
	}
	// The mentor cannot post on a founder's request either; mentors are not founders.
	ta.post("/v1/match-requests", m.Access, map[string]any{"topics": []string{"sales"}}).wantProblem(http.StatusForbidden, "forbidden")
	ta.get("/v1/match-suggestions?topic=sales&near=01207", m.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.post("/v1/mentorships/000000000000000000000000/complete", f.Access, map[string]any{"reflection": "x", "rating": 3}).wantProblem(http.StatusNotFound, "not_found")
}

func TestMatchRequestValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.signUp("noprofile", "founder")
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"topics": []string{}}, "topics"},
		{map[string]any{"topics": []string{"a", "b", "c", "d", "e", "f"}}, "topics"},
		{map[string]any{"topics": []string{"sales", "sales"}, "location": map[string]string{"municipalityCode": "01207"}}, "topics"},
		{map[string]any{"topics": []string{"sales"}}, "location"},
		{map[string]any{"topics": []string{"sales"}, "location": map[string]string{"municipalityCode": "01207"}, "radiusKm": 501}, "radiusKm"},
		{map[string]any{"topics": []string{"sales"}, "location": map[string]string{"municipalityCode": "01207"}, "modes": []string{"fax"}}, "modes"},
		{map[string]any{"topics": []string{"sales"}, "location": map[string]string{"municipalityCode": "01207"}, "message": strings.Repeat("あ", 1001)}, "message"},
	}
	for _, tc := range cases {
		p := ta.post("/v1/match-requests", f.Access, tc.body).wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField(tc.field) {
			t.Errorf("%v: want error on %s, got %+v", tc.body, tc.field, p.Errors)
		}
	}
	var list struct {
		Items []any `json:"items"`
	}
	ta.get("/v1/match-requests", f.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("rejected requests were stored: %d", len(list.Items))
	}
	ta.get("/v1/match-suggestions?topic=sales", f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.get("/v1/match-suggestions?topic=sales&near=01207&limit=51", f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
}

// Suggestions asked at once, by founders in other places for other topics,
// answer byte for byte what each answers alone: a ranking's memory goes back
// to the pool only after its body is written (mentorships.Suggestions.Release).
func TestConcurrentSuggestionsAnswerAsAlone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newMentor("音更の先輩", "01631", "sales", "hiring")
	ta.newMentor("札幌の先輩", "01101", "sales", "marketing", "fundraising")
	ta.newMentor("帯広の法務", "01207", "legal", "hiring")
	ta.newMentor("釧路の先輩", "01206", "fisheries", "sales")
	ta.newMentor("東京の先輩", "13101", "fundraising", "it_dx")
	founders := []account{ta.newFounder("帯広の創業者", "01207"), ta.newFounder("釧路の創業者", "01206")}
	queries := []string{
		"topic=sales&topic=hiring&near=01207",
		"topic=sales&near=01206&radiusKm=200",
		"topic=legal&topic=hiring&topic=fundraising&near=01101&radiusKm=10",
		"topic=fisheries&near=01206&limit=1",
		"topic=it_dx&topic=marketing&near=13101&radiusKm=100",
		"topic=hiring&near=01631&limit=3",
	}
	alone := map[string]string{}
	for _, f := range founders {
		for _, q := range queries {
			alone[f.ID+q] = string(ta.get("/v1/match-suggestions?"+q, f.Access).want(http.StatusOK).Body)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				f, q := founders[(g+i)%len(founders)], queries[(g*7+i)%len(queries)]
				res := ta.get("/v1/match-suggestions?"+q, f.Access)
				if res.Code != http.StatusOK || string(res.Body) != alone[f.ID+q] {
					t.Errorf("%s for %s at once: %d %s\nalone: %s", q, f.ID, res.Code, res.Body, alone[f.ID+q])
					return
				}
			}
		})
	}
	wg.Wait()
}

// Twenty accepts race for a mentor's last place: exactly one wins, the rest
// get capacity_full, and active mentorships never exceed capacity.
func TestAcceptRaceForLastPlace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("popular", "mentor")
	b := mentorProfile("01207", "sales")
	b["capacity"] = 1
	ta.put("/v1/me/mentor-profile", m.Access, b).want(http.StatusCreated)

	const n = 20
	intros := make([]string, n)
	for i := range n {
		f := ta.newFounder(fmt.Sprintf("f%d", i), "01207")
		r := ta.openRequest(f, "sales")
		intros[i] = ta.introduce(f, r.Request.ID, m.ID).ID
	}
	codes := make([]int, n)
	problems := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := ta.post("/v1/introductions/"+intros[i]+"/accept", m.Access, nil)
			codes[i] = res.Code
			if res.Code != http.StatusOK {
				problems[i] = res.problem().Code
			}
		})
	}
	wg.Wait()
	wins := 0
	for i, c := range codes {
		switch {
		case c == http.StatusOK:
			wins++
		case c == http.StatusConflict && problems[i] == "capacity_full":
		default:
			t.Errorf("accept %d: %d %s", i, c, problems[i])
		}
	}
	if wins != 1 {
		t.Fatalf("%d accepts won the last place, want exactly 1", wins)
	}
	var ms struct {
		Items []mentorshipBody `json:"items"`
	}
	ta.get("/v1/mentorships?status=active", m.Access).want(http.StatusOK).decode(&ms)
	if len(ms.Items) != 1 {
		t.Fatalf("%d active mentorships with capacity 1", len(ms.Items))
	}
	var list struct {
		Items []introBody `json:"items"`
	}
	ta.get("/v1/introductions?as=mentor&status=pending&limit=100", m.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != n-1 {
		t.Fatalf("%d introductions still pending, want %d (losers stay pending)", len(list.Items), n-1)
	}
}

// An accept racing a withdraw (and a decline) of the same introduction has
// exactly one outcome.
func TestAcceptRaceWithWithdrawAndDecline(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("m", "01207", "sales")
	for round := range 10 {
		f := ta.newFounder(fmt.Sprintf("f%d", round), "01207")
		r := ta.openRequest(f, "sales")
		in := ta.introduce(f, r.Request.ID, m.ID)
		var wg sync.WaitGroup
		var accept, withdraw, decline int
		wg.Go(func() { accept = ta.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).Code })
		wg.Go(func() { withdraw = ta.post("/v1/introductions/"+in.ID+"/withdraw", f.Access, nil).Code })
		wg.Go(func() {
			decline = ta.post("/v1/introductions/"+in.ID+"/decline", m.Access, map[string]string{"reason": "other"}).Code
		})
		wg.Wait()
		ok := 0
		for _, c := range []int{accept, withdraw, decline} {
			if c == http.StatusOK {
				ok++
			} else if c != http.StatusConflict {
				t.Fatalf("round %d: status %d", round, c)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of accept/withdraw/decline succeeded (%d %d %d)", round, ok, accept, withdraw, decline)
		}
		var got introBody
		ta.get("/v1/introductions/"+in.ID, f.Access).want(http.StatusOK).decode(&got)
		var ms struct {
			Items []mentorshipBody `json:"items"`
		}
		ta.get("/v1/mentorships?status=active", f.Access).want(http.StatusOK).decode(&ms)
		if (got.Status == "accepted") != (len(ms.Items) == 1) || (accept == http.StatusOK) != (got.Status == "accepted") {
			t.Fatalf("round %d: status %s with %d mentorships (accept %d)", round, got.Status, len(ms.Items), accept)
		}
		if got.Status == "accepted" { // free the place for the next round
			ta.post("/v1/mentorships/"+got.MentorshipID+"/end", m.Access, map[string]string{"reason": "test"}).want(http.StatusOK)
		}
	}
}

// Expiry, the half-time reminder and pausing, with an injected clock.
func TestIntroductionExpiryReminderAndPause(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("silent", "01207", "sales")
	var intros []introBody
	var founders []account
	for i := range 3 {
		f := ta.newFounder(fmt.Sprintf("f%d", i), "01207")
		r := ta.openRequest(f, "sales")
		intros = append(intros, ta.introduce(f, r.Request.ID, m.ID))
		founders = append(founders, f)
	}
	job := func() {
		ta.t.Helper()
		_, err := ta.app.mentorships.RunIntroductionJob(context.Background())
		must(t, err)
	}

	ta.clock.Advance(6 * 24 * time.Hour)
	job()
	m = ta.login(m.Email, testPassword) // the old access token expired on the moved clock
	if n := ta.unread(m, "introduction_reminder"); n != 0 {
		t.Fatalf("reminded before half-time: %d", n)
	}
	ta.clock.Advance(24 * time.Hour) // day 7 of 14
	job()
	job() // idempotent
	m = ta.login(m.Email, testPassword)
	if n := ta.unread(m, "introduction_reminder"); n != 3 {
		t.Fatalf("%d reminders at half-time, want 3 (one each)", n)
	}
	ta.clock.Advance(7 * 24 * time.Hour) // day 14
	job()
	job()
	m = ta.login(m.Email, testPassword)
	for i, in := range intros {
		f := ta.login(founders[i].Email, testPassword)
		var got introBody
		ta.get("/v1/introductions/"+in.ID, f.Access).want(http.StatusOK).decode(&got)
		if got.Status != "expired" || got.Reason != "unanswered" {
			t.Fatalf("introduction %d: %+v", i, got)
		}
		if n := ta.unread(f, "introduction_expired"); n != 1 {
			t.Errorf("founder %d got %d expiry notices", i, n)
		}
	}
	if n := ta.unread(m, "mentor_paused"); n != 1 {
		t.Fatalf("mentor got %d pause notices, want 1", n)
	}
	var p mentorProfileBody
	res := ta.get("/v1/me/mentor-profile", m.Access).want(http.StatusOK)
	var accepting struct {
		AcceptingRequests bool `json:"acceptingRequests"`
	}
	res.decode(&accepting)
	res.decode(&p)
	if accepting.AcceptingRequests {
		t.Fatal("mentor still accepting after 3 unanswered introductions expired")
	}
	// Paused mentors are no longer suggested.
	f := ta.login(founders[0].Email, testPassword)
	var sug struct {
		Items []suggestionBody `json:"items"`
	}
	ta.get("/v1/match-suggestions?topic=sales&near=01207", f.Access).want(http.StatusOK).decode(&sug)
	if len(sug.Items) != 0 {
		t.Fatalf("paused mentor suggested: %+v", sug.Items)
	}
	// The pending places of the requests were released with the expiry.
	r := ta.openRequest(f, "sales")
	_ = r
}

// A mentor who answered is not paused even if other introductions expired.
func TestNoPauseWhenSomeAnswered(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("busy", "01207", "sales")
	for i := range 3 {
		f := ta.newFounder(fmt.Sprintf("f%d", i), "01207")
		r := ta.openRequest(f, "sales")
		in := ta.introduce(f, r.Request.ID, m.ID)
		if i == 1 {
			ta.post("/v1/introductions/"+in.ID+"/decline", m.Access, map[string]string{"reason": "too_far"}).want(http.StatusOK)
		}
	}
	ta.clock.Advance(15 * 24 * time.Hour)
	rep, err := ta.app.mentorships.RunIntroductionJob(context.Background())
	must(t, err)
	if rep.Expired != 2 || rep.Paused != 0 {
		t.Fatalf("report %+v, want 2 expired, 0 paused", rep)
	}
}
