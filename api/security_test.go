package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// secWorld is a small community with every kind of object, owned by people
// other than the outsider, for the authorization tests.
type secWorld struct {
	ta *testApp
	// founder and mentor are in an active mentorship; mentor2 has a pending
	// introduction from founder; organizer runs the community.
	founder, mentor, mentor2, organizer account
	// outsider is a founder and mentor with profiles, connected to nobody and
	// member of nothing; plain holds no role at all.
	outsider, plain account

	requestID, pendingRequestID, pendingIntroID, mentorshipID string
	communityID, eventID, postID, notificationID, reportID    string
	founderSession                                            string

	// Private strings of the world: none may reach the outsider.
	secrets []string
}

// Secrets planted in the world.
const (
	secFounderPhone = "090-7777-0001"
	secMentorPhone  = "090-7777-0002"
	secStake        = "秘密ホールディングス"
	secRequestMsg   = "秘密の相談: 資金繰りが厳しい"
	secIntroMsg     = "秘密の紹介文"
	secTouchpoint   = "秘密の面談メモ"
	secPostBody     = "秘密の投稿（メンバー限定）"
	secReportDetail = "秘密の通報内容"
)

func newSecWorld(t *testing.T) *secWorld {
	t.Helper()
	ta := newTestApp(t)
	w := &secWorld{ta: ta}
	w.mentor = ta.newMentor("秘密メンター", "01631", "sales", "hiring")
	stakes := mentorProfile("01631", "sales", "hiring")
	stakes["stakes"], stakes["independent"] = []string{secStake}, false
	ta.put("/v1/me/mentor-profile", w.mentor.Access, stakes).want(http.StatusOK)
	ta.patch("/v1/me", w.mentor.Access, map[string]any{"phone": secMentorPhone}).want(http.StatusOK)
	w.mentor2 = ta.newMentor("秘密メンター2", "01207", "sales")
	w.founder = ta.newFounder("秘密創業者", "01207")
	ta.patch("/v1/me", w.founder.Access, map[string]any{"phone": secFounderPhone}).want(http.StatusOK)

	var r matchRequestBody
	ta.post("/v1/match-requests", w.founder.Access, map[string]any{"topics": []string{"sales"}, "radiusKm": 50, "message": secRequestMsg}).
		want(http.StatusCreated).decode(&r)
	w.requestID = r.Request.ID
	var in introBody
	ta.post("/v1/match-requests/"+w.requestID+"/introductions", w.founder.Access, map[string]any{"mentorId": w.mentor.ID, "message": secIntroMsg}).
		want(http.StatusCreated).decode(&in)
	ta.post("/v1/introductions/"+in.ID+"/accept", w.mentor.Access, nil).want(http.StatusOK).decode(&in)
	w.mentorshipID = in.MentorshipID
	ta.post("/v1/mentorships/"+w.mentorshipID+"/touchpoints", w.mentor.Access, map[string]any{"kind": "call", "durationMinutes": 30, "summary": secTouchpoint}).
		want(http.StatusCreated)

	ta.post("/v1/match-requests", w.founder.Access, map[string]any{"topics": []string{"sales"}, "radiusKm": 50, "message": secRequestMsg}).
		want(http.StatusCreated).decode(&r)
	w.pendingRequestID = r.Request.ID
	w.pendingIntroID = ta.introduce(w.founder, w.pendingRequestID, w.mentor2.ID).ID

	var notes notificationList
	ta.get("/v1/notifications", w.founder.Access).want(http.StatusOK).decode(&notes)
	if len(notes.Items) == 0 {
		t.Fatal("the founder should have been notified of the accepted introduction")
	}
	w.notificationID = notes.Items[0].ID

	w.organizer = ta.organizer("秘密オーガナイザー")
	w.communityID = ta.newCommunity(w.organizer, "十勝", "01207").ID
	w.eventID = ta.newEvent(w.organizer, w.communityID, 10, 48*time.Hour)
	ta.post("/v1/communities/"+w.communityID+"/join", w.founder.Access, nil).want(http.StatusOK)
	var post struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+w.communityID+"/posts", w.founder.Access, map[string]string{"body": secPostBody}).want(http.StatusCreated).decode(&post)
	w.postID = post.ID
	var report struct {
		ID string `json:"id"`
	}
	ta.post("/v1/reports", w.mentor.Access, map[string]string{"postId": w.postID, "reason": "other", "detail": secReportDetail}).
		want(http.StatusCreated).decode(&report)
	w.reportID = report.ID

	var sessions struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ta.get("/v1/me/sessions", w.founder.Access).want(http.StatusOK).decode(&sessions)
	w.founderSession = sessions.Items[0].ID

	w.outsider = ta.signUp("部外者", "founder", "mentor")
	ta.put("/v1/me/founder-profile", w.outsider.Access, founderProfile("01101")).want(http.StatusCreated)
	ta.put("/v1/me/mentor-profile", w.outsider.Access, mentorProfile("01101", "sales")).want(http.StatusCreated)
	w.plain = ta.signUp("役割なし")

	w.secrets = []string{
		w.founder.Email, w.mentor.Email, w.mentor2.Email, w.organizer.Email,
		secFounderPhone, secMentorPhone, secStake, secRequestMsg, secIntroMsg, secTouchpoint, secPostBody, secReportDetail,
		"十勝チーズ工房", // the founder's company: shown to the mentors they asked only
	}
	return w
}

// expectNoSecrets fails when body carries any private string of the world.
func (w *secWorld) expectNoSecrets(t *testing.T, what string, body []byte, allowed ...string) {
	t.Helper()
	for _, s := range w.secrets {
		if strings.Contains(string(body), s) && !slices.Contains(allowed, s) {
			t.Errorf("%s: the response leaks %q: %s", what, s, body)
		}
	}
}

// routeRule says how one route is protected. A route must have at least one
// of public, openTo, role or owned set: the matrix fails on any route it does
// not know, so a new route cannot escape it.
type routeRule struct {
	// public: no token needed.
	public bool
	// openTo: any signed-in user may call it by design, with the reason (the
	// caller's own data, a public profile, a free community).
	openTo string
	// role: the token of a caller without the needed role; must get 403.
	role func(w *secWorld) string
	// owned: the route acts on another user's object; the outsider must get
	// 403 or 404, with nothing of the object in the body.
	owned bool
	// path with the world's ids filled in, and a valid body for writes.
	path func(w *secWorld) string
	body any
}

func fixed(p string) func(*secWorld) string { return func(*secWorld) string { return p } }

func plainToken(w *secWorld) string     { return w.plain.Access }
func outsiderToken(w *secWorld) string  { return w.outsider.Access }
func organizerToken(w *secWorld) string { return w.organizer.Access }

// routeRules is the authorization matrix: every route of the router, keyed by
// method and pattern.
func routeRules() map[string]routeRule {
	mentorship := func(suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return "/v1/mentorships/" + w.mentorshipID + suffix }
	}
	intro := func(suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return "/v1/introductions/" + w.pendingIntroID + suffix }
	}
	community := func(suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return "/v1/communities/" + w.communityID + suffix }
	}
	post := func(suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return "/v1/posts/" + w.postID + suffix }
	}
	user := func(prefix, suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return prefix + w.mentor.ID + suffix }
	}
	event := func(suffix string) func(*secWorld) string {
		return func(w *secWorld) string { return "/v1/events/" + w.eventID + suffix }
	}
	eventBody := map[string]any{
		"title": "相談会", "startsAt": "2026-12-24T10:00:00Z", "endsAt": "2026-12-24T10:30:00Z", "online": true, "capacity": 5,
	}
	return map[string]routeRule{
		"GET /healthz":              {public: true, path: fixed("/healthz")},
		"GET /readyz":               {public: true, path: fixed("/readyz")},
		"GET /metrics":              {public: true, path: fixed("/metrics")}, // exposed to the monitoring network only (README)
		"GET /swagger/*any":         {public: true, path: fixed("/swagger/index.html")},
		"GET /openapi.json":         {public: true, path: fixed("/openapi.json")},
		"POST /v1/auth/register":    {public: true, path: fixed("/v1/auth/register")},
		"POST /v1/auth/login":       {public: true, path: fixed("/v1/auth/login")},
		"POST /v1/auth/refresh":     {public: true, path: fixed("/v1/auth/refresh")},
		"POST /v1/auth/logout":      {public: true, path: fixed("/v1/auth/logout")},
		"GET /v1/topics":            {public: true, path: fixed("/v1/topics")},
		"GET /v1/areas/prefectures": {public: true, path: fixed("/v1/areas/prefectures")},
		// A link opened on any device: the token is the credential.
		"POST /v1/auth/verify-email":           {public: true, path: fixed("/v1/auth/verify-email")},
		"POST /v1/auth/password-reset":         {public: true, path: fixed("/v1/auth/password-reset")},
		"POST /v1/auth/password-reset/confirm": {public: true, path: fixed("/v1/auth/password-reset/confirm")},
		// From a mail client, RFC 8058: the signed token names its one recipient.
		"POST /v1/mail/unsubscribe": {public: true, path: fixed("/v1/mail/unsubscribe?token=x")},
		// From a digest: the signed token names its one recipient and digest.
		"POST /v1/digest/answer":                         {public: true, path: fixed("/v1/digest/answer")},
		"POST /v1/auth/confirm-email-change":             {public: true, path: fixed("/v1/auth/confirm-email-change")},
		"POST /v1/auth/revert-email-change":              {public: true, path: fixed("/v1/auth/revert-email-change")},
		"GET /v1/areas/prefectures/:code/municipalities": {public: true, path: fixed("/v1/areas/prefectures/01/municipalities")},
		"GET /v1/areas/municipalities":                   {public: true, path: fixed("/v1/areas/municipalities")},
		"GET /v1/areas/municipalities/:code":             {public: true, path: fixed("/v1/areas/municipalities/01101")},

		"GET /v1/me":                          {openTo: "the caller's own account", path: fixed("/v1/me")},
		"PATCH /v1/me":                        {openTo: "the caller's own account", path: fixed("/v1/me"), body: map[string]any{"locale": "ja"}},
		"DELETE /v1/me":                       {openTo: "the caller's own account", path: fixed("/v1/me"), body: map[string]any{"password": "x"}},
		"GET /v1/me/export":                   {openTo: "the caller's own data, others' as the caller sees them", path: fixed("/v1/me/export")},
		"POST /v1/me/password":                {openTo: "the caller's own password", path: fixed("/v1/me/password"), body: map[string]any{"currentPassword": "x", "newPassword": "y"}},
		"POST /v1/me/roles":                   {openTo: "the caller's own roles (founder, mentor)", path: fixed("/v1/me/roles"), body: map[string]any{"role": "founder"}},
		"DELETE /v1/me/roles/:role":           {openTo: "the caller's own roles (founder, mentor)", path: fixed("/v1/me/roles/founder")},
		"GET /v1/me/sessions":                 {openTo: "the caller's own sessions", path: fixed("/v1/me/sessions")},
		"DELETE /v1/me/sessions/:id":          {owned: true, path: func(w *secWorld) string { return "/v1/me/sessions/" + w.founderSession }},
		"POST /v1/auth/logout-all":            {openTo: "the caller's own sessions", path: fixed("/v1/auth/logout-all")},
		"POST /v1/auth/verify-email/resend":   {openTo: "the caller's own address", path: fixed("/v1/auth/verify-email/resend")},
		"GET /v1/me/notification-preferences": {openTo: "the caller's own preferences", path: fixed("/v1/me/notification-preferences")},
		"PUT /v1/me/notification-preferences": {openTo: "the caller's own preferences", path: fixed("/v1/me/notification-preferences"),
			body: map[string]any{"channels": map[string]string{}, "digest": "monthly"}},

		"GET /v1/me/digest-preview": {openTo: "the caller's own digest", path: fixed("/v1/me/digest-preview")},
		"POST /v1/me/email":         {openTo: "the caller's own address", path: fixed("/v1/me/email"), body: map[string]any{"newEmail": "x@example.jp", "password": "x"}},

		"GET /v1/me/mentor-profile":  {role: plainToken, path: fixed("/v1/me/mentor-profile")},
		"PUT /v1/me/mentor-profile":  {role: plainToken, path: fixed("/v1/me/mentor-profile"), body: mentorProfile("01101")},
		"GET /v1/me/founder-profile": {role: plainToken, path: fixed("/v1/me/founder-profile")},
		"PUT /v1/me/founder-profile": {role: plainToken, path: fixed("/v1/me/founder-profile"), body: founderProfile("01101")},

		"GET /v1/mentors":     {openTo: "public mentor summaries", path: fixed("/v1/mentors?topic=sales")},
		"GET /v1/mentors/:id": {openTo: "a mentor's public profile (no contact, no stakes)", path: user("/v1/mentors/", "")},

		"GET /v1/match-suggestions":                 {role: plainToken, path: fixed("/v1/match-suggestions?topic=sales&near=01207")},
		"POST /v1/match-requests":                   {role: plainToken, path: fixed("/v1/match-requests"), body: map[string]any{"topics": []string{"sales"}, "location": map[string]string{"municipalityCode": "01207"}}},
		"GET /v1/match-requests":                    {openTo: "the caller's own requests", path: fixed("/v1/match-requests")},
		"GET /v1/match-requests/:id":                {owned: true, path: func(w *secWorld) string { return "/v1/match-requests/" + w.pendingRequestID }},
		"POST /v1/match-requests/:id/close":         {owned: true, path: func(w *secWorld) string { return "/v1/match-requests/" + w.pendingRequestID + "/close" }},
		"POST /v1/match-requests/:id/introductions": {owned: true, path: func(w *secWorld) string { return "/v1/match-requests/" + w.pendingRequestID + "/introductions" }, body: map[string]any{"mentorId": "ffffffffffffffffffffffff"}},

		"GET /v1/introductions":               {openTo: "the caller's own introductions", path: fixed("/v1/introductions")},
		"GET /v1/introductions/:id":           {owned: true, path: intro("")},
		"POST /v1/introductions/:id/accept":   {owned: true, path: intro("/accept")},
		"POST /v1/introductions/:id/decline":  {owned: true, path: intro("/decline"), body: map[string]any{"reason": "other"}},
		"POST /v1/introductions/:id/withdraw": {owned: true, path: intro("/withdraw")},

		"GET /v1/mentorships":                  {openTo: "the caller's own mentorships", path: fixed("/v1/mentorships")},
		"GET /v1/mentorships/:id":              {owned: true, path: mentorship("")},
		"GET /v1/mentorships/:id/touchpoints":  {owned: true, path: mentorship("/touchpoints")},
		"POST /v1/mentorships/:id/touchpoints": {owned: true, path: mentorship("/touchpoints"), body: map[string]any{"kind": "call"}},
		"POST /v1/mentorships/:id/complete":    {owned: true, path: mentorship("/complete"), body: map[string]any{"reflection": "ありがとう", "rating": 5, "stayInTouch": true}},
		"POST /v1/mentorships/:id/end":         {owned: true, path: mentorship("/end"), body: map[string]any{"reason": "終わり"}},

		"GET /v1/notifications":           {openTo: "the caller's own inbox", path: fixed("/v1/notifications")},
		"POST /v1/notifications/read-all": {openTo: "the caller's own inbox", path: fixed("/v1/notifications/read-all")},
		"POST /v1/notifications/:id/read": {owned: true, path: func(w *secWorld) string { return "/v1/notifications/" + w.notificationID + "/read" }},

		"POST /v1/communities":            {role: outsiderToken, path: fixed("/v1/communities"), body: map[string]any{"name": "x", "prefectureCodes": []string{"01"}}},
		"GET /v1/communities":             {openTo: "communities are free to join and listed for all", path: fixed("/v1/communities")},
		"GET /v1/communities/:id":         {openTo: "communities are free to join", path: community("")},
		"POST /v1/communities/:id/join":   {openTo: "communities are free to join", path: community("/join")},
		"POST /v1/communities/:id/leave":  {openTo: "the caller's own membership", path: community("/leave")},
		"GET /v1/communities/:id/members": {owned: true, role: outsiderToken, path: community("/members")},
		"GET /v1/communities/:id/members/:userId/digest-preview": {owned: true, role: outsiderToken,
			path: func(w *secWorld) string {
				return "/v1/communities/" + w.communityID + "/members/" + w.organizer.ID + "/digest-preview"
			}},
		"GET /v1/communities/:id/posts":     {owned: true, path: community("/posts")},
		"POST /v1/communities/:id/posts":    {owned: true, path: community("/posts"), body: map[string]any{"body": "こんにちは"}},
		"POST /v1/communities/:id/events":   {owned: true, role: outsiderToken, path: community("/events"), body: eventBody},
		"PATCH /v1/posts/:id":               {owned: true, path: post(""), body: map[string]any{"body": "書き換え"}},
		"DELETE /v1/posts/:id":              {owned: true, path: post("")},
		"POST /v1/posts/:id/pin":            {owned: true, path: post("/pin")},
		"POST /v1/posts/:id/unpin":          {owned: true, path: post("/unpin")},
		"GET /v1/events":                    {openTo: "events of free communities", path: fixed("/v1/events")},
		"GET /v1/events/:id":                {openTo: "events of free communities", path: event("")},
		"POST /v1/events/:id/rsvp":          {openTo: "anyone may go to a community event", path: event("/rsvp")},
		"POST /v1/events/:id/invite-lapsed": {owned: true, role: outsiderToken, path: event("/invite-lapsed")},

		"GET /v1/keep-in-touch":                  {openTo: "the caller's own connections", path: fixed("/v1/keep-in-touch")},
		"PUT /v1/connections/:userId/cadence":    {owned: true, path: user("/v1/connections/", "/cadence"), body: map[string]any{"everyDays": 30}},
		"DELETE /v1/connections/:userId/cadence": {owned: true, path: user("/v1/connections/", "/cadence")},

		"POST /v1/reports":             {openTo: "anyone may report conduct", path: fixed("/v1/reports")},
		"GET /v1/reports":              {role: outsiderToken, path: fixed("/v1/reports")},
		"POST /v1/reports/:id/resolve": {role: outsiderToken, owned: true, path: func(w *secWorld) string { return "/v1/reports/" + w.reportID + "/resolve" }, body: map[string]any{"resolution": "対応しました", "action": "none"}},
		"GET /v1/reports/coverage":     {role: outsiderToken, path: fixed("/v1/reports/coverage?prefecture=01")},
		"GET /v1/reports/coverage.csv": {role: outsiderToken, path: fixed("/v1/reports/coverage.csv?prefecture=01")},

		"GET /v1/admin/audit":                    {role: organizerToken, path: fixed("/v1/admin/audit")},
		"DELETE /v1/admin/users/:id":             {role: organizerToken, path: user("/v1/admin/users/", ""), body: map[string]any{"reason": "x"}},
		"POST /v1/admin/users/:id/roles":         {role: organizerToken, path: user("/v1/admin/users/", "/roles"), body: map[string]any{"role": "organizer"}},
		"DELETE /v1/admin/users/:id/roles/:role": {role: organizerToken, path: user("/v1/admin/users/", "/roles/organizer")},
		"POST /v1/admin/users/:id/suspend":       {role: organizerToken, path: user("/v1/admin/users/", "/suspend")},
		"POST /v1/admin/users/:id/unsuspend":     {role: organizerToken, path: user("/v1/admin/users/", "/unsuspend")},
		"POST /v1/admin/mentors/:id/verify":      {role: outsiderToken, path: user("/v1/admin/mentors/", "/verify")},
		"DELETE /v1/admin/mentors/:id/verify":    {role: outsiderToken, path: user("/v1/admin/mentors/", "/verify")},
	}
}

// registeredRoutes lists every route of the real router as "METHOD pattern".
func registeredRoutes(t *testing.T, ta *testApp) []string {
	t.Helper()
	engine, ok := ta.app.handler.current().(*gin.Engine)
	if !ok {
		t.Fatalf("the handler is a %T, not a *gin.Engine", ta.app.handler.current())
	}
	var out []string
	for _, r := range engine.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// TestAuthorizationMatrix walks every registered route: without a token it
// gets 401 (unless public); with the token of someone lacking the role, 403;
// on another user's object, 403 or 404 with nothing of the object in the body.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	ta := w.ta
	rules := routeRules()
	routes := registeredRoutes(t, ta)
	seen := map[string]bool{}
	for _, key := range routes {
		seen[key] = true
		rule, ok := rules[key]
		if !ok {
			t.Errorf("route %s is not in the authorization matrix: add it to routeRules", key)
			continue
		}
		if !rule.public && rule.openTo == "" && rule.role == nil && !rule.owned {
			t.Errorf("route %s has no protection in the matrix", key)
			continue
		}
		method, _, _ := strings.Cut(key, " ")
		path := rule.path(w)
		if rule.public {
			continue
		}
		res := ta.do(req{method: method, path: path, body: rule.body})
		if res.Code != http.StatusUnauthorized || res.problem().Code != "unauthenticated" {
			t.Errorf("%s without a token: %d %s, want 401 unauthenticated", key, res.Code, res.Body)
		}
		if rule.role != nil {
			res := ta.do(req{method: method, path: path, body: rule.body, token: rule.role(w)})
			if res.Code != http.StatusForbidden {
				t.Errorf("%s without the role: %d %s, want 403", key, res.Code, res.Body)
			}
			w.expectNoSecrets(t, key+" without the role", res.Body)
		}
		if rule.owned {
			res := ta.do(req{method: method, path: path, body: rule.body, token: w.outsider.Access})
			if res.Code != http.StatusForbidden && res.Code != http.StatusNotFound {
				t.Errorf("%s by an unrelated user: %d %s, want 403 or 404", key, res.Code, res.Body)
			}
			w.expectNoSecrets(t, key+" by an unrelated user", res.Body)
		}
	}
	for key := range rules {
		if !seen[key] {
			t.Errorf("the matrix lists %s, which the router does not have", key)
		}
	}
	if len(routes) != len(rules) {
		t.Errorf("%d routes, %d rules", len(routes), len(rules))
	}
	t.Logf("authorization matrix: %d routes", len(routes))

	// The owners still have everything the outsider tried to touch.
	ta.get("/v1/introductions/"+w.pendingIntroID, w.founder.Access).want(http.StatusOK)
	var in introBody
	ta.get("/v1/introductions/"+w.pendingIntroID, w.mentor2.Access).want(http.StatusOK).decode(&in)
	if in.Status != "pending" {
		t.Errorf("the pending introduction became %q", in.Status)
	}
	var ms mentorshipBody
	ta.get("/v1/mentorships/"+w.mentorshipID, w.founder.Access).want(http.StatusOK).decode(&ms)
	if ms.Status != "active" {
		t.Errorf("the mentorship became %q", ms.Status)
	}
	var p struct {
		Body   string `json:"body"`
		Pinned bool   `json:"pinned"`
	}
	var posts struct {
		Items []struct {
			ID     string `json:"id"`
			Body   string `json:"body"`
			Pinned bool   `json:"pinned"`
		} `json:"items"`
	}
	ta.get("/v1/communities/"+w.communityID+"/posts", w.founder.Access).want(http.StatusOK).decode(&posts)
	for _, it := range posts.Items {
		if it.ID == w.postID {
			p.Body, p.Pinned = it.Body, it.Pinned
		}
	}
	if p.Body != secPostBody || p.Pinned {
		t.Errorf("the founder's post is now %+v", p)
	}
}
