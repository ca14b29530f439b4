package main

import (
	"net/http"
	"slices"
	"testing"
)

type meRoles struct {
	Roles     []string `json:"roles"`
	NextSteps []string `json:"nextSteps"`
}

// An account made without a role is told how to choose one and can; a
// founder can start mentoring, and stop again only once no mentorship of
// theirs as mentor is active, which pauses their profile.
func TestSelfServiceRoles(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("迷い中")
	// Each answer decodes afresh: nextSteps is absent when there is none.
	roles := func(res *response) (me meRoles) {
		res.want(http.StatusOK).decode(&me)
		return me
	}
	me := roles(ta.get("/v1/me", u.Access))
	if len(me.Roles) != 0 || len(me.NextSteps) != 1 {
		t.Fatalf("account without a role: %+v, want a next step", me)
	}
	ta.get("/v1/me/mentor-profile", u.Access).wantProblem(http.StatusForbidden, "forbidden")
	me = roles(ta.post("/v1/me/roles", u.Access, map[string]string{"role": "mentor"}))
	if !slices.Equal(me.Roles, []string{"mentor"}) || len(me.NextSteps) != 0 {
		t.Fatalf("after taking mentor: %+v", me)
	}
	ta.post("/v1/me/roles", u.Access, map[string]string{"role": "mentor"}).want(http.StatusOK) // idempotent
	ta.put("/v1/me/mentor-profile", u.Access, mentorProfile("01101")).want(http.StatusCreated)

	for _, role := range []string{"organizer", "admin"} {
		ta.post("/v1/me/roles", u.Access, map[string]string{"role": role}).wantProblem(http.StatusBadRequest, "role_not_self_service")
	}
	if p := ta.post("/v1/me/roles", u.Access, map[string]string{"role": ""}).wantProblem(http.StatusBadRequest, "validation_failed"); !p.hasField("role") {
		t.Errorf("no role: %+v, want role named", p)
	}
	ta.do(req{method: http.MethodDelete, path: "/v1/me/roles/admin", token: u.Access}).wantProblem(http.StatusBadRequest, "role_not_self_service")

	// A founder who mentors: not while a mentorship as mentor is active.
	f := ta.newFounder("依頼者", "01101")
	m := ta.newMentor("兼業", "01101", "sales")
	me = roles(ta.post("/v1/me/roles", m.Access, map[string]string{"role": "founder"}))
	if !slices.Equal(me.Roles, []string{"founder", "mentor"}) {
		t.Fatalf("roles %v", me.Roles)
	}
	id := ta.mentorship(f, m, "sales")
	ta.do(req{method: http.MethodDelete, path: "/v1/me/roles/mentor", token: m.Access}).wantProblem(http.StatusConflict, "active_mentorships")
	ta.do(req{method: http.MethodDelete, path: "/v1/me/roles/founder", token: f.Access}).wantProblem(http.StatusConflict, "active_mentorships")
	ta.post("/v1/mentorships/"+id+"/end", m.Access, map[string]string{"reason": "本業に専念"}).want(http.StatusOK)
	me = roles(ta.do(req{method: http.MethodDelete, path: "/v1/me/roles/mentor", token: m.Access}))
	if !slices.Equal(me.Roles, []string{"founder"}) {
		t.Fatalf("roles after dropping mentor: %v", me.Roles)
	}
	var profile struct {
		AcceptingRequests bool `json:"acceptingRequests"`
	}
	ta.get("/v1/mentors/"+m.ID, f.Access).want(http.StatusOK).decode(&profile)
	if profile.AcceptingRequests {
		t.Fatal("the profile of a mentor who dropped the role still accepts requests")
	}
}
