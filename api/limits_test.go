package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/api/httpapi"
)

// bodyLimitCase is a request type and an endpoint that decodes it.
type bodyLimitCase struct {
	typ    any
	method string
	path   string
	token  func(limitUsers) string
}

type limitUsers struct{ admin, all string }

const someID = "ffffffffffffffffffffffff"

// bodyLimitCases has every request type of the HTTP layer with an endpoint
// taking it; nested types (locations, venues, preferences) are reached
// through their parents. Limits are checked before anything is looked up, so
// the ids need not exist.
var bodyLimitCases = []bodyLimitCase{
	{httpapi.RegisterRequest{}, http.MethodPost, "/v1/auth/register", nil},
	{httpapi.LoginRequest{}, http.MethodPost, "/v1/auth/login", nil},
	{httpapi.RefreshRequest{}, http.MethodPost, "/v1/auth/refresh", nil},
	{httpapi.VerifyEmailRequest{}, http.MethodPost, "/v1/auth/verify-email", nil},
	{httpapi.PasswordResetRequest{}, http.MethodPost, "/v1/auth/password-reset", nil},
	{httpapi.PasswordResetConfirmRequest{}, http.MethodPost, "/v1/auth/password-reset/confirm", nil},
	{httpapi.DigestAnswerRequest{}, http.MethodPost, "/v1/digest/answer", nil},
	{httpapi.ConfirmEmailChangeRequest{}, http.MethodPost, "/v1/auth/confirm-email-change", nil},
	{httpapi.RevertEmailChangeRequest{}, http.MethodPost, "/v1/auth/revert-email-change", nil},
	{httpapi.ChangeEmailRequest{}, http.MethodPost, "/v1/me/email", allToken},
	{httpapi.NotificationPreferences{}, http.MethodPut, "/v1/me/notification-preferences", allToken},
	{httpapi.UpdateMeRequest{}, http.MethodPatch, "/v1/me", allToken},
	{httpapi.ChangePasswordRequest{}, http.MethodPost, "/v1/me/password", allToken},
	{httpapi.MyRoleRequest{}, http.MethodPost, "/v1/me/roles", allToken},
	{httpapi.MentorProfileRequest{}, http.MethodPut, "/v1/me/mentor-profile", allToken},
	{httpapi.FounderProfileRequest{}, http.MethodPut, "/v1/me/founder-profile", allToken},
	{httpapi.MatchRequestRequest{}, http.MethodPost, "/v1/match-requests", allToken},
	{httpapi.IntroduceRequest{}, http.MethodPost, "/v1/match-requests/" + someID + "/introductions", allToken},
	{httpapi.AcceptRequest{}, http.MethodPost, "/v1/introductions/" + someID + "/accept", allToken},
	{httpapi.DeclineRequest{}, http.MethodPost, "/v1/introductions/" + someID + "/decline", allToken},
	{httpapi.TouchpointRequest{}, http.MethodPost, "/v1/mentorships/" + someID + "/touchpoints", allToken},
	{httpapi.CompleteRequest{}, http.MethodPost, "/v1/mentorships/" + someID + "/complete", allToken},
	{httpapi.EndRequest{}, http.MethodPost, "/v1/mentorships/" + someID + "/end", allToken},
	{httpapi.CommunityRequest{}, http.MethodPost, "/v1/communities", allToken},
	{httpapi.PostRequest{}, http.MethodPost, "/v1/communities/" + someID + "/posts", allToken},
	{httpapi.EventRequest{}, http.MethodPost, "/v1/communities/" + someID + "/events", allToken},
	{httpapi.RSVPRequest{}, http.MethodPost, "/v1/events/" + someID + "/rsvp", allToken},
	{httpapi.CadenceRequest{}, http.MethodPut, "/v1/connections/" + someID + "/cadence", allToken},
	{httpapi.ConductReportRequest{}, http.MethodPost, "/v1/reports", allToken},
	{httpapi.ResolveRequest{}, http.MethodPost, "/v1/reports/" + someID + "/resolve", adminToken},
	{httpapi.RoleRequest{}, http.MethodPost, "/v1/admin/users/" + someID + "/roles", adminToken},
	{httpapi.DeleteAccountRequest{}, http.MethodDelete, "/v1/me", allToken},
	{httpapi.DeleteUserRequest{}, http.MethodDelete, "/v1/admin/users/" + someID, adminToken},
}

func allToken(u limitUsers) string   { return u.all }
func adminToken(u limitUsers) string { return u.admin }

// overLimit is one field of a request type set just over its limit.
type overLimit struct {
	path   []string // JSON names from the body's root
	field  string   // as the problem names it
	value  any
	limit  string
	isList bool
}

// overLimits walks t's fields (and nested structs) and returns, for every
// declared maximum, a value just over it; a string or list field without a
// maximum is reported through missing.
func overLimits(t reflect.Type, prefix []string, missing func(string)) []overLimit {
	var out []overLimit
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		path := append(append([]string{}, prefix...), name)
		dotted := strings.Join(path, ".")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "time" {
			out = append(out, overLimits(ft, path, missing)...)
			continue
		}
		if ft.Kind() != reflect.String && ft.Kind() != reflect.Slice {
			continue
		}
		// "max=N" or, for lists, "max=N,dive,max=M" (M: characters of an item).
		own, itemRules, _ := strings.Cut(f.Tag.Get("validate"), ",dive,")
		max := ruleMax(own)
		item := ruleMax(itemRules)
		if max == "" || ft.Kind() == reflect.Slice && item == "" {
			missing(dotted)
			continue
		}
		n, _ := strconv.Atoi(max)
		if ft.Kind() == reflect.String {
			out = append(out, overLimit{path: path, field: dotted, value: strings.Repeat("あ", n+1), limit: max})
			continue
		}
		items := make([]string, n+1)
		for i := range items {
			items[i] = "a"
		}
		out = append(out, overLimit{path: path, field: dotted, value: items, limit: max, isList: true})
		m, _ := strconv.Atoi(item)
		out = append(out, overLimit{path: path, field: dotted, value: []string{strings.Repeat("あ", m+1)}, limit: item})
	}
	return out
}

// ruleMax returns N of the max=N among comma-separated validator rules.
func ruleMax(rules string) string {
	for _, rule := range strings.Split(rules, ",") {
		if v, ok := strings.CutPrefix(rule, "max="); ok {
			return v
		}
	}
	return ""
}

// body nests value under path.
func (o overLimit) body() map[string]any {
	var v any = o.value
	for i := len(o.path) - 1; i > 0; i-- {
		v = map[string]any{o.path[i]: v}
	}
	return map[string]any{o.path[0]: v}
}

// TestBodyLimits sends every string and list field of every request type just
// over its declared maximum (characters, items, characters of an item) and
// wants 400 validation_failed naming the field, with nothing changed.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	all := ta.signUp("全部", "founder", "mentor")
	ta.put("/v1/me/mentor-profile", all.Access, mentorProfile("01101")).want(http.StatusCreated)
	users := limitUsers{admin: ta.admin().Access, all: all.Access}
	covered := map[string]bool{}
	checked := 0
	for _, tc := range bodyLimitCases {
		typ := reflect.TypeOf(tc.typ)
		covered[typ.Name()] = true
		markNested(typ, covered)
		cases := overLimits(typ, nil, func(field string) {
			t.Errorf("%s.%s has no declared maximum (validate:\"max=N\", lists also dive,max=N)", typ.Name(), field)
		})
		for _, o := range cases {
			token := ""
			if tc.token != nil {
				token = tc.token(users)
			}
			res := ta.do(req{method: tc.method, path: tc.path, token: token, body: o.body()})
			if res.Code != http.StatusBadRequest {
				t.Errorf("%s %s with %s over %s: %d %s, want 400", tc.method, tc.path, o.field, o.limit, res.Code, truncate(res.Body))
				continue
			}
			p := res.problem()
			if p.Code != "validation_failed" || !p.hasField(o.field) {
				t.Errorf("%s %s with %s over %s: %s, want validation_failed naming %s", tc.method, tc.path, o.field, o.limit, truncate(res.Body), o.field)
			}
			checked++
		}
	}
	t.Logf("%d over-limit fields refused", checked)
	for _, name := range requestTypesInSource(t) {
		if !covered[name] {
			t.Errorf("request type %s is not in bodyLimitCases", name)
		}
	}
	// Nothing was stored on the way.
	var me struct {
		DisplayName string `json:"displayName"`
		Phone       string `json:"phone"`
	}
	ta.get("/v1/me", all.Access).want(http.StatusOK).decode(&me)
	if me.DisplayName != "全部" || me.Phone != "" {
		t.Errorf("account changed: %+v", me)
	}
	var prof struct {
		Version int `json:"version"`
	}
	ta.get("/v1/me/mentor-profile", all.Access).want(http.StatusOK).decode(&prof)
	if prof.Version != 1 {
		t.Errorf("mentor profile at version %d, want 1", prof.Version)
	}
	ta.get("/v1/me/founder-profile", all.Access).wantProblem(http.StatusNotFound, "not_found")
}

func markNested(t reflect.Type, seen map[string]bool) {
	for f := range t.Fields() {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "time" {
			seen[ft.Name()] = true
			markNested(ft, seen)
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// requestTypesInSource lists the struct types named ...Request in the HTTP
// layer, so a new one cannot escape TestBodyLimits.
func requestTypesInSource(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("httpapi/*.go")
	must(t, err)
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		must(t, err)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); isStruct && strings.HasSuffix(ts.Name.Name, "Request") {
					out = append(out, ts.Name.Name)
				}
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d request types: %v", len(out), out)
	}
	return out
}

// TestQueryLimits: page sizes, repeated and comma-separated values, the
// number of parameters and the length of a value are all bounded.
func TestQueryLimits(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("検索する人", "founder", "mentor")
	for _, path := range []string{
		"/v1/mentors", "/v1/match-requests", "/v1/introductions", "/v1/mentorships", "/v1/notifications",
		"/v1/communities", "/v1/events", "/v1/areas/municipalities?q=sapporo",
	} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		ta.get(path+sep+"limit=100", u.Access).want(http.StatusOK)
		if p := ta.get(path+sep+"limit=101", u.Access).wantProblem(http.StatusBadRequest, "validation_failed"); !p.hasField("limit") {
			t.Errorf("%s limit=101: %+v", path, p)
		}
	}
	topics := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "sales"
		}
		return out
	}
	ta.get("/v1/mentors?"+url.Values{"topic": topics(10)}.Encode(), u.Access).want(http.StatusOK)
	ta.get("/v1/topics?"+url.Values{"x": topics(20)}.Encode(), u.Access).want(http.StatusOK)
	cases := []struct {
		name, path, query, field, message string
	}{
		{"21 repeated values", "/v1/topics", url.Values{"topic": topics(21)}.Encode(), "topic", "at most 20 values"},
		{"21 repeated topic=", "/v1/mentors", url.Values{"topic": topics(21)}.Encode(), "topic", "at most 20 values"},
		{"21 comma-separated topics", "/v1/mentors", "topic=" + strings.Join(topics(21), ","), "topic", "at most 20 values"},
		{"21 comma-separated topics to rank", "/v1/match-suggestions", "near=01207&topic=" + strings.Join(topics(21), ","), "topic", "at most 20 values"},
		{"a value of 501 characters", "/v1/mentors", "q=" + strings.Repeat("a", 501), "q", "must be at most 500 characters"},
		{"51 parameters", "/v1/topics", manyParams(51), "query", "at most 50 query parameters"},
	}
	for _, tc := range cases {
		p := ta.get(tc.path+"?"+tc.query, u.Access).wantProblem(http.StatusBadRequest, "validation_failed")
		found := false
		for _, e := range p.Errors {
			found = found || e.Field == tc.field && e.Message == tc.message
		}
		if !found {
			t.Errorf("%s on %s: %+v, want %s: %s", tc.name, tc.path, p.Errors, tc.field, tc.message)
		}
	}
	ta.get("/v1/topics?"+manyParams(50), "").want(http.StatusOK)
}

func manyParams(n int) string {
	v := url.Values{}
	for i := range n {
		v.Set(fmt.Sprintf("p%d", i), "x")
	}
	return v.Encode()
}
