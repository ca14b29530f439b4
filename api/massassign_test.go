package main

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// privilegedFields are what a client may never set: identity, ownership,
// roles and standing, counters, versions, timestamps and states, all kept by
// the server. A request type that has one of these names for its own
// purpose (an RSVP's status, a sign-up's roles) is tested on its values
// instead, below.
var privilegedFields = map[string]any{
	"id": someID, "_id": someID, "userId": someID, "ownerId": someID, "authorId": someID, "founderId": someID,
	"mentorId": someID, "reporterId": someID, "organizerIds": []string{someID}, "requestId": someID, "mentorshipId": someID,
	"communityId": someID, "roles": []string{"admin"}, "role": "admin", "verified": true, "suspended": false,
	"status": "accepted", "version": 99, "createdAt": "2020-01-01T00:00:00Z", "updatedAt": "2020-01-01T00:00:00Z",
	"memberCount": 1000, "freeCapacity": 99, "activeMentorships": 0, "pinned": true, "email": "taken@example.jp",
	"passwordHash": "$argon2id$x", "waitlistPosition": 1, "score": 1, "lastActiveAt": "2030-01-01T00:00:00Z",
}

// bodylessWrites are the writes that take no body; with fields they must
// also refuse.
var bodylessWrites = []struct{ method, path string }{
	{http.MethodPost, "/v1/match-requests/" + someID + "/close"},
	{http.MethodPost, "/v1/introductions/" + someID + "/withdraw"},
	{http.MethodPost, "/v1/notifications/read-all"},
	{http.MethodPost, "/v1/notifications/" + someID + "/read"},
	{http.MethodPost, "/v1/communities/" + someID + "/join"},
	{http.MethodPost, "/v1/communities/" + someID + "/leave"},
	{http.MethodDelete, "/v1/posts/" + someID},
	{http.MethodPost, "/v1/posts/" + someID + "/pin"},
	{http.MethodPost, "/v1/posts/" + someID + "/unpin"},
	{http.MethodPost, "/v1/events/" + someID + "/invite-lapsed"},
	{http.MethodDelete, "/v1/connections/" + someID + "/cadence"},
	{http.MethodDelete, "/v1/admin/users/" + someID + "/roles/organizer"},
	{http.MethodPost, "/v1/admin/users/" + someID + "/suspend"},
	{http.MethodPost, "/v1/admin/users/" + someID + "/unsuspend"},
	{http.MethodPost, "/v1/admin/mentors/" + someID + "/verify"},
	{http.MethodDelete, "/v1/admin/mentors/" + someID + "/verify"},
}

// jsonFields lists the JSON names of t's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// TestPrivilegedFieldsRefused sends every field a client may not set to
// every write endpoint: 400 unknown_field naming it, every time.
func TestPrivilegedFieldsRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	all := ta.signUp("全部", "founder", "mentor")
	users := limitUsers{admin: ta.admin().Access, all: all.Access}
	sent := 0
	check := func(method, path, token, field string, value any) {
		t.Helper()
		res := ta.do(req{method: method, path: path, token: token, body: map[string]any{field: value}})
		if res.Code != http.StatusBadRequest || res.problem().Code != "unknown_field" || !res.problem().hasField(field) {
			t.Errorf("%s %s with %s: %d %s, want 400 unknown_field", method, path, field, res.Code, truncate(res.Body))
		}
		sent++
	}
	for _, tc := range bodyLimitCases {
		own := jsonFields(reflect.TypeOf(tc.typ))
		token := ""
		if tc.token != nil {
			token = tc.token(users)
		}
		for field, value := range privilegedFields {
			if !slices.Contains(own, field) {
				check(tc.method, tc.path, token, field, value)
			}
		}
	}
	for _, w := range bodylessWrites {
		for field, value := range privilegedFields {
			check(w.method, w.path, users.admin, field, value)
		}
	}
	t.Logf("%d privileged fields refused", sent)
}

// The fields a request type does have are checked on their values: no role
// beyond founder and mentor, no RSVP state the server decides, no
// introduction to oneself; and nothing changes.
func TestPrivilegedValuesRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for _, roles := range [][]string{{"admin"}, {"organizer"}, {"founder", "admin"}, {"mentor", "organizer"}} {
		email := uniqueEmail("climber")
		p := ta.post("/v1/auth/register", "", map[string]any{"email": email, "password": testPassword, "displayName": "x", "roles": roles}).
			wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField("roles") {
			t.Errorf("roles %v: %+v", roles, p)
		}
		ta.post("/v1/auth/login", "", map[string]string{"email": email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	}

	u := ta.newMentor("両方", "01207", "sales")
	ta.put("/v1/me/founder-profile", ta.signUp("x").Access, founderProfile("01207")).wantProblem(http.StatusForbidden, "forbidden")
	org := ta.organizer("主催者")
	c := ta.newCommunity(org, "十勝", "01207")
	ev := ta.newEvent(org, c.ID, 1, 48*time.Hour)
	ta.post("/v1/events/"+ev+"/rsvp", u.Access, map[string]string{"status": "waitlisted"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/communities/"+c.ID+"/join", u.Access, map[string]string{"role": "organizer"}).wantProblem(http.StatusBadRequest, "unknown_field")
	ta.post("/v1/admin/users/"+u.ID+"/roles", ta.admin().Access, map[string]string{"role": "admin"}).wantProblem(http.StatusBadRequest, "role_not_grantable")
	ta.patch("/v1/me", u.Access, map[string]any{"locale": "admin"}).wantProblem(http.StatusBadRequest, "validation_failed")

	// A founder who is also a mentor cannot introduce themselves.
	both := ta.signUp("自分で自分を", "founder", "mentor")
	ta.put("/v1/me/mentor-profile", both.Access, mentorProfile("01207", "sales")).want(http.StatusCreated)
	ta.put("/v1/me/founder-profile", both.Access, founderProfile("01207")).want(http.StatusCreated)
	r := ta.openRequest(both, "sales")
	res := ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", both.Access, map[string]any{"mentorId": both.ID})
	if res.Code < 400 || res.Code >= 500 {
		t.Errorf("introducing oneself: %d %s, want 4xx", res.Code, res.Body)
	}

	// Nothing of the above took: roles, membership, RSVP, profile standing.
	var me struct {
		Roles  []string `json:"roles"`
		Locale string   `json:"locale"`
	}
	ta.get("/v1/me", u.Access).want(http.StatusOK).decode(&me)
	if !slices.Equal(me.Roles, []string{"mentor"}) || me.Locale != "ja" {
		t.Errorf("account now %+v", me)
	}
	var cv communityBody
	ta.get("/v1/communities/"+c.ID, u.Access).want(http.StatusOK).decode(&cv)
	if cv.MyRole != "" || cv.MemberCount != 1 {
		t.Errorf("community after refused writes: %+v", cv)
	}
	var prof struct {
		Verified bool `json:"verified"`
		Version  int  `json:"version"`
	}
	ta.put("/v1/me/mentor-profile", u.Access, withField(mentorProfile("01207", "sales"), "verified", true)).wantProblem(http.StatusBadRequest, "unknown_field")
	ta.put("/v1/me/mentor-profile", u.Access, withField(mentorProfile("01207", "sales"), "version", 7)).wantProblem(http.StatusBadRequest, "unknown_field")
	ta.get("/v1/me/mentor-profile", u.Access).want(http.StatusOK).decode(&prof)
	if prof.Verified || prof.Version != 1 {
		t.Errorf("mentor profile now %+v", prof)
	}
}

func withField(body map[string]any, k string, v any) map[string]any {
	body[k] = v
	return body
}
