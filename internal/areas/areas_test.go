package areas

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestCounts(t *testing.T) {
	c := mustLoad(t)
	if got := len(c.Prefectures()); got != 47 {
		t.Errorf("prefectures = %d, want 47", got)
	}
	total := 0
	kinds := map[Kind]int{}
	for _, p := range c.Prefectures() {
		for _, m := range c.Municipalities(p.Code) {
			total++
			kinds[m.Kind]++
		}
	}
	if total != 1912 {
		t.Errorf("municipalities over all prefectures = %d, want 1912", total)
	}
	// Breakdown from the data README.
	wantKinds := map[Kind]int{
		KindCity: 772, KindDesignatedCity: 20, KindTown: 743, KindVillage: 183,
		KindSpecialWard: 23, KindWard: 171,
	}
	for k, want := range wantKinds {
		if kinds[k] != want {
			t.Errorf("kind %s: %d rows, want %d", k, kinds[k], want)
		}
	}
	perPref := []struct {
		code string
		want int
	}{
		{"01", 189}, // 179 local governments + Sapporo's 10 wards
		{"13", 62},  // Tokyo: 23 special wards + 26 cities + 5 towns + 8 villages
		{"20", 77},  // Nagano
	}
	for _, tt := range perPref {
		if got := len(c.Municipalities(tt.code)); got != tt.want {
			t.Errorf("Municipalities(%s) = %d rows, want %d", tt.code, got, tt.want)
		}
	}
	if got := c.Municipalities("48"); got != nil {
		t.Errorf("Municipalities(48) = %d rows, want nil", len(got))
	}
}

func TestOrderAndPrefixes(t *testing.T) {
	c := mustLoad(t)
	prefs := c.Prefectures()
	if !slices.IsSortedFunc(prefs, func(a, b Prefecture) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Prefectures not in code order")
	}
	for _, p := range prefs {
		ms := c.Municipalities(p.Code)
		if !slices.IsSortedFunc(ms, func(a, b Municipality) int { return strings.Compare(a.Code, b.Code) }) {
			t.Errorf("Municipalities(%s) not in code order", p.Code)
		}
		for _, m := range ms {
			if m.PrefectureCode != p.Code || !strings.HasPrefix(m.Code, p.Code) {
				t.Errorf("%s %s listed under prefecture %s", m.Code, m.NameJa, p.Code)
			}
		}
	}
}

func TestSpotRows(t *testing.T) {
	c := mustLoad(t)
	// Coordinates and subprefectures from the data README's spot checks.
	munis := []struct {
		code, nameJa, nameEn string
		kind                 Kind
		parent, subJa, subEn string
		lat, lon             float64
	}{
		{"01101", "札幌市中央区", "Sapporo-shi Chuo-ku", KindWard, "01100", "石狩振興局", "Ishikari", 43.055386, 141.340967},
		{"01204", "旭川市", "Asahikawa-shi", KindCity, "", "上川総合振興局", "Kamikawa", 43.770833, 142.365000},
		{"01202", "函館市", "Hakodate-shi", KindCity, "", "渡島総合振興局", "Oshima", 41.768641, 140.729068},
		{"01207", "帯広市", "Obihiro-shi", KindCity, "", "十勝総合振興局", "Tokachi", 42.924055, 143.196206},
		{"01206", "釧路市", "Kushiro-shi", KindCity, "", "釧路総合振興局", "Kushiro", 42.984923, 144.381710},
		{"01395", "ニセコ町", "Niseko-cho", KindTown, "", "後志総合振興局", "Shiribeshi", 42.804800, 140.687529},
		{"01100", "札幌市", "Sapporo-shi", KindDesignatedCity, "", "石狩振興局", "Ishikari", 43.062089, 141.354389},
		{"13102", "中央区", "Chuo-ku", KindSpecialWard, "", "", "", 35.670833, 139.772222},
		// 双葉町: replaced coordinate (office back in the town since 2022).
		{"07546", "双葉町", "Futaba-machi", KindTown, "", "", "", 37.453511, 141.005785},
		// Hamamatsu's 2024 ward.
		{"22138", "浜松市中央区", "Hamamatsu-shi Chuo-ku", KindWard, "22130", "", "", 34.711111, 137.726667},
	}
	for _, tt := range munis {
		t.Run(tt.code, func(t *testing.T) {
			m, ok := c.Municipality(tt.code)
			if !ok {
				t.Fatalf("Municipality(%s) not found", tt.code)
			}
			if m.NameJa != tt.nameJa || m.NameEn != tt.nameEn || m.Kind != tt.kind || m.ParentCode != tt.parent ||
				m.SubprefectureJa != tt.subJa || m.SubprefectureEn != tt.subEn {
				t.Errorf("got %+v", m)
			}
			if m.Location != (geo.Point{Lat: tt.lat, Lon: tt.lon}) {
				t.Errorf("location = %+v, want %v,%v", m.Location, tt.lat, tt.lon)
			}
		})
	}
	for _, code := range []string{"", "1101", "01695", "22131", "99999"} {
		if m, ok := c.Municipality(code); ok {
			t.Errorf("Municipality(%q) = %+v, want not found", code, m)
		}
	}

	prefs := []struct {
		code, nameJa, nameEn, kana, capital string
		lat, lon                            float64
	}{
		{"01", "北海道", "Hokkaido", "ほっかいどう", "札幌市", 43.063968, 141.347899},
		{"13", "東京都", "Tokyo", "とうきょうと", "新宿区", 35.689521, 139.691704},
	}
	for _, tt := range prefs {
		p, ok := c.Prefecture(tt.code)
		if !ok {
			t.Fatalf("Prefecture(%s) not found", tt.code)
		}
		want := Prefecture{Code: tt.code, NameJa: tt.nameJa, NameEn: tt.nameEn, NameKana: tt.kana,
			CapitalJa: tt.capital, Location: geo.Point{Lat: tt.lat, Lon: tt.lon}}
		if p != want {
			t.Errorf("Prefecture(%s) = %+v, want %+v", tt.code, p, want)
		}
	}
	for _, code := range []string{"", "00", "48", "1"} {
		if _, ok := c.Prefecture(code); ok {
			t.Errorf("Prefecture(%q) found, want not found", code)
		}
	}
}

func TestSubprefectures(t *testing.T) {
	c := mustLoad(t)
	// Members are local governments (wards excluded, 札幌市 counted once);
	// the counts are the data README's, listed in the customary order.
	want := []struct {
		ja, en string
		n      int
	}{
		{"石狩振興局", "Ishikari", 8},
		{"渡島総合振興局", "Oshima", 11},
		{"檜山振興局", "Hiyama", 7},
		{"後志総合振興局", "Shiribeshi", 20},
		{"空知総合振興局", "Sorachi", 24},
		{"上川総合振興局", "Kamikawa", 23},
		{"留萌振興局", "Rumoi", 8},
		{"宗谷総合振興局", "Soya", 10},
		{"オホーツク総合振興局", "Okhotsk", 18},
		{"胆振総合振興局", "Iburi", 11},
		{"日高振興局", "Hidaka", 7},
		{"十勝総合振興局", "Tokachi", 19},
		{"釧路総合振興局", "Kushiro", 8},
		{"根室振興局", "Nemuro", 5},
	}
	subs := c.Subprefectures("01")
	if len(subs) != len(want) {
		t.Fatalf("Subprefectures(01) = %d, want %d", len(subs), len(want))
	}
	seen := map[string]string{}
	total := 0
	for i, tt := range want {
		s := subs[i]
		if s.NameJa != tt.ja || s.NameEn != tt.en || s.PrefectureCode != "01" {
			t.Errorf("subs[%d] = %s/%s/%s, want %s/%s/01", i, s.NameJa, s.NameEn, s.PrefectureCode, tt.ja, tt.en)
		}
		if len(s.MunicipalityCodes) != tt.n {
			t.Errorf("%s has %d members, want %d", tt.ja, len(s.MunicipalityCodes), tt.n)
		}
		if !slices.IsSorted(s.MunicipalityCodes) {
			t.Errorf("%s members not in code order", tt.ja)
		}
		var lat, lon float64
		for _, code := range s.MunicipalityCodes {
			m, ok := c.Municipality(code)
			if !ok || m.Kind == KindWard || m.SubprefectureJa != s.NameJa {
				t.Errorf("%s: bad member %s (%+v)", s.NameJa, code, m)
			}
			if prev, dup := seen[code]; dup {
				t.Errorf("%s is in both %s and %s", code, prev, s.NameJa)
			}
			seen[code] = s.NameJa
			lat += m.Location.Lat
			lon += m.Location.Lon
			total++
		}
		n := float64(len(s.MunicipalityCodes))
		if math.Abs(s.Location.Lat-lat/n) > 1e-9 || math.Abs(s.Location.Lon-lon/n) > 1e-9 {
			t.Errorf("%s location %+v is not the members' mean", s.NameJa, s.Location)
		}
	}
	if total != 179 {
		t.Errorf("subprefecture members = %d, want Hokkaido's 179 local governments", total)
	}
	if !slices.Contains(subs[0].MunicipalityCodes, "01100") || slices.Contains(subs[0].MunicipalityCodes, "01101") {
		t.Errorf("石狩 members %v: want 01100 and no wards", subs[0].MunicipalityCodes)
	}
	for _, code := range []string{"13", "47", "", "1"} {
		if got := c.Subprefectures(code); len(got) != 0 {
			t.Errorf("Subprefectures(%q) = %d, want none", code, len(got))
		}
	}
}

func TestSubprefectureOf(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		code, want string // want "" means not found
	}{
		{"01100", "Ishikari"},
		{"01101", "Ishikari"}, // a ward resolves to its city's subprefecture
		{"01110", "Ishikari"},
		{"01204", "Kamikawa"},
		{"01395", "Shiribeshi"},
		{"01691", "Nemuro"},
		{"13102", ""},
		{"99999", ""},
		{"", ""},
	}
	for _, tt := range tests {
		s, ok := c.SubprefectureOf(tt.code)
		if ok != (tt.want != "") || s.NameEn != tt.want {
			t.Errorf("SubprefectureOf(%q) = %q, %v; want %q", tt.code, s.NameEn, ok, tt.want)
		}
		if ok {
			m, _ := c.Municipality(tt.code)
			if m.SubprefectureEn != s.NameEn {
				t.Errorf("SubprefectureOf(%s) = %s, but the row says %s", tt.code, s.NameEn, m.SubprefectureEn)
			}
		}
	}
}

// Callers must not be able to change the catalog through what it returns.
func TestReturnedSlicesAreCopies(t *testing.T) {
	c := mustLoad(t)

	p := c.Prefectures()
	p[0].NameJa = "changed"
	if got, _ := c.Prefecture("01"); got.NameJa != "北海道" {
		t.Error("Prefectures() shares its backing array")
	}
	if c.Prefectures()[0].NameJa != "北海道" {
		t.Error("Prefectures() shares its backing array")
	}

	ms := c.Municipalities("01")
	ms[0].NameJa = "changed"
	if got, _ := c.Municipality("01100"); got.NameJa != "札幌市" {
		t.Error("Municipalities() shares its backing array")
	}

	subs := c.Subprefectures("01")
	subs[0].MunicipalityCodes[0] = "changed"
	subs[0].NameJa = "changed"
	if again := c.Subprefectures("01"); again[0].MunicipalityCodes[0] != "01100" || again[0].NameJa != "石狩振興局" {
		t.Error("Subprefectures() shares member slices")
	}
	s, _ := c.SubprefectureOf("01101")
	s.MunicipalityCodes[0] = "changed"
	if again, _ := c.SubprefectureOf("01101"); again.MunicipalityCodes[0] != "01100" {
		t.Error("SubprefectureOf() shares member slices")
	}

	r := c.Search("札幌", 5)
	r[0].NameJa = "changed"
	if c.Search("札幌", 5)[0].NameJa != "札幌市" {
		t.Error("Search() shares catalog rows")
	}
}

func TestNearest(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		name   string
		p      geo.Point
		want   string
		maxKm  float64
		exactK float64 // -1: do not check
	}{
		{"at chuo-ku office", geo.Point{Lat: 43.055386, Lon: 141.340967}, "01101", 0, 0},
		{"at asahikawa office", geo.Point{Lat: 43.770833, Lon: 142.365000}, "01204", 0, 0},
		// At Sapporo City Hall itself the designated-city row (distance 0)
		// must be skipped for a ward: 中央区役所 is about 1.3 km away.
		{"at sapporo city hall", geo.Point{Lat: 43.062089, Lon: 141.354389}, "01101", 2, -1},
		{"near niseko office", geo.Point{Lat: 42.81, Lon: 140.69}, "01395", 1, -1},
		// Tokyo Station is in 千代田区, but 中央区役所 (1.2 km) is nearer than
		// 千代田区役所: Nearest goes by office, not by boundary.
		{"tokyo station", geo.Point{Lat: 35.681236, Lon: 139.767125}, "13102", 1.3, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, km := c.Nearest(tt.p)
			if m.Code != tt.want {
				t.Errorf("Nearest = %s %s (%.3f km), want %s", m.Code, m.NameJa, km, tt.want)
			}
			if m.Kind == KindDesignatedCity {
				t.Errorf("Nearest returned a designated city %s", m.Code)
			}
			if km > tt.maxKm || math.Abs(km-geo.DistanceKm(tt.p, m.Location)) > 1e-9 {
				t.Errorf("km = %.4f, want <= %v and equal to the distance to %s", km, tt.maxKm, m.Code)
			}
			if tt.exactK >= 0 && km != tt.exactK {
				t.Errorf("km = %v, want %v", km, tt.exactK)
			}
		})
	}
	// Brute force over every non-designated row for a few points.
	for _, p := range []geo.Point{{Lat: 43.9, Lon: 144.9}, {Lat: 34.7, Lon: 135.5}, {Lat: 26.2, Lon: 127.7}} {
		m, km := c.Nearest(p)
		for _, pr := range c.Prefectures() {
			for _, o := range c.Municipalities(pr.Code) {
				if o.Kind != KindDesignatedCity && geo.DistanceKm(p, o.Location) < km {
					t.Errorf("Nearest(%+v) = %s at %.3f km, but %s is at %.3f km", p, m.Code, km, o.Code, geo.DistanceKm(p, o.Location))
				}
			}
		}
	}
	if m, km := c.Nearest(geo.Point{Lat: math.NaN(), Lon: 140}); m.Code != "" || !math.IsNaN(km) {
		t.Errorf("Nearest(NaN) = %q, %v; want zero row and NaN", m.Code, km)
	}
}

func TestResolvePlace(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		in      string
		wantErr error
		muni    string
		pref    string
		point   geo.Point // zero: not checked
	}{
		{in: "01101", muni: "01101", pref: "01", point: geo.Point{Lat: 43.055386, Lon: 141.340967}},
		{in: " 01204 ", muni: "01204", pref: "01", point: geo.Point{Lat: 43.770833, Lon: 142.365000}},
		{in: "01100", muni: "01100", pref: "01", point: geo.Point{Lat: 43.062089, Lon: 141.354389}},
		{in: "01", pref: "01", point: geo.Point{Lat: 43.063968, Lon: 141.347899}},
		{in: "13", pref: "13", point: geo.Point{Lat: 35.689521, Lon: 139.691704}},
		{in: "43.06, 141.35", muni: "01101", pref: "01", point: geo.Point{Lat: 43.06, Lon: 141.35}},
		{in: "43.770833,142.365", muni: "01204", pref: "01", point: geo.Point{Lat: 43.770833, Lon: 142.365}},
		{in: " +42.924055 , 143.196206 ", muni: "01207", pref: "01", point: geo.Point{Lat: 42.924055, Lon: 143.196206}},
		{in: "35,139"}, // integers are decimal degrees too; invariants checked below
		{in: "99999", wantErr: ErrUnknownArea},
		{in: "01695", wantErr: ErrUnknownArea}, // Northern Territories village, not in the data
		{in: "48", wantErr: ErrUnknownArea},
		{in: "00", wantErr: ErrUnknownArea},
		{in: "", wantErr: ErrInvalidPlace},
		{in: "sapporo", wantErr: ErrInvalidPlace},
		{in: "1101", wantErr: ErrInvalidPlace},
		{in: "011011", wantErr: ErrInvalidPlace},
		{in: "０１１０１", wantErr: ErrInvalidPlace},
		{in: "43.06", wantErr: ErrInvalidPlace},
		{in: "43.06,", wantErr: ErrInvalidPlace},
		{in: ",141.35", wantErr: ErrInvalidPlace},
		{in: "43.06,141.35,5", wantErr: ErrInvalidPlace},
		{in: "43.06;141.35", wantErr: ErrInvalidPlace},
		{in: "43.06 141.35", wantErr: ErrInvalidPlace},
		{in: "NaN,141", wantErr: ErrInvalidPlace},
		{in: "Inf,141", wantErr: ErrInvalidPlace},
		{in: "4.306e1,141.35", wantErr: ErrInvalidPlace},
		{in: "43.,141.35", wantErr: ErrInvalidPlace},
		{in: "--43,141", wantErr: ErrInvalidPlace},
		{in: "91,141", wantErr: ErrInvalidPlace},
		{in: "51.5074,-0.1278", wantErr: ErrInvalidPlace}, // London
		{in: "-43.06,141.35", wantErr: ErrInvalidPlace},   // southern hemisphere
		{in: "19.99,140", wantErr: ErrInvalidPlace},       // just south of the box
		{in: "46.51,142", wantErr: ErrInvalidPlace},       // just north (Sakhalin)
		{in: "35,121.99", wantErr: ErrInvalidPlace},       // just west
		{in: "35,154.51", wantErr: ErrInvalidPlace},       // just east
		// The box is rough by design: Seoul lies inside it and is accepted.
		{in: "37.5665,126.978"},
		{in: "20,122"}, // box corners are inclusive
		{in: "46.5,154.5"},
		{in: "35.694003,139.753595", muni: "13101", pref: "13"}, // near 千代田区役所
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			pl, err := c.ResolvePlace(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ResolvePlace(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if pl != (Place{}) {
					t.Errorf("ResolvePlace(%q) = %+v with an error, want zero Place", tt.in, pl)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolvePlace(%q) error = %v", tt.in, err)
			}
			if tt.muni != "" && pl.MunicipalityCode != tt.muni {
				t.Errorf("MunicipalityCode = %q, want %q", pl.MunicipalityCode, tt.muni)
			}
			if tt.pref != "" && pl.PrefectureCode != tt.pref {
				t.Errorf("PrefectureCode = %q, want %q", pl.PrefectureCode, tt.pref)
			}
			if tt.point != (geo.Point{}) && pl.Point != tt.point {
				t.Errorf("Point = %+v, want %+v", pl.Point, tt.point)
			}
			// Invariants for every success: a valid point, a known
			// prefecture, and for points a municipality in it.
			if !pl.Point.Valid() {
				t.Errorf("invalid point %+v", pl.Point)
			}
			if _, ok := c.Prefecture(pl.PrefectureCode); !ok {
				t.Errorf("unknown PrefectureCode %q", pl.PrefectureCode)
			}
			if strings.Contains(tt.in, ",") {
				m, ok := c.Municipality(pl.MunicipalityCode)
				if !ok || m.PrefectureCode != pl.PrefectureCode {
					t.Errorf("point resolved to %q/%q, want a municipality of that prefecture", pl.MunicipalityCode, pl.PrefectureCode)
				}
			} else if len(strings.TrimSpace(tt.in)) == 2 && pl.MunicipalityCode != "" {
				t.Errorf("prefecture code resolved to municipality %q, want none", pl.MunicipalityCode)
			}
		})
	}
	if ErrUnknownArea == ErrInvalidPlace || errors.Is(ErrUnknownArea, ErrInvalidPlace) {
		t.Error("sentinels must be distinct")
	}
}

// editCSV parses an embedded data file, lets edit change its records
// (header first) and writes it back.
func editCSV(t *testing.T, name string, edit func(recs [][]string) [][]string) []byte {
	t.Helper()
	data, err := dataFS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs = edit(recs)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setField sets column col of the row whose code is code.
func setField(code, col, val string) func([][]string) [][]string {
	return func(recs [][]string) [][]string {
		ci := slices.Index(recs[0], col)
		for _, r := range recs[1:] {
			if r[0] == code {
				r[ci] = val
			}
		}
		return recs
	}
}

func keep(recs [][]string) [][]string { return recs }

func TestParseValidates(t *testing.T) {
	tests := []struct {
		name    string
		pref    func([][]string) [][]string
		muni    func([][]string) [][]string
		wantErr string // substring; "" means it must load
	}{
		{"unchanged", keep, keep, ""},
		{
			// Parsing goes by header name, so reordering columns is harmless.
			"columns reversed", keep,
			func(recs [][]string) [][]string {
				for _, r := range recs {
					slices.Reverse(r)
				}
				return recs
			}, "",
		},
		{"extra column ignored", func(recs [][]string) [][]string {
			for i := range recs {
				recs[i] = append(recs[i], "x")
			}
			return recs
		}, keep, ""},
		{"missing column", func(recs [][]string) [][]string {
			for i := range recs {
				recs[i] = slices.Delete(recs[i], 8, 9) // capital_ja
			}
			return recs
		}, keep, `missing column "capital_ja"`},
		{"municipality row dropped", keep, func(recs [][]string) [][]string {
			return slices.Delete(recs, 500, 501)
		}, "1911 municipalities, want 1912"},
		{"prefecture row dropped", func(recs [][]string) [][]string {
			return slices.Delete(recs, 47, 48)
		}, keep, "46 prefectures, want 47"},
		{"duplicate municipality", keep, func(recs [][]string) [][]string {
			recs[2] = slices.Clone(recs[1])
			return recs
		}, "duplicate code 01100"},
		{"short code", keep, setField("01204", "code", "1204"), `bad municipality code "1204"`},
		{"code/prefecture mismatch", keep, setField("01204", "prefecture_code", "02"), "does not match code"},
		{"bad check digit", keep, setField("01204", "lg_code", "012049"), "check digit"},
		{"unknown kind", keep, setField("01204", "kind", "metropolis"), "unknown kind"},
		{"kind does not fit name", keep, setField("01204", "kind", "town"), "do not end as a town"},
		{"latitude not a number", keep, setField("01204", "lat", "north"), "bad coordinate"},
		{"latitude outside japan", keep, setField("01204", "lat", "-43.77"), "bad coordinate"},
		{"prefecture coordinate", setField("13", "lon", "239.69"), keep, "bad coordinate"},
		{"ward without parent", keep, setField("01101", "parent_code", ""), "parent_code"},
		{"ward with wrong parent", keep, setField("01101", "parent_code", "01204"), "not a designated city"},
		{"subprefecture missing in hokkaido", keep, setField("01204", "subprefecture", ""), "subprefecture"},
		{"subprefecture outside hokkaido", keep, setField("13101", "subprefecture", "石狩振興局"), "subprefecture"},
		{"inconsistent subprefecture_en", keep, setField("01204", "subprefecture_en", "Sorachi"), "elsewhere"},
		{"kana not hiragana", keep, setField("01204", "name_kana", "アサヒカワシ"), "not hiragana"},
		{"capital unknown", setField("01", "capital_ja", "旭川"), keep, `capital "旭川"`},
		{"bad prefecture code", setField("47", "code", "4"), keep, "bad prefecture code"},
		{"bad iso", setField("01", "iso_3166_2", "JP-1"), keep, "iso_3166_2"},
		{"ragged row", keep, func(recs [][]string) [][]string {
			recs[3] = recs[3][:5]
			return recs
		}, "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := editCSV(t, prefecturesFile, tt.pref)
			m := editCSV(t, municipalitiesFile, tt.muni)
			c, err := parse(p, m)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if got := len(c.Search("札幌", 1)); got != 1 {
					t.Errorf("loaded catalog cannot search")
				}
				if m, _ := c.Municipality("01101"); m.ParentCode != "01100" || m.Location.Lat != 43.055386 {
					t.Errorf("01101 read wrongly: %+v", m)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parse error = %v, want one containing %q", err, tt.wantErr)
			}
			if c != nil {
				t.Error("catalog returned with an error")
			}
		})
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct{ in, want string }{
		{"01100", "011002"},
		{"01101", "011011"}, // sum 11 -> remainder 0 -> 11 -> last digit 1
		{"13101", "131016"},
		{"01000", "010006"}, // prefecture form
		{"47000", "470007"},
	}
	for _, tt := range tests {
		if got := withCheckDigit(tt.in); got != tt.want {
			t.Errorf("withCheckDigit(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
