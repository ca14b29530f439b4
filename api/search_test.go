package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

type searchBody struct {
	Items []struct {
		ID            string   `json:"id"`
		DisplayName   string   `json:"displayName"`
		DistanceKm    *float64 `json:"distanceKm"`
		MatchedTopics []string `json:"matchedTopics"`
		Modes         []string `json:"modes"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func (s searchBody) names() []string {
	out := make([]string, len(s.Items))
	for i, it := range s.Items {
		out[i] = it.DisplayName
	}
	return out
}

// Office coordinates from the gazetteer, used for hand-computed distances.
var (
	asahikawa = geo.Point{Lat: 43.770833, Lon: 142.365000} // 旭川市 01204
	sapporoCh = geo.Point{Lat: 43.055386, Lon: 141.340967} // 札幌市中央区 01101
	kushiro   = geo.Point{Lat: 42.984923, Lon: 144.381710} // 釧路市 01206
)

// haversineKm is an independent great-circle computation for checking the API.
func haversineKm(a, b geo.Point) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

func TestSearchMentorsByTopicRadiusAndMode(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	// 旭川: sales; 札幌: sales+hiring; 釧路: sales, online only; 函館: hiring.
	asa := ta.newMentor("旭川メンター", "01204", "sales")
	sap := ta.newMentor("札幌メンター", "01101", "sales", "hiring")
	obi := ta.signUp("釧路メンター", "mentor")
	ob := mentorProfile("01206", "sales")
	ob["modes"] = []string{"online"}
	ta.put("/v1/me/mentor-profile", obi.Access, ob).want(http.StatusCreated)
	ta.newMentor("函館メンター", "01202", "hiring")
	f := ta.signUp("founder", "founder")

	var res searchBody
	// Near 旭川 within 150 km for sales: 旭川 (0 km) then 札幌 (~115 km); 釧路 is farther.
	dObi := haversineKm(asahikawa, kushiro)
	dSap := haversineKm(asahikawa, sapporoCh)
	ta.get("/v1/mentors?topic=sales&near=01204&radiusKm=150", f.Access).want(http.StatusOK).decode(&res)
	want := []string{"旭川メンター", "札幌メンター"}
	if dObi <= 150 {
		t.Fatalf("test data assumption: 釧路 is %.1f km from 旭川", dObi)
	}
	if fmt.Sprint(res.names()) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", res.names(), want)
	}
	if *res.Items[0].DistanceKm != 0 {
		t.Errorf("旭川 distance %v, want 0", *res.Items[0].DistanceKm)
	}
	if got := *res.Items[1].DistanceKm; math.Abs(got-dSap) > 0.06 {
		t.Errorf("札幌 distance %.2f, hand-computed %.2f", got, dSap)
	}

	// Radius big enough for 釧路: ordered by distance.
	ta.get("/v1/mentors?topic=sales&near=01204&radiusKm=300", f.Access).want(http.StatusOK).decode(&res)
	if fmt.Sprint(res.names()) != fmt.Sprint([]string{"旭川メンター", "札幌メンター", "釧路メンター"}) {
		t.Fatalf("got %v", res.names())
	}
	if got := *res.Items[2].DistanceKm; math.Abs(got-dObi) > 0.06 {
		t.Errorf("釧路 distance %.2f, hand-computed %.2f", got, dObi)
	}

	// Two topics: covering both ranks first, even when farther.
	ta.get("/v1/mentors?topic=sales&topic=hiring&near=01204&radiusKm=300", f.Access).want(http.StatusOK).decode(&res)
	if len(res.Items) == 0 || res.Items[0].ID != sap.ID || len(res.Items[0].MatchedTopics) != 2 {
		t.Fatalf("want 札幌 (2 topics) first, got %v", res.names())
	}

	// Mode: in person excludes the online-only 釧路 mentor.
	ta.get("/v1/mentors?topic=sales&near=01204&radiusKm=300&mode=in_person", f.Access).want(http.StatusOK).decode(&res)
	if fmt.Sprint(res.names()) != fmt.Sprint([]string{"旭川メンター", "札幌メンター"}) {
		t.Fatalf("in_person: got %v", res.names())
	}
	ta.get("/v1/mentors?mode=online&topic=sales", f.Access).want(http.StatusOK).decode(&res)
	if len(res.Items) != 3 {
		t.Fatalf("online: got %v", res.names())
	}

	// Near given as coordinates.
	ta.get("/v1/mentors?topic=sales&near="+url.QueryEscape("43.770833,142.365")+"&radiusKm=10", f.Access).want(http.StatusOK).decode(&res)
	if len(res.Items) != 1 || res.Items[0].ID != asa.ID {
		t.Fatalf("coords: got %v", res.names())
	}

	// Free text.
	ta.get("/v1/mentors?q="+url.QueryEscape("函館"), f.Access).want(http.StatusOK).decode(&res)
	if len(res.Items) != 1 || res.Items[0].DisplayName != "函館メンター" {
		t.Fatalf("q: got %v", res.names())
	}

	// Accepting only: a mentor who stops accepting disappears.
	ob["acceptingRequests"] = false
	ta.put("/v1/me/mentor-profile", obi.Access, ob).want(http.StatusOK)
	ta.get("/v1/mentors?topic=sales&accepting=true", f.Access).want(http.StatusOK).decode(&res)
	for _, it := range res.Items {
		if it.ID == obi.ID {
			t.Fatal("paused mentor listed with accepting=true")
		}
	}
}

func TestSearchPagination(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	codes := []string{"01101", "01102", "01103", "01104", "01105", "01106", "01107"}
	for i, c := range codes {
		ta.newMentor(fmt.Sprintf("m%d", i), c, "sales")
	}
	f := ta.signUp("f", "founder")
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		var res searchBody
		path := "/v1/mentors?topic=sales&near=01101&radiusKm=100&limit=3"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		ta.get(path, f.Access).want(http.StatusOK).decode(&res)
		pages++
		var last float64
		for _, it := range res.Items {
			if seen[it.ID] {
				t.Fatalf("mentor %s repeated across pages", it.ID)
			}
			seen[it.ID] = true
			if *it.DistanceKm < last {
				t.Fatal("page not ordered by distance")
			}
			last = *it.DistanceKm
		}
		if res.NextCursor == "" {
			break
		}
		cursor = res.NextCursor
	}
	if len(seen) != len(codes) || pages != 3 {
		t.Fatalf("saw %d mentors in %d pages, want %d in 3", len(seen), pages, len(codes))
	}
}

func TestSearchValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.signUp("f", "founder")
	cases := map[string]string{
		"/v1/mentors?topic=astrology":                       "topic",
		"/v1/mentors?near=99999":                            "near",
		"/v1/mentors?near=paris":                            "near",
		"/v1/mentors?near=" + url.QueryEscape("48.85,2.35"): "near",
		"/v1/mentors?near=01101&radiusKm=-5":                "radiusKm",
		"/v1/mentors?near=01101&radiusKm=abc":               "radiusKm",
		"/v1/mentors?radiusKm=10":                           "radiusKm",
		"/v1/mentors?mode=fax":                              "mode",
		"/v1/mentors?limit=0":                               "limit",
		"/v1/mentors?limit=101":                             "limit",
		"/v1/mentors?accepting=maybe":                       "accepting",
		"/v1/mentors?cursor=bogus":                          "cursor",
	}
	for path, field := range cases {
		p := ta.get(path, f.Access).wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField(field) {
			t.Errorf("%s: want error on %s, got %+v", path, field, p.Errors)
		}
	}
	ta.get("/v1/mentors", "").wantProblem(http.StatusUnauthorized, "unauthenticated")
}

func TestAreasLookups(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var prefs struct {
		Items []struct{ Code, NameJa string } `json:"items"`
	}
	ta.get("/v1/areas/prefectures", "").want(http.StatusOK).decode(&prefs)
	if len(prefs.Items) != 47 || prefs.Items[0].NameJa != "北海道" {
		t.Fatalf("prefectures: %d, first %+v", len(prefs.Items), prefs.Items[0])
	}
	var munis struct {
		Items []struct {
			Code            string  `json:"code"`
			NameJa          string  `json:"nameJa"`
			SubprefectureJa string  `json:"subprefectureJa"`
			Lat             float64 `json:"lat"`
		} `json:"items"`
	}
	ta.get("/v1/areas/prefectures/01/municipalities", "").want(http.StatusOK).decode(&munis)
	if len(munis.Items) != 189 {
		t.Fatalf("Hokkaido has %d rows, want 189", len(munis.Items))
	}
	ta.get("/v1/areas/prefectures/48/municipalities", "").wantProblem(http.StatusNotFound, "not_found")

	var one struct {
		NameJa, SubprefectureJa string
		Lat, Lon                float64
	}
	ta.get("/v1/areas/municipalities/01207", "").want(http.StatusOK).decode(&one)
	if one.NameJa != "帯広市" || one.SubprefectureJa != "十勝総合振興局" || one.Lat != 42.924055 {
		t.Errorf("01207: %+v", one)
	}
	ta.get("/v1/areas/municipalities/00000", "").wantProblem(http.StatusNotFound, "not_found")

	for _, q := range []string{"札幌", "さっぽろ", "サッポロ", "Sapporo", "SAPPORO", "ｻｯﾎﾟﾛ"} {
		ta.get("/v1/areas/municipalities?limit=3&q="+url.QueryEscape(q), "").want(http.StatusOK).decode(&munis)
		if len(munis.Items) == 0 || munis.Items[0].Code != "01100" {
			t.Errorf("q=%s: first %+v, want 札幌市 01100", q, munis.Items)
		}
	}
	for q, code := range map[string]string{"帯広": "01207", "おびひろ": "01207", "Obihiro": "01207", "ニセコ": "01395", "旭川": "01204"} {
		ta.get("/v1/areas/municipalities?q="+url.QueryEscape(q), "").want(http.StatusOK).decode(&munis)
		if len(munis.Items) == 0 || munis.Items[0].Code != code {
			t.Errorf("q=%s: got %+v, want %s first", q, munis.Items, code)
		}
	}
	ta.get("/v1/areas/municipalities", "").wantProblem(http.StatusBadRequest, "validation_failed")
	ta.get("/v1/areas/municipalities?q=x&limit=1000", "").wantProblem(http.StatusBadRequest, "validation_failed")

	var topics struct {
		Items []struct{ Slug string } `json:"items"`
	}
	ta.get("/v1/topics", "").want(http.StatusOK).decode(&topics)
	if len(topics.Items) < 25 || len(topics.Items) > 40 {
		t.Errorf("%d topics", len(topics.Items))
	}
}
