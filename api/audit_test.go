package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

type auditBody struct {
	Items []struct {
		ID        string    `json:"id"`
		At        time.Time `json:"at"`
		ActorID   string    `json:"actorId"`
		Action    string    `json:"action"`
		SubjectID string    `json:"subjectId"`
		ObjectID  string    `json:"objectId"`
		Detail    string    `json:"detail"`
		Reason    string    `json:"reason"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// Every privileged route, read from the router (every change under
// /v1/admin/ and the resolution of conduct reports), writes an audit entry
// saying who did what to whom, and when; a privileged route added without
// a case here fails the test.
func TestEveryPrivilegedRouteIsAudited(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.admin()
	target := ta.newMentor("監査の対象", "01101", "sales")
	reporter := ta.signUp("通報した人")
	var rep struct {
		ID string `json:"id"`
	}
	ta.post("/v1/reports", reporter.Access, map[string]string{"subjectUserId": target.ID, "reason": "other", "detail": "返信がありません"}).want(http.StatusCreated).decode(&rep)
	doomed := ta.signUp("削除される人")

	type audited struct {
		do      func() // performs the route successfully, as the admin
		action  string
		subject string // "" when the entry names the deleted account's stand-in
	}
	cases := map[string]audited{
		"POST /v1/admin/users/:id/roles": {func() {
			ta.post("/v1/admin/users/"+target.ID+"/roles", admin.Access, map[string]string{"role": "organizer"}).want(http.StatusOK)
		}, "role_granted", target.ID},
		"DELETE /v1/admin/users/:id/roles/:role": {func() {
			ta.delete("/v1/admin/users/"+target.ID+"/roles/organizer", admin.Access).want(http.StatusOK)
		}, "role_revoked", target.ID},
		"POST /v1/admin/users/:id/suspend": {func() {
			ta.post("/v1/admin/users/"+target.ID+"/suspend", admin.Access, nil).want(http.StatusOK)
		}, "user_suspended", target.ID},
		"POST /v1/admin/users/:id/unsuspend": {func() {
			ta.post("/v1/admin/users/"+target.ID+"/unsuspend", admin.Access, nil).want(http.StatusOK)
		}, "user_unsuspended", target.ID},
		"POST /v1/admin/mentors/:id/verify": {func() {
			ta.post("/v1/admin/mentors/"+target.ID+"/verify", admin.Access, nil).want(http.StatusOK)
		}, "mentor_verified", target.ID},
		"DELETE /v1/admin/mentors/:id/verify": {func() {
			ta.delete("/v1/admin/mentors/"+target.ID+"/verify", admin.Access).want(http.StatusOK)
		}, "mentor_unverified", target.ID},
		"POST /v1/reports/:id/resolve": {func() {
			ta.post("/v1/reports/"+rep.ID+"/resolve", admin.Access, map[string]string{"resolution": "本人に連絡しました", "action": "warned"}).want(http.StatusOK)
		}, "report_resolved", target.ID},
		"DELETE /v1/admin/users/:id": {func() {
			ta.do(req{method: http.MethodDelete, path: "/v1/admin/users/" + doomed.ID, token: admin.Access, body: map[string]string{"reason": "本人から電話で依頼"}}).want(http.StatusNoContent)
		}, "user_deleted", ""},
	}
	privileged := 0
	for _, key := range registeredRoutes(t, ta) {
		method, path, _ := strings.Cut(key, " ")
		if method == http.MethodGet || !(strings.HasPrefix(path, "/v1/admin/") || path == "/v1/reports/:id/resolve") {
			continue
		}
		privileged++
		c, ok := cases[key]
		if !ok {
			t.Errorf("privileged route %s has no audit case: add one", key)
			continue
		}
		delete(cases, key)
		var before auditBody
		ta.get("/v1/admin/audit?limit=1", admin.Access).want(http.StatusOK).decode(&before)
		start := ta.clock.Now()
		c.do()
		var after auditBody
		ta.get("/v1/admin/audit?limit=1", admin.Access).want(http.StatusOK).decode(&after)
		if len(after.Items) != 1 || (len(before.Items) == 1 && after.Items[0].ID == before.Items[0].ID) {
			t.Errorf("%s wrote no audit entry", key)
			continue
		}
		e := after.Items[0]
		if e.Action != c.action || e.ActorID != admin.ID || e.At.Before(start.Truncate(time.Millisecond)) {
			t.Errorf("%s: entry %+v, want %s by %s", key, e, c.action, admin.ID)
		}
		switch {
		case c.subject != "" && e.SubjectID != c.subject:
			t.Errorf("%s: subject %q, want %q", key, e.SubjectID, c.subject)
		case c.subject == "" && (e.SubjectID == "" || e.SubjectID == doomed.ID || e.Reason != "本人から電話で依頼"):
			t.Errorf("%s: entry %+v: want the reason and the former member's stand-in, never the deleted id", key, e)
		}
	}
	for key := range cases {
		t.Errorf("audit case %s is not a privileged route of the router", key)
	}
	t.Logf("%d privileged routes, each audited", privileged)

	// Paged like every list; the log is for admins only.
	var page auditBody
	ta.get("/v1/admin/audit?limit=3", admin.Access).want(http.StatusOK).decode(&page)
	if len(page.Items) != 3 || page.NextCursor == "" {
		t.Fatalf("first page: %d items, cursor %q", len(page.Items), page.NextCursor)
	}
	var next auditBody
	ta.get("/v1/admin/audit?limit=3&cursor="+page.NextCursor, admin.Access).want(http.StatusOK).decode(&next)
	if len(next.Items) == 0 || next.Items[0].ID == page.Items[0].ID {
		t.Fatalf("second page: %+v", next.Items)
	}
	ta.get("/v1/admin/audit?cursor=nope", admin.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.get("/v1/admin/audit", reporter.Access).wantProblem(http.StatusForbidden, "forbidden")
}

// An admin's deletion needs a reason and an existing account.
func TestAdminDeletesAccount(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.admin()
	u := ta.signUp("消される人")
	path := "/v1/admin/users/" + u.ID
	ta.do(req{method: http.MethodDelete, path: path, token: admin.Access, body: map[string]string{"reason": "  "}}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.do(req{method: http.MethodDelete, path: "/v1/admin/users/ffffffffffffffffffffffff", token: admin.Access, body: map[string]string{"reason": "x"}}).wantProblem(http.StatusNotFound, "not_found")
	ta.get("/v1/me", u.Access).want(http.StatusOK)
	ta.do(req{method: http.MethodDelete, path: path, token: admin.Access, body: map[string]string{"reason": "規約違反の繰り返し"}}).want(http.StatusNoContent)
	ta.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.do(req{method: http.MethodDelete, path: path, token: admin.Access, body: map[string]string{"reason": "again"}}).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/auth/register", "", map[string]any{"email": u.Email, "password": testPassword, "displayName": "また来た人", "roles": []string{}}).want(http.StatusCreated)
	settleDeletions(t, ta)
}
