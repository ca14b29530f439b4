package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

type mentorProfileBody struct {
	UserID   string   `json:"userId"`
	Headline string   `json:"headline"`
	Topics   []string `json:"topics"`
	Modes    []string `json:"modes"`
	Location struct {
		MunicipalityCode string   `json:"municipalityCode"`
		MunicipalityJa   string   `json:"municipalityJa"`
		PrefectureCode   string   `json:"prefectureCode"`
		SubprefectureJa  string   `json:"subprefectureJa"`
		Lat              *float64 `json:"lat"`
		Lon              *float64 `json:"lon"`
	} `json:"location"`
	Capacity  int      `json:"capacity"`
	Stakes    []string `json:"stakes"`
	Languages []string `json:"languages"`
	Version   int64    `json:"version"`
}

func TestMentorProfileLifecycle(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("mentor", "mentor")
	ta.get("/v1/me/mentor-profile", m.Access).wantProblem(http.StatusNotFound, "not_found")

	body := mentorProfile("01101", "sales", "marketing")
	body["modes"] = []string{"online", "in_person", "online"}
	body["languages"] = []string{}
	res := ta.put("/v1/me/mentor-profile", m.Access, body).want(http.StatusCreated)
	if res.Header.Get("ETag") != `"1"` {
		t.Fatalf("ETag %q, want \"1\"", res.Header.Get("ETag"))
	}
	var p mentorProfileBody
	res.decode(&p)
	if p.Location.MunicipalityJa != "札幌市中央区" || p.Location.PrefectureCode != "01" || p.Location.SubprefectureJa != "石狩振興局" {
		t.Errorf("location %+v", p.Location)
	}
	if p.Location.Lat == nil || *p.Location.Lat != 43.055386 {
		t.Errorf("coordinates not filled from the municipality: %+v", p.Location)
	}
	if strings.Join(p.Modes, ",") != "in_person,online" || strings.Join(p.Languages, ",") != "ja" {
		t.Errorf("modes %v languages %v", p.Modes, p.Languages)
	}

	// Replace with the right If-Match.
	body["capacity"] = 5
	res = ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: body, headers: map[string]string{"If-Match": `"1"`}}).want(http.StatusOK)
	if res.Header.Get("ETag") != `"2"` {
		t.Fatalf("ETag %q after update", res.Header.Get("ETag"))
	}
	// A stale If-Match changes nothing.
	body["capacity"] = 9
	ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: body, headers: map[string]string{"If-Match": `"1"`}}).
		wantProblem(http.StatusPreconditionFailed, "precondition_failed")
	ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: body, headers: map[string]string{"If-Match": `garbage`}}).
		wantProblem(http.StatusPreconditionFailed, "precondition_failed")
	res = ta.get("/v1/me/mentor-profile", m.Access).want(http.StatusOK)
	res.decode(&p)
	if p.Capacity != 5 || p.Version != 2 || res.Header.Get("ETag") != `"2"` {
		t.Errorf("after stale write: capacity %d version %d etag %s", p.Capacity, p.Version, res.Header.Get("ETag"))
	}
	// Weak tag and * match.
	ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: body, headers: map[string]string{"If-Match": `W/"2"`}}).want(http.StatusOK)
	ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: body, headers: map[string]string{"If-Match": `*`}}).want(http.StatusOK)

	// Explicit coordinates: the nearest municipality is filled in.
	body["location"] = map[string]any{"lat": 42.9236, "lon": 143.1966}
	ta.put("/v1/me/mentor-profile", m.Access, body).want(http.StatusOK).decode(&p)
	if p.Location.MunicipalityCode != "01207" { // 帯広市
		t.Errorf("nearest municipality %q, want 01207", p.Location.MunicipalityCode)
	}
}

func TestIfMatchOnMissingProfileFails(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("m", "mentor")
	ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: mentorProfile("01101"), headers: map[string]string{"If-Match": `"1"`}}).
		wantProblem(http.StatusPreconditionFailed, "precondition_failed")
	ta.get("/v1/me/mentor-profile", m.Access).wantProblem(http.StatusNotFound, "not_found")
}

// Twenty writers race with the same If-Match: exactly one wins, the others get
// 412, and the stored profile is the winner's.
func TestRacingProfileWritesWithSameIfMatch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("racer", "mentor")
	ta.put("/v1/me/mentor-profile", m.Access, mentorProfile("01101")).want(http.StatusCreated)

	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b := mentorProfile("01101")
			b["capacity"] = i
			codes[i] = ta.do(req{method: http.MethodPut, path: "/v1/me/mentor-profile", token: m.Access, body: b, headers: map[string]string{"If-Match": `"1"`}}).Code
		})
	}
	wg.Wait()
	winner, wins := -1, 0
	for i, c := range codes {
		switch c {
		case http.StatusOK:
			wins++
			winner = i
		case http.StatusPreconditionFailed:
		default:
			t.Fatalf("unexpected status %d", c)
		}
	}
	if wins != 1 {
		t.Fatalf("%d writers won, want 1 (codes %v)", wins, codes)
	}
	var p mentorProfileBody
	ta.get("/v1/me/mentor-profile", m.Access).want(http.StatusOK).decode(&p)
	if p.Capacity != winner || p.Version != 2 {
		t.Fatalf("stored capacity %d version %d, want the winner's %d at version 2", p.Capacity, p.Version, winner)
	}
}

// Unconditional writers racing: every write applies in turn, none is lost
// (the version counts all of them).
func TestRacingUnconditionalWritesAreNotLost(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("racer", "mentor")
	const n = 15
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b := mentorProfile("01101")
			b["capacity"] = i
			ta.put("/v1/me/mentor-profile", m.Access, b)
		})
	}
	wg.Wait()
	var p mentorProfileBody
	ta.get("/v1/me/mentor-profile", m.Access).want(http.StatusOK).decode(&p)
	if p.Version != n {
		t.Fatalf("version %d after %d writes: a write was lost", p.Version, n)
	}
}

func TestMentorProfileValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("m", "mentor")
	cases := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"no headline", func(b map[string]any) { b["headline"] = " " }, "headline"},
		{"long headline", func(b map[string]any) { b["headline"] = strings.Repeat("あ", 121) }, "headline"},
		{"long bio", func(b map[string]any) { b["bio"] = strings.Repeat("あ", 2001) }, "bio"},
		{"no topics", func(b map[string]any) { b["topics"] = []string{} }, "topics"},
		{"unknown topic", func(b map[string]any) { b["topics"] = []string{"astrology"} }, "topics"},
		{"duplicate topic", func(b map[string]any) { b["topics"] = []string{"sales", "sales"} }, "topics"},
		{"too many topics", func(b map[string]any) {
			b["topics"] = []string{"sales", "marketing", "fundraising", "hiring", "accounting", "legal", "it_dx", "manufacturing", "food", "tourism", "agriculture"}
		}, "topics"},
		{"long tag", func(b map[string]any) { b["tags"] = []string{strings.Repeat("t", 31)} }, "tags"},
		{"empty tag", func(b map[string]any) { b["tags"] = []string{" "} }, "tags"},
		{"no location", func(b map[string]any) { delete(b, "location") }, "location"},
		{"unknown municipality", func(b map[string]any) { b["location"] = map[string]any{"municipalityCode": "99999"} }, "location.municipalityCode"},
		{"code and point", func(b map[string]any) {
			b["location"] = map[string]any{"municipalityCode": "01101", "lat": 43.0, "lon": 141.0}
		}, "location"},
		{"only lat", func(b map[string]any) { b["location"] = map[string]any{"lat": 43.0} }, "location"},
		{"point abroad", func(b map[string]any) { b["location"] = map[string]any{"lat": 48.8566, "lon": 2.3522} }, "location"},
		{"point at sea", func(b map[string]any) { b["location"] = map[string]any{"lat": 38.0, "lon": 150.0} }, "location"},
		{"negative travel", func(b map[string]any) { b["travelKm"] = -1 }, "travelKm"},
		{"huge travel", func(b map[string]any) { b["travelKm"] = 501 }, "travelKm"},
		{"no modes", func(b map[string]any) { b["modes"] = []string{} }, "modes"},
		{"bad mode", func(b map[string]any) { b["modes"] = []string{"telepathy"} }, "modes"},
		{"bad language", func(b map[string]any) { b["languages"] = []string{"japanese"} }, "languages"},
		{"capacity too big", func(b map[string]any) { b["capacity"] = 21 }, "capacity"},
		{"capacity negative", func(b map[string]any) { b["capacity"] = -1 }, "capacity"},
		{"years negative", func(b map[string]any) { b["yearsExperience"] = -3 }, "yearsExperience"},
		{"independent with stakes", func(b map[string]any) { b["independent"] = true; b["stakes"] = []string{"A社"} }, "independent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mentorProfile("01101")
			tc.edit(b)
			p := ta.put("/v1/me/mentor-profile", m.Access, b).wantProblem(http.StatusBadRequest, "validation_failed")
			if !p.hasField(tc.field) {
				t.Errorf("problem does not name %s: %+v", tc.field, p.Errors)
			}
		})
	}
	// Wrong JSON types are validation errors too, naming the field.
	b := mentorProfile("01101")
	b["capacity"] = "three"
	p := ta.put("/v1/me/mentor-profile", m.Access, b).wantProblem(http.StatusBadRequest, "validation_failed")
	if !p.hasField("capacity") {
		t.Errorf("type error does not name capacity: %+v", p.Errors)
	}
	// None of it was stored.
	ta.get("/v1/me/mentor-profile", m.Access).wantProblem(http.StatusNotFound, "not_found")
}

func TestProfileRoles(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.signUp("founder", "founder")
	m := ta.signUp("mentor", "mentor")
	ta.put("/v1/me/mentor-profile", f.Access, mentorProfile("01101")).wantProblem(http.StatusForbidden, "forbidden")
	ta.get("/v1/me/mentor-profile", f.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.put("/v1/me/founder-profile", m.Access, founderProfile("01207")).wantProblem(http.StatusForbidden, "forbidden")

	res := ta.put("/v1/me/founder-profile", f.Access, founderProfile("01207")).want(http.StatusCreated)
	var fp struct {
		CompanyName string `json:"companyName"`
		Stage       string `json:"stage"`
		Location    struct {
			MunicipalityJa string `json:"municipalityJa"`
		} `json:"location"`
	}
	res.decode(&fp)
	if fp.CompanyName != "十勝チーズ工房" || fp.Location.MunicipalityJa != "帯広市" {
		t.Errorf("founder profile %+v", fp)
	}
	ta.get("/v1/me/founder-profile", f.Access).want(http.StatusOK)

	bad := founderProfile("01207")
	bad["stage"] = "unicorn"
	bad["website"] = "javascript:alert(1)"
	bad["topicsNeeded"] = []string{"nope"}
	p := ta.put("/v1/me/founder-profile", f.Access, bad).wantProblem(http.StatusBadRequest, "validation_failed")
	for _, field := range []string{"stage", "website", "topicsNeeded"} {
		if !p.hasField(field) {
			t.Errorf("missing error for %s: %+v", field, p.Errors)
		}
	}
}

func TestPublicMentorView(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.signUp("公開", "mentor")
	b := mentorProfile("01101")
	b["stakes"] = []string{"札幌ベンチャーズ"}
	b["independent"] = false
	ta.put("/v1/me/mentor-profile", m.Access, b).want(http.StatusCreated)
	ta.patch("/v1/me", m.Access, map[string]any{"phone": "090-1111-2222"}).want(http.StatusOK)

	f := ta.signUp("founder", "founder")
	res := ta.get("/v1/mentors/"+m.ID, f.Access).want(http.StatusOK)
	body := string(res.Body)
	for _, private := range []string{m.Email, "090-1111-2222", "札幌ベンチャーズ", "43.055386", "stakes"} {
		if strings.Contains(body, private) {
			t.Errorf("public view shows %q: %s", private, body)
		}
	}
	if !strings.Contains(body, "札幌市中央区") || !strings.Contains(body, "公開") {
		t.Errorf("public view lacks location or name: %s", body)
	}
	// Organizers see the declared stakes (they verify mentors).
	var seen struct {
		Stakes []string `json:"stakes"`
	}
	ta.get("/v1/mentors/"+m.ID, ta.organizer("org").Access).want(http.StatusOK).decode(&seen)
	if len(seen.Stakes) != 1 || seen.Stakes[0] != "札幌ベンチャーズ" {
		t.Errorf("organizer sees stakes %v", seen.Stakes)
	}
	ta.get("/v1/mentors/000000000000000000000000", f.Access).wantProblem(http.StatusNotFound, "not_found")
	ta.get("/v1/mentors/not-an-id", f.Access).wantProblem(http.StatusNotFound, "not_found")
	ta.get("/v1/mentors/"+f.ID, f.Access).wantProblem(http.StatusNotFound, "not_found")
}
