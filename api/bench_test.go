package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/demo"
)

// BenchmarkMatchSuggestionsHandler measures one suggestions request through
// the whole router (auth, ranking over 10,000 mentors, JSON) without the
// network; scripts/bench/suggestions.sh measures it under load over HTTP.
func BenchmarkMatchSuggestionsHandler(b *testing.B) {
	ta := newTestApp(b, quietLogs) // as scripts/bench/suggestions.sh runs the server
	must(b, benchdata.SeedMentors(context.Background(), ta.app.db, 10_000))
	must(b, ta.app.profiles.LoadIndex(context.Background()))
	f := ta.signUp("bench", "founder")
	benchGET(b, ta, "/v1/match-suggestions?topic=sales&topic=hiring&near=01207&radiusKm=50", f.Access, "")
}

// BenchmarkMatchSuggestionsMixed serves the mix of scripts/bench/suggestions.sh
// through the router: 200 founders' tokens, places all over Japan, random
// topics and radii, over 10,000 mentors.
func BenchmarkMatchSuggestionsMixed(b *testing.B) {
	ta := newTestApp(b, quietLogs)
	ctx := context.Background()
	must(b, benchdata.SeedMentors(ctx, ta.app.db, 10_000))
	founders := benchdata.Founders(200)
	_, err := ta.app.db.Collection(accounts.UsersCollection).InsertMany(ctx, founders)
	must(b, err)
	must(b, ta.app.profiles.LoadIndex(ctx))
	paths, err := benchdata.SuggestionPaths(1000, 200, 7)
	must(b, err)
	reqs := make([]*http.Request, len(paths))
	for i, p := range paths {
		token, err := accounts.SignAccessToken(ta.app.secret, founders[i%len(founders)].ID, founders[i%len(founders)].Roles, ta.clock.Now())
		must(b, err)
		reqs[i] = httptest.NewRequest(http.MethodGet, p, nil)
		reqs[i].Header.Set("Authorization", "Bearer "+token)
	}
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		ta.app.handler.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", r.URL, rec.Code, rec.Body)
		}
		return rec
	}
	for _, r := range reqs {
		serve(r) // every founder's account read once, as the load script warms up
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.SetBytes(int64(serve(reqs[i%len(reqs)]).Body.Len()))
		i++
	}
}

func BenchmarkHealthzHandler(b *testing.B) {
	ta := newTestApp(b, quietLogs)
	ta.get("/healthz", "").want(http.StatusOK)
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ta.app.handler.ServeHTTP(rec, req)
	}
}

func quietLogs(c *appSetup) { c.LogLevel = slog.LevelWarn }

// benchGET serves one GET through the router per iteration, failing on any
// status but 200, and reports the response size as bytes per operation.
func benchGET(b *testing.B, ta *testApp, path, token, accept string) {
	// One answer through the harness first: what is measured matches the spec.
	ta.do(req{method: http.MethodGet, path: path, token: token, headers: map[string]string{"Accept": accept}}).want(http.StatusOK)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ta.app.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}

// BenchmarkCoverageHokkaidoDemo times the coverage report for all of
// Hokkaido (every area and topic) over the demo data, through the router.
func BenchmarkCoverageHokkaidoDemo(b *testing.B) {
	ta := newTestApp(b, quietLogs)
	must(b, ta.app.seedDemo(context.Background()))
	org := ta.login(demo.OrganizerEmail, demo.Password)
	for _, accept := range []string{"application/json", "text/csv"} {
		b.Run(accept, func(b *testing.B) {
			benchGET(b, ta, "/v1/reports/coverage?prefecture=01&radiusKm=30", org.Access, accept)
		})
	}
}
