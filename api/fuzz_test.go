package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The fuzz targets drive the real router over a small world (a mentor, a
// founder, a request, an introduction, a mentorship, a community with a post
// and an event, a report), so fuzzed input reaches the handlers' decoding and
// the domain's validation behind real ids. Each answer must be documented
// (ta.do validates it against the spec) and, when it is an error, a 4xx
// problem: bad input is never a 500.

type fuzzWorld struct {
	ta                     *testApp
	ops                    []specOperation
	mentor, founder, super account
	ids                    map[string]string // path prefix -> an id that exists there
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	ta := newTestApp(f, quietLogs)
	m := ta.newMentor("fuzz-mentor", "01101", "sales", "hiring")
	fo := ta.newFounder("fuzz-founder", "01207")
	super := ta.organizer("fuzz-organizer")
	r := ta.openRequest(fo, "sales")
	in := ta.introduce(fo, r.Request.ID, m.ID)
	m2 := ta.newMentor("fuzz-mentor-2", "01207", "sales")
	ms := ta.mentorship(fo, m2, "sales")
	c := ta.newCommunity(super, "fuzz")
	ev := ta.newEvent(super, c.ID, 10, 48*time.Hour)
	var post, report struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+c.ID+"/posts", super.Access, map[string]string{"body": "ようこそ"}).want(http.StatusCreated).decode(&post)
	ta.post("/v1/reports", fo.Access, map[string]string{"postId": post.ID, "reason": "spam"}).want(http.StatusCreated).decode(&report)
	return &fuzzWorld{
		ta: ta, ops: specOperations(f), mentor: m, founder: fo, super: super,
		ids: map[string]string{
			"/v1/match-requests/": r.Request.ID, "/v1/introductions/": in.ID, "/v1/mentorships/": ms,
			"/v1/communities/": c.ID, "/v1/posts/": post.ID, "/v1/events/": ev, "/v1/reports/": report.ID,
			"/v1/connections/": m2.ID, "/v1/admin/users/": m.ID, "/v1/admin/mentors/": m.ID, "/v1/mentors/": m.ID,
		},
	}
}

// pick returns the index-th operation among those keep accepts (wrapping).
func (w *fuzzWorld) pick(index uint8, keep func(specOperation) bool) specOperation {
	var ops []specOperation
	for _, o := range w.ops {
		if keep(o) {
			ops = append(ops, o)
		}
	}
	return ops[int(index)%len(ops)]
}

// target fills o's path with ids that exist and picks the caller who may act there.
func (w *fuzzWorld) target(o specOperation) (path, token string) {
	path = o.path
	for prefix, id := range w.ids {
		if strings.HasPrefix(path, prefix) {
			path = strings.NewReplacer("{id}", id, "{userId}", id).Replace(path)
		}
	}
	path = strings.NewReplacer("{role}", "organizer", "{code}", "01").Replace(path)
	if u := o.urlWith(""); strings.Contains(u, "?") {
		path += u[strings.IndexByte(u, '?'):] // the required query parameters
	}
	switch {
	case !o.needsToken():
	case strings.HasPrefix(o.path, "/v1/introductions/"), strings.HasPrefix(o.path, "/v1/me/mentor-profile"):
		token = w.mentor.Access
	case strings.HasPrefix(o.path, "/v1/match-requests"), strings.HasPrefix(o.path, "/v1/mentorships"),
		strings.HasPrefix(o.path, "/v1/me/founder-profile"), strings.HasPrefix(o.path, "/v1/connections/"),
		strings.HasPrefix(o.path, "/v1/match-suggestions"), strings.HasPrefix(o.path, "/v1/keep-in-touch"):
		token = w.founder.Access
	default:
		token = w.super.Access
	}
	return path, token
}

// wantClientError fails unless res is a success or a documented 4xx problem.
func wantClientError(t *testing.T, what string, res *response) {
	t.Helper()
	if res.Code < 400 {
		return
	}
	if res.Code >= 500 {
		t.Fatalf("%s -> %d: bad input is never a server error: %s", what, res.Code, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s -> %d with content type %q, want a problem", what, res.Code, ct)
	}
	var p problemBody
	if err := json.Unmarshal(res.Body, &p); err != nil || p.Status != res.Code || p.Code == "" {
		t.Fatalf("%s -> %d: not a problem with a code: %s", what, res.Code, res.Body)
	}
}

// FuzzRequestBodies sends arbitrary bodies to every operation that takes one
// (op picks it, in the spec's order), so every request type's decoding and
// validation is fuzzed.
func FuzzRequestBodies(f *testing.F) {
	w := newFuzzWorld(f)
	for i, o := range w.ops {
		if !o.takesBody() {
			continue
		}
		example, _ := json.Marshal(o.exampleBody())
		idx := uint8(len(bodyOps(w.ops, i)))
		f.Add(idx, example)
		f.Add(idx, []byte(`{}`))
		f.Add(idx, []byte(`{"unknown":1}`))
		f.Add(idx, []byte(`[]`))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		o := w.pick(op, specOperation.takesBody)
		path, token := w.target(o)
		ta := w.ta.in(t)
		wantClientError(t, o.String(), ta.do(req{method: o.method, path: path, token: token, body: body}))
	})
}

// bodyOps counts the operations with a body before index i (a seed's op).
func bodyOps(ops []specOperation, i int) []specOperation {
	var out []specOperation
	for _, o := range ops[:i] {
		if o.takesBody() {
			out = append(out, o)
		}
	}
	return out
}

func takesQuery(o specOperation) bool {
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			return true
		}
	}
	return false
}

// FuzzQueryParams sends an arbitrary query string to every operation that
// reads one: near, radiusKm, limits, cursors, topic and mode lists, times.
func FuzzQueryParams(f *testing.F) {
	w := newFuzzWorld(f)
	seeds := []string{
		"near=01207&radiusKm=50&topic=sales&topic=hiring", "near=43.06,141.35&radiusKm=500", "near=99999", "near=,",
		"near=NaN,NaN", "near=1e308,1e308", "radiusKm=-1", "radiusKm=1e400", "limit=0", "limit=101", "limit=99999999999999999999",
		"cursor=", "cursor=%ZZ", "topic=,,,", "topic=" + strings.Repeat("sales,", 50), "mode=online&mode=phone", "q=さっぽろ",
		"prefecture=01&radiusKm=30&topic=fisheries", "from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", "staleDays=365",
		"as=mentor&status=pending", "unread=maybe", "independentOnly=1&accepting=true", "tag=short&communityId=zz",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
		f.Add(uint8(i*7+3), s) // the same query to another operation
	}
	f.Fuzz(func(t *testing.T, op uint8, query string) {
		o := w.pick(op, takesQuery)
		path, token := w.target(o)
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		u := path + "?" + requestTargetSafe(query)
		wantClientError(t, o.String()+"?"+query, w.ta.in(t).do(req{method: o.method, path: u, token: token}))
	})
}

// requestTargetSafe percent-encodes the bytes a request line cannot carry,
// keeping everything else (& = , % ...) as the fuzzer wrote it.
func requestTargetSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			b.WriteString(url.QueryEscape(string(c)))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func takesCursor(o specOperation) bool { return o.hasQuery("cursor") }

// FuzzCursor sends arbitrary cursors to every paged list: a cursor that is
// not one the endpoint made is a 400 naming the field, never a 500.
func FuzzCursor(f *testing.F) {
	w := newFuzzWorld(f)
	for i, c := range []string{"", "0", "-1", "1.673f0c2b9d1e8a0012ab34cd", "2.673f0c2b9d1e8a0012ab34cd", "673f0c2b9d1e8a0012ab34cd",
		"673F0C2B9D1E8A0012AB34CD", "Z0Gj8J0eigASqzTv", "eyJtIjotMSwiZCI6MCwiaSI6IiJ9", "eyJtIjowLCJkIjowLCJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNGNkIn0",
		"99999999999999999999", "%00", "=="} {
		f.Add(uint8(i), c)
	}
	f.Fuzz(func(t *testing.T, op uint8, cursor string) {
		o := w.pick(op, takesCursor)
		path, token := w.target(o)
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		res := w.ta.in(t).do(req{method: o.method, path: path + sep + "cursor=" + url.QueryEscape(cursor), token: token})
		wantClientError(t, o.String()+" cursor="+cursor, res)
		if res.Code == http.StatusBadRequest {
			var p problemBody
			must(t, json.Unmarshal(res.Body, &p))
			if !p.hasField("cursor") {
				t.Fatalf("%s cursor=%q -> 400 without naming the cursor: %s", o, cursor, res.Body)
			}
		}
	})
}
