package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

type coverageRowBody struct {
	AreaKind         string `json:"areaKind"`
	Code             string `json:"code"`
	NameJa           string `json:"nameJa"`
	NameEn           string `json:"nameEn"`
	SubprefectureJa  string `json:"subprefectureJa"`
	Topic            string `json:"topic"`
	MentorsInReach   int    `json:"mentorsInReach"`
	MentorsAccepting int    `json:"mentorsAccepting"`
	MentorsRemote    int    `json:"mentorsRemote"`
	FoundersAsking   int    `json:"foundersAsking"`
	GapAreas         *int   `json:"gapAreas"`
	Gap              bool   `json:"gap"`
}

type coverageBody struct {
	Prefecture struct {
		Code   string `json:"code"`
		NameJa string `json:"nameJa"`
	} `json:"prefecture"`
	RadiusKm    int       `json:"radiusKm"`
	Topics      []string  `json:"topics"`
	WindowDays  int       `json:"windowDays"`
	Since       time.Time `json:"since"`
	GeneratedAt time.Time `json:"generatedAt"`
	Summary     struct {
		Areas                int               `json:"areas"`
		GapRows              int               `json:"gapRows"`
		SubprefectureGapRows int               `json:"subprefectureGapRows"`
		TopGaps              []coverageRowBody `json:"topGaps"`
	} `json:"summary"`
	Items []coverageRowBody `json:"items"`
}

// row finds the row of a municipality code, or of a subprefecture by its
// Japanese name, and a topic.
func (b coverageBody) row(t *testing.T, area, topic string) coverageRowBody {
	t.Helper()
	for _, r := range b.Items {
		if (r.Code == area || (r.AreaKind == "subprefecture" && r.NameJa == area)) && r.Topic == topic {
			return r
		}
	}
	t.Fatalf("no row %s/%s", area, topic)
	return coverageRowBody{}
}

// rowCounts is what a test checks of a row: in reach, accepting, remote,
// founders asking, gap.
type rowCounts struct {
	InReach, Accepting, Remote, Asking int
	Gap                                bool
}

func countsOfRow(r coverageRowBody) rowCounts {
	return rowCounts{r.MentorsInReach, r.MentorsAccepting, r.MentorsRemote, r.FoundersAsking, r.Gap}
}

func (ta *testApp) coverage(token, query string) coverageBody {
	ta.t.Helper()
	var b coverageBody
	ta.get("/v1/reports/coverage?"+query, token).want(http.StatusOK).decode(&b)
	return b
}

// newMentorWith signs up a mentor whose profile is changed by edit.
func (ta *testApp) newMentorWith(name, municipality string, edit func(p map[string]any), topics ...string) account {
	ta.t.Helper()
	m := ta.signUp(name, "mentor")
	p := mentorProfile(municipality, topics...)
	edit(p)
	ta.put("/v1/me/mentor-profile", m.Access, p).want(http.StatusCreated)
	return m
}

func municipalityOf(t *testing.T, cat *areas.Catalog, code string) areas.Municipality {
	t.Helper()
	m, ok := cat.Municipality(code)
	if !ok {
		t.Fatalf("no municipality %s", code)
	}
	return m
}

// A small Hokkaido: mentors in 帯広, 音更 and 札幌, one online-only mentor in
// Tokyo; founders asking in 帯広, 中標津 and 羅臼. Each expected count below is
// worked out from the distances checked at the start.
func TestCoverageReport(t *testing.T) {
	t.Parallel()
	cat, err := areas.Load()
	must(t, err)
	obihiro, otofuke := municipalityOf(t, cat, "01207"), municipalityOf(t, cat, "01631")
	chuo, nakashibetsu := municipalityOf(t, cat, "01101"), municipalityOf(t, cat, "01692")
	rausu, rikubetsu := municipalityOf(t, cat, "01694"), municipalityOf(t, cat, "01648")
	// The premises: 音更 is within the default 30 km of 帯広 but not within
	// 5 km; 帯広 and 音更 are beyond 30 km of 札幌 but within the 札幌
	// mentor's 200 km, while 中標津 and 羅臼 are beyond every reach, and
	// 陸別 (十勝) beyond the 札幌 mentor's.
	for _, d := range []struct {
		a, b     areas.Municipality
		min, max float64
	}{
		{obihiro, otofuke, 5, 30}, {chuo, obihiro, 30, 200}, {chuo, otofuke, 30, 200},
		{obihiro, nakashibetsu, 30, 1000}, {chuo, nakashibetsu, 200, 1000}, {obihiro, rausu, 30, 1000},
		{chuo, rausu, 200, 1000}, {chuo, rikubetsu, 200, 1000},
	} {
		if km := geo.DistanceKm(d.a.Location, d.b.Location); km <= d.min || km >= d.max {
			t.Fatalf("%s-%s is %.1f km, the test assumes %v to %v", d.a.NameJa, d.b.NameJa, km, d.min, d.max)
		}
	}

	ta := newTestApp(t)
	// 帯広: in person and online, travels 30 km, 2 places.
	ta.newMentor("帯広の先輩", "01207", "sales", "hiring")
	// 札幌: in person only, travels 200 km.
	ta.newMentorWith("札幌の先輩", "01101", func(p map[string]any) {
		p["modes"], p["travelKm"] = []string{"in_person"}, 200
	}, "sales")
	// Tokyo: online and phone only.
	ta.newMentorWith("東京のオンライン", "13101", func(p map[string]any) {
		p["modes"], p["travelKm"] = []string{"online", "phone"}, 0
	}, "sales", "legal")
	// 帯広: not accepting requests (in reach, neither accepting nor remote).
	ta.newMentorWith("帯広の休止中", "01207", func(p map[string]any) { p["acceptingRequests"] = false }, "sales")
	// 音更: hiring, in person only, does not travel.
	ta.newMentorWith("音更の採用", "01631", func(p map[string]any) {
		p["modes"], p["travelKm"] = []string{"in_person"}, 0
	}, "hiring")
	// 帯広: suspended, so counted nowhere.
	suspended := ta.newMentor("帯広の停止", "01207", "sales")
	ta.post("/v1/admin/users/"+suspended.ID+"/suspend", ta.admin().Access, nil).want(http.StatusOK)

	// 91 days before the report: an ask in 羅臼 that will be too old.
	old := ta.newFounder("羅臼の昔の相談", "01694")
	ta.openRequest(old, "sales")
	// 89 days before: an ask in 中標津 that still counts.
	ta.clock.Advance(2 * 24 * time.Hour)
	early := ta.newFounder("中標津の早い相談", "01692")
	ta.openRequest(early, "sales")
	ta.clock.Advance(89 * 24 * time.Hour) // every token above has expired

	f1 := ta.newFounder("帯広の創業者1", "01207")
	ta.openRequest(f1, "sales", "hiring")
	ta.openRequest(f1, "sales") // the same founder again: counts once
	ta.openRequest(ta.newFounder("帯広の創業者2", "01207"), "sales")
	ta.openRequest(ta.newFounder("中標津の創業者", "01692"), "sales")
	ta.openRequest(ta.newFounder("羅臼の創業者1", "01694"), "legal")
	ta.openRequest(ta.newFounder("羅臼の創業者2", "01694"), "legal")

	admin := ta.login("admin@kizuna.example", testPassword)
	org := ta.organizer("organizer")

	t.Run("one topic", func(t *testing.T) {
		rep := ta.coverage(org.Access, "prefecture=01&topic=sales")
		if rep.Prefecture.Code != "01" || rep.Prefecture.NameJa != "北海道" || rep.RadiusKm != 30 || rep.WindowDays != 90 ||
			!slices.Equal(rep.Topics, []string{"sales"}) || !rep.GeneratedAt.Equal(ta.clock.Now()) ||
			!rep.Since.Equal(ta.clock.Now().Add(-90*24*time.Hour)) {
			t.Fatalf("report header: prefecture %+v, radius %d, window %d, topics %v, generated %v, since %v",
				rep.Prefecture, rep.RadiusKm, rep.WindowDays, rep.Topics, rep.GeneratedAt, rep.Since)
		}
		if rep.Summary.Areas != 188 || len(rep.Items) != 188+14 {
			t.Fatalf("%d areas, %d rows; want 188 (札幌市 as its 10 wards) and 14 subprefectures", rep.Summary.Areas, len(rep.Items))
		}
		for _, r := range rep.Items {
			if r.Code == "01100" || r.AreaKind == "designated_city" {
				t.Fatalf("札幌市 itself has a row: %+v", r)
			}
		}
		for key, want := range map[string]rowCounts{
			// 帯広: 帯広 (0 km), 休止中 (0 km, not accepting), 札幌 (151 km, travels 200).
			"01207": {InReach: 3, Accepting: 2, Remote: 2, Asking: 2},
			// 音更: the same three (7.8 km from 帯広).
			"01631": {InReach: 3, Accepting: 2, Remote: 2},
			// 中標津: beyond every reach; two founders (one asked 89 days ago).
			"01692": {Remote: 2, Asking: 2, Gap: true},
			// 羅臼: the only sales ask is 91 days old.
			"01694": {Remote: 2},
			// 札幌市中央区: the 札幌 mentor.
			"01101":   {InReach: 1, Accepting: 1, Remote: 2},
			"石狩振興局":   {InReach: 1, Accepting: 1, Remote: 2},
			"十勝総合振興局": {InReach: 3, Accepting: 2, Remote: 2, Asking: 2},
			"根室振興局":   {Remote: 2, Asking: 2, Gap: true},
		} {
			if got := countsOfRow(rep.row(t, key, "sales")); got != want {
				t.Errorf("%s/sales: got %+v, want %+v", key, got, want)
			}
		}
		// 陸別 is beyond the 札幌 mentor's 200 km and the others' 30.
		if r := rep.row(t, "01648", "sales"); r.MentorsInReach != 0 {
			t.Errorf("陸別 %+v", r)
		}
		tokachi, nemuro := rep.row(t, "十勝総合振興局", "sales"), rep.row(t, "根室振興局", "sales")
		if tokachi.GapAreas == nil || *tokachi.GapAreas != 0 || nemuro.GapAreas == nil || *nemuro.GapAreas != 1 || nemuro.Code != "" {
			t.Errorf("gap areas: 十勝 %+v, 根室 %+v", tokachi, nemuro)
		}
		if r := rep.row(t, "01692", "sales"); r.GapAreas != nil || r.SubprefectureJa != "根室振興局" || r.NameEn != "Nakashibetsu-cho" || r.AreaKind != "town" {
			t.Errorf("中標津 %+v", r)
		}
		if rep.Summary.GapRows != 1 || rep.Summary.SubprefectureGapRows != 1 ||
			len(rep.Summary.TopGaps) != 1 || rep.Summary.TopGaps[0].Code != "01692" {
			t.Errorf("summary %+v", rep.Summary)
		}
	})

	t.Run("radius", func(t *testing.T) {
		// 音更's mentor (7.8 km) is within 30 km of 帯広, not within 5.
		rep := ta.coverage(org.Access, "prefecture=01&topic=hiring")
		if got := countsOfRow(rep.row(t, "01207", "hiring")); got != (rowCounts{InReach: 2, Accepting: 2, Remote: 1, Asking: 1}) {
			t.Errorf("帯広/hiring at 30 km: %+v", got)
		}
		rep = ta.coverage(org.Access, "prefecture=01&topic=hiring&radiusKm=5")
		if rep.RadiusKm != 5 {
			t.Fatalf("radius %d", rep.RadiusKm)
		}
		if got := countsOfRow(rep.row(t, "01207", "hiring")); got != (rowCounts{InReach: 1, Accepting: 1, Remote: 1, Asking: 1}) {
			t.Errorf("帯広/hiring at 5 km: %+v", got)
		}
		// The 帯広 mentor still reaches 音更 on their own 30 km.
		if got := rep.row(t, "01631", "hiring").MentorsInReach; got != 2 {
			t.Errorf("音更/hiring at 5 km: %d in reach, want 2 (its own mentor and 帯広's)", got)
		}
		// And the 札幌 mentor 帯広 on their 200 km.
		rep = ta.coverage(org.Access, "prefecture=01&topic=sales&radiusKm=5")
		if got := rep.row(t, "01207", "sales").MentorsInReach; got != 3 {
			t.Errorf("帯広/sales at 5 km: %d in reach, want 3", got)
		}
	})

	t.Run("every topic", func(t *testing.T) {
		rep := ta.coverage(admin.Access, "prefecture=01")
		n := topics.New().Len()
		if len(rep.Topics) != n || len(rep.Items) != (188+14)*n {
			t.Fatalf("%d topics, %d rows", len(rep.Topics), len(rep.Items))
		}
		if got := countsOfRow(rep.row(t, "01694", "legal")); got != (rowCounts{Remote: 1, Asking: 2, Gap: true}) {
			t.Errorf("羅臼/legal %+v", got)
		}
		// Two gaps of two founders each: by code, 中標津 before 羅臼.
		var top []string
		for _, r := range rep.Summary.TopGaps {
			top = append(top, r.Code+"/"+r.Topic)
		}
		if !slices.Equal(top, []string{"01692/sales", "01694/legal"}) || rep.Summary.GapRows != 2 || rep.Summary.SubprefectureGapRows != 2 {
			t.Errorf("top gaps %v, summary %+v", top, rep.Summary)
		}
		if r := rep.row(t, "根室振興局", "legal"); !r.Gap || r.FoundersAsking != 2 || *r.GapAreas != 1 {
			t.Errorf("根室/legal %+v", r)
		}
	})

	t.Run("csv", func(t *testing.T) {
		res := ta.get("/v1/reports/coverage.csv?prefecture=01&topic=sales", org.Access).want(http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
		if !strings.Contains(res.Header.Get("Content-Disposition"), "coverage-01-30km-sales.csv") {
			t.Errorf("content disposition %q", res.Header.Get("Content-Disposition"))
		}
		records, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
		must(t, err)
		header := []string{"area_kind", "code", "name_ja", "name_en", "subprefecture_ja", "topic",
			"mentors_in_reach", "mentors_accepting", "mentors_remote", "founders_asking", "gap"}
		if !slices.Equal(records[0], header) {
			t.Fatalf("header %v", records[0])
		}
		if len(records) != 1+188+14 {
			t.Fatalf("%d records", len(records))
		}
		find := func(kind, name string) []string {
			for _, r := range records[1:] {
				if r[0] == kind && (r[1] == name || r[2] == name) {
					return r
				}
			}
			t.Fatalf("no CSV row %s %s", kind, name)
			return nil
		}
		if r := find("city", "01207"); !slices.Equal(r, []string{"city", "01207", "帯広市", "Obihiro-shi", "十勝総合振興局", "sales", "3", "2", "2", "2", "false"}) {
			t.Errorf("帯広 %q", r)
		}
		if r := find("town", "01692"); !slices.Equal(r[6:], []string{"0", "0", "2", "2", "true"}) {
			t.Errorf("中標津 %q", r)
		}
		if r := find("subprefecture", "根室振興局"); !slices.Equal(r, []string{"subprefecture", "", "根室振興局", "Nemuro", "根室振興局", "sales", "0", "0", "2", "2", "true"}) {
			t.Errorf("根室 %q", r)
		}
		for _, r := range records[1:] {
			for _, col := range []int{6, 7, 8, 9} {
				if _, err := strconv.Atoi(r[col]); err != nil {
					t.Fatalf("column %s of %q is not a number", header[col], r)
				}
			}
		}
		// CSV when preferred...
		for _, accept := range []string{"text/*", "application/json;q=0.5, text/csv", "text/csv; charset=utf-8"} {
			res := ta.do(req{method: http.MethodGet, path: "/v1/reports/coverage?prefecture=01&topic=sales", token: org.Access,
				headers: map[string]string{"Accept": accept}}).want(http.StatusOK)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Accept %q: content type %q", accept, ct)
			}
		}
		// ...JSON otherwise: by default, for wildcards, and when CSV is refused or liked less.
		for _, accept := range []string{"", "*/*", "application/json", "text/csv;q=0.5, application/json", "text/csv;q=0, text/*"} {
			res := ta.do(req{method: http.MethodGet, path: "/v1/reports/coverage?prefecture=01&topic=sales", token: org.Access,
				headers: map[string]string{"Accept": accept}}).want(http.StatusOK)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Accept %q: content type %q", accept, ct)
			}
		}
		// Negotiated CSV is the .csv operation's.
		negotiated := ta.do(req{method: http.MethodGet, path: "/v1/reports/coverage?prefecture=01&topic=sales", token: org.Access,
			headers: map[string]string{"Accept": "text/csv"}}).want(http.StatusOK)
		if !bytes.Equal(negotiated.Body, res.Body) {
			t.Errorf("Accept: text/csv differs from coverage.csv")
		}
		// Problems stay JSON.
		ta.do(req{method: http.MethodGet, path: "/v1/reports/coverage?prefecture=99", token: org.Access,
			headers: map[string]string{"Accept": "text/csv"}}).wantProblem(http.StatusBadRequest, "validation_failed")
		ta.get("/v1/reports/coverage.csv?prefecture=99", org.Access).wantProblem(http.StatusBadRequest, "validation_failed")
	})

	t.Run("roles", func(t *testing.T) {
		ta.get("/v1/reports/coverage?prefecture=01", "").wantProblem(http.StatusUnauthorized, "unauthenticated")
		// Founders and mentors are refused before their query is looked at.
		ta.get("/v1/reports/coverage?prefecture=01", f1.Access).wantProblem(http.StatusForbidden, "forbidden")
		ta.get("/v1/reports/coverage?prefecture=x", ta.signUp("m", "mentor").Access).wantProblem(http.StatusForbidden, "forbidden")
		ta.get("/v1/reports/coverage?prefecture=01&topic=legal", ta.signUp("both", "founder", "mentor").Access).wantProblem(http.StatusForbidden, "forbidden")
	})

	t.Run("validation", func(t *testing.T) {
		for _, tt := range []struct {
			query  string
			fields []string
		}{
			{"", []string{"prefecture"}},
			{"prefecture=", []string{"prefecture"}},
			{"prefecture=48", []string{"prefecture"}},
			{"prefecture=00", []string{"prefecture"}},
			{"prefecture=01101", []string{"prefecture"}},
			{"prefecture=01&radiusKm=0", []string{"radiusKm"}},
			{"prefecture=01&radiusKm=201", []string{"radiusKm"}},
			{"prefecture=01&radiusKm=abc", []string{"radiusKm"}},
			{"prefecture=01&radiusKm=1.5", []string{"radiusKm"}},
			{"prefecture=01&topic=sushi", []string{"topic"}},
			{"radiusKm=-3&topic=sushi", []string{"prefecture", "radiusKm", "topic"}},
		} {
			p := ta.get("/v1/reports/coverage?"+tt.query, org.Access).wantProblem(http.StatusBadRequest, "validation_failed")
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Field)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.fields) {
				t.Errorf("%q: invalid fields %v, want %v", tt.query, got, tt.fields)
			}
		}
		// Edges of the radius are fine.
		ta.coverage(org.Access, "prefecture=01&topic=sales&radiusKm=1")
		ta.coverage(org.Access, "prefecture=01&topic=sales&radiusKm=200")
	})
}

// Outside Hokkaido there are no subprefecture rows, and a designated city
// counts as its wards.
func TestCoverageReportElsewhere(t *testing.T) {
	t.Parallel()
	cat, err := areas.Load()
	must(t, err)
	kita, sakai := municipalityOf(t, cat, "27127"), municipalityOf(t, cat, "27141") // 大阪市北区, 堺市堺区
	if km := geo.DistanceKm(kita.Location, sakai.Location); km >= 30 {
		t.Fatalf("北区-堺区 is %.1f km, the test assumes less than 30", km)
	}
	ta := newTestApp(t)
	ta.newMentorWith("大阪の先輩", kita.Code, func(p map[string]any) { p["modes"] = []string{"in_person"} }, "export")
	ta.openRequest(ta.newFounder("堺の創業者", sakai.Code), "export")
	org := ta.organizer("organizer")
	rep := ta.coverage(org.Access, "prefecture=27&topic=export")
	want := 0
	for _, m := range cat.Municipalities("27") {
		if m.Kind != areas.KindDesignatedCity {
			want++
		}
	}
	if rep.Summary.Areas != want || len(rep.Items) != want {
		t.Fatalf("%d areas, %d rows, want %d", rep.Summary.Areas, len(rep.Items), want)
	}
	for _, r := range rep.Items {
		if r.AreaKind == "subprefecture" || r.AreaKind == "designated_city" || r.SubprefectureJa != "" {
			t.Fatalf("row %+v", r)
		}
	}
	// 北区 is within 30 km of 堺区; nobody meets online.
	if got := countsOfRow(rep.row(t, sakai.Code, "export")); got != (rowCounts{InReach: 1, Accepting: 1, Asking: 1}) {
		t.Errorf("堺区 %+v", got)
	}
	if len(rep.Summary.TopGaps) != 0 || rep.Summary.GapRows != 0 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// BenchmarkCoverageReportHandler measures the whole Hokkaido report (every
// area and topic: 7,272 rows) through the router over 10,000 mentors and
// 1,000 match requests on the embedded server, as JSON and as CSV.
func BenchmarkCoverageReportHandler(b *testing.B) {
	ta := newTestApp(b, quietLogs)
	must(b, benchdata.SeedMentors(context.Background(), ta.app.db, 10_000))
	must(b, ta.app.profiles.LoadIndex(context.Background()))
	founders := make([]account, 10)
	for i := range founders {
		founders[i] = ta.newFounder("bench", []string{"01207", "01692", "01101", "01204", "01694"}[i%5])
	}
	for i := range 1000 {
		f := founders[i%len(founders)]
		ta.post("/v1/match-requests", f.Access, map[string]any{"topics": []string{"sales", "hiring"}}).want(http.StatusCreated)
	}
	admin := ta.admin()
	for _, accept := range []string{"application/json", "text/csv"} {
		b.Run(accept, func(b *testing.B) {
			benchGET(b, ta, "/v1/reports/coverage?prefecture=01", admin.Access, accept)
		})
	}
}
