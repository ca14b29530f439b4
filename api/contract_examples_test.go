package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kizuna-dev/kizuna/internal/mail"
)

// exampleRun sends documented request examples and remembers which
// operations it covered.
type exampleRun struct {
	t       *testing.T
	ta      *testApp
	doc     *openapi3.T
	covered map[string]bool
	// required counts requests sent without a required field.
	required int
}

// send posts the example body of the operation at method and (spec) path,
// with its path parameters filled and ids of this test's resources set, and
// wants one of the operation's documented success statuses. It returns the
// decoded answer (nil for an empty one).
func (r *exampleRun) send(method, path, token string, params map[string]string, ids map[string]any) map[string]any {
	r.t.Helper()
	op := r.doc.Paths.Value(path).GetOperation(method)
	if op == nil || op.RequestBody == nil {
		r.t.Fatalf("%s %s: no such operation with a request body in the spec", method, path)
	}
	body, _ := exampleOf(op.RequestBody.Value.Content.Get("application/json").Schema.Value).(map[string]any)
	if body == nil {
		r.t.Fatalf("%s %s: the spec has no example body", method, path)
	}
	maps.Copy(body, ids)
	target := path
	for name, v := range params {
		target = strings.ReplaceAll(target, "{"+name+"}", v)
	}
	// Without any field the spec says is required, the request is refused
	// naming it.
	for _, field := range op.RequestBody.Value.Content.Get("application/json").Schema.Value.Required {
		without := maps.Clone(body)
		delete(without, field)
		res := r.ta.do(req{method: method, path: target, token: token, body: without})
		// Signing in or refreshing without the secret is an invalid credential.
		if want, ok := credentialProblems[path]; ok && field != "newPassword" {
			res.wantProblem(want.status, want.code)
		} else if res.Code != http.StatusBadRequest || !res.problem().hasFieldUnder(field) {
			r.t.Errorf("%s %s without its required %s: %d %s, want 400 naming it", method, path, field, res.Code, truncate(res.Body))
		}
		r.required++
	}
	res := r.ta.do(req{method: method, path: target, token: token, body: body})
	if op.Responses.Status(res.Code) == nil || res.Code >= 300 {
		r.t.Fatalf("%s %s with its documented example %s: %d %s", method, path, mustJSON(body), res.Code, truncate(res.Body))
	}
	r.covered[method+" "+path] = true
	var out map[string]any
	if len(res.Body) > 0 {
		res.decode(&out)
	}
	return out
}

// credentialProblems: these operations answer a missing credential (a
// password, a token) as a wrong one.
var credentialProblems = map[string]struct {
	status int
	code   string
}{
	"/v1/auth/login":                  {http.StatusUnauthorized, "invalid_credentials"},
	"/v1/auth/refresh":                {http.StatusUnauthorized, "invalid_refresh_token"},
	"/v1/auth/verify-email":           {http.StatusBadRequest, "invalid_token"},
	"/v1/auth/password-reset/confirm": {http.StatusBadRequest, "invalid_token"},
	"/v1/digest/answer":               {http.StatusBadRequest, "invalid_token"},
	"/v1/auth/confirm-email-change":   {http.StatusBadRequest, "invalid_token"},
	"/v1/auth/revert-email-change":    {http.StatusBadRequest, "invalid_token"},
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// str reads a string at a dotted path of a decoded answer.
func str(v map[string]any, path string) string {
	var cur any = v
	for _, key := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[key]
	}
	s, _ := cur.(string)
	return s
}

// TestEveryRequestExampleIsAccepted sends the example body the spec documents
// for every operation that takes one (as Swagger UI's "Try it out" does),
// from a suitable user on a seeded server, and wants a documented success.
// Only ids of the resources this test made replace the examples' ids.
func TestEveryRequestExampleIsAccepted(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	loaded, err := spec()
	must(t, err)
	r := &exampleRun{t: t, ta: ta, doc: loaded.doc, covered: map[string]bool{}}
	id := func(v string) map[string]string { return map[string]string{"id": v} }

	// Accounts: the register example signs up 佐藤 由紀; the login example
	// signs her in.
	yuki := r.send(http.MethodPost, "/v1/auth/register", "", nil, nil)
	yukiToken, yukiID := str(yuki, "tokens.accessToken"), str(yuki, "user.id")
	r.send(http.MethodPost, "/v1/auth/verify-email", "", nil, map[string]any{"token": ta.mailToken(yukiID, "yuki.sato@example.jp", mail.KindVerifyEmail)})
	r.send(http.MethodPut, "/v1/me/notification-preferences", yukiToken, nil, nil)
	login := r.send(http.MethodPost, "/v1/auth/login", "", nil, nil)
	refreshed := r.send(http.MethodPost, "/v1/auth/refresh", "", nil, map[string]any{"refreshToken": str(login, "tokens.refreshToken")})
	r.send(http.MethodPatch, "/v1/me", yukiToken, nil, nil)
	r.send(http.MethodPut, "/v1/me/mentor-profile", yukiToken, nil, nil)

	// Matching: a founder asks two mentors near 札幌, one declines, one accepts.
	founder := ta.signUp("hanako", "founder")
	r.send(http.MethodPut, "/v1/me/founder-profile", founder.Access, nil, nil)
	r.send(http.MethodPost, "/v1/me/roles", founder.Access, nil, nil)
	m1 := ta.newMentor("ichiro", "01101", "sales", "hiring")
	m2 := ta.newMentor("jiro", "01101", "sales", "hiring")
	request := r.send(http.MethodPost, "/v1/match-requests", founder.Access, nil, nil)
	intro1 := r.send(http.MethodPost, "/v1/match-requests/{id}/introductions", founder.Access, id(str(request, "request.id")), map[string]any{"mentorId": m1.ID})
	intro2 := r.send(http.MethodPost, "/v1/match-requests/{id}/introductions", founder.Access, id(str(request, "request.id")), map[string]any{"mentorId": m2.ID})
	r.send(http.MethodPost, "/v1/introductions/{id}/decline", m2.Access, id(str(intro2, "id")), nil)
	accepted := r.send(http.MethodPost, "/v1/introductions/{id}/accept", m1.Access, id(str(intro1, "id")), nil)
	mentorship := str(accepted, "mentorshipId")
	// The touchpoint example is dated the day after the clock's start.
	ta.clock.Advance(48 * time.Hour)
	ta.relogin(&founder)
	r.send(http.MethodPost, "/v1/mentorships/{id}/touchpoints", founder.Access, id(mentorship), nil)
	r.send(http.MethodPost, "/v1/mentorships/{id}/complete", founder.Access, id(mentorship), nil)
	r.send(http.MethodPut, "/v1/connections/{userId}/cadence", founder.Access, map[string]string{"userId": m1.ID}, nil)
	f2, m3 := ta.newFounder("saburo", "01207"), ta.newMentor("shiro", "01207", "sales")
	r.send(http.MethodPost, "/v1/mentorships/{id}/end", f2.Access, id(ta.mentorship(f2, m3, "sales")), nil)

	// Community: an organizer's community, a post, an event; a report.
	org := ta.organizer("goro")
	community := r.send(http.MethodPost, "/v1/communities", org.Access, nil, nil)
	post := r.send(http.MethodPost, "/v1/communities/{id}/posts", org.Access, id(str(community, "id")), nil)
	r.send(http.MethodPatch, "/v1/posts/{id}", org.Access, id(str(post, "id")), nil)
	event := r.send(http.MethodPost, "/v1/communities/{id}/events", org.Access, id(str(community, "id")), nil)
	r.send(http.MethodPost, "/v1/events/{id}/rsvp", founder.Access, id(str(event, "id")), nil)
	report := r.send(http.MethodPost, "/v1/reports", founder.Access, nil,
		map[string]any{"communityId": str(community, "id"), "postId": str(post, "id"), "subjectUserId": org.ID})
	r.send(http.MethodPost, "/v1/reports/{id}/resolve", org.Access, id(str(report, "id")), nil)
	r.send(http.MethodPost, "/v1/admin/users/{id}/roles", ta.admin().Access, id(founder.ID), nil)

	// The founder drifts away; the monthly digest offers them an online
	// event of the community they joined by answering, and they answer it.
	ta.clock.Advance(100 * 24 * time.Hour)
	org = ta.login(org.Email, testPassword)
	start := ta.clock.Now().Add(72 * time.Hour)
	ta.post("/v1/communities/"+str(community, "id")+"/events", org.Access, map[string]any{"title": "オンライン雑談会", "startsAt": start, "endsAt": start.Add(45 * time.Minute),
		"online": true, "capacity": 30, "tags": []string{"free", "online", "short"}}).want(http.StatusCreated)
	must(t, ta.app.runDigest(context.Background()))
	still, _ := answerTokens(t, ta.digestMail(founder.ID).Text)
	r.send(http.MethodPost, "/v1/digest/answer", "", nil, map[string]any{"token": still})

	// Last, what ends 佐藤 由紀's sessions.
	r.send(http.MethodPost, "/v1/auth/logout", "", nil, map[string]any{"refreshToken": str(refreshed, "refreshToken")})
	again := ta.login("yuki.sato@example.jp", "correct-horse-battery") // her token from before the clock moved has expired
	r.send(http.MethodPost, "/v1/me/password", again.Access, nil, nil)
	// She forgets it and resets it (to the same example passphrase).
	r.send(http.MethodPost, "/v1/auth/password-reset", "", nil, nil)
	r.send(http.MethodPost, "/v1/auth/password-reset/confirm", "", nil, map[string]any{"token": ta.mailToken(yukiID, "yuki.sato@example.jp", mail.KindPasswordReset)})
	// Then she leaves (the example is the password she chose), and an
	// admin deletes the mentor who declined.
	// She moves to a new address, and confirms it from the mail.
	r.send(http.MethodPost, "/v1/me/email", ta.login("yuki.sato@example.jp", "a-longer-passphrase-2026").Access, nil, nil)
	r.send(http.MethodPost, "/v1/auth/confirm-email-change", "", nil, map[string]any{"token": ta.mailToken(yukiID, "yuki.sato@example.net", mail.KindConfirmEmailChange)})
	// Or someone else did, and she undoes it from the old address, then
	// sets a new password from the link that comes there.
	r.send(http.MethodPost, "/v1/auth/revert-email-change", "", nil, map[string]any{"token": ta.mailToken(yukiID, "yuki.sato@example.jp", mail.KindEmailChanged)})
	r.send(http.MethodPost, "/v1/auth/password-reset/confirm", "", nil, map[string]any{"token": ta.mailToken(yukiID, "yuki.sato@example.jp", mail.KindPasswordReset)})
	r.send(http.MethodDelete, "/v1/me", ta.login("yuki.sato@example.jp", "a-longer-passphrase-2026").Access, nil, nil)
	r.send(http.MethodDelete, "/v1/admin/users/{id}", ta.admin().Access, id(m2.ID), nil)

	var missing []string
	for path, item := range loaded.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && !r.covered[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	slices.Sort(missing)
	for _, op := range missing {
		t.Errorf("%s takes a body, but this test does not send its example: add it", op)
	}
	t.Logf("%d documented request examples accepted; %d requests without a required field refused naming it", len(r.covered), r.required)
}
