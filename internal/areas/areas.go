// Package areas is a read-only gazetteer of Japan's 47 prefectures and
// 1,912 municipalities (local governments plus the wards of designated
// cities), with Hokkaido's 14 subprefectures, name search and
// nearest-office lookup.
//
// The data lives in data/ with its README, which carries the sources and
// the attribution that must be shown with it (the API's credits page).
package areas

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

//go:embed data/prefectures.csv data/municipalities.csv
var dataFS embed.FS

// Kind is the type of a municipality row.
type Kind string

// Kinds as they appear in the data's kind column.
const (
	KindCity           Kind = "city"
	KindDesignatedCity Kind = "designated_city" // 政令指定都市; parent of its wards
	KindWard           Kind = "ward"            // 行政区 of a designated city
	KindSpecialWard    Kind = "special_ward"    // 東京23区, a local government of its own
	KindTown           Kind = "town"
	KindVillage        Kind = "village"
)

// Prefecture is one of the 47 都道府県. Location is the prefectural office.
type Prefecture struct {
	Code      string    `json:"code"`
	NameJa    string    `json:"name_ja"`
	NameEn    string    `json:"name_en"`
	NameKana  string    `json:"name_kana"`
	CapitalJa string    `json:"capital_ja"`
	Location  geo.Point `json:"location"`
}

// Municipality is a row of municipalities.csv: a local government or a
// ward of a designated city. Location is the municipal (or ward) office.
type Municipality struct {
	Code            string    `json:"code"`
	PrefectureCode  string    `json:"prefecture_code"`
	NameJa          string    `json:"name_ja"`
	NameKana        string    `json:"name_kana"`
	NameEn          string    `json:"name_en"`
	Kind            Kind      `json:"kind"`
	ParentCode      string    `json:"parent_code,omitempty"`      // wards: the designated city
	SubprefectureJa string    `json:"subprefecture_ja,omitempty"` // Hokkaido only
	SubprefectureEn string    `json:"subprefecture_en,omitempty"` // Hokkaido only
	Location        geo.Point `json:"location"`
}

// Subprefecture is one of Hokkaido's 14 (総合)振興局.
//
// MunicipalityCodes lists its local governments in code order: cities
// (札幌市 once, as 01100), towns and villages. Sapporo's wards are not
// members, since they would count Sapporo eleven times; SubprefectureOf
// still resolves a ward to its city's subprefecture. Location is the mean
// of the members' office locations.
type Subprefecture struct {
	PrefectureCode    string    `json:"prefecture_code"`
	NameJa            string    `json:"name_ja"`
	NameEn            string    `json:"name_en"`
	MunicipalityCodes []string  `json:"municipality_codes"`
	Location          geo.Point `json:"location"`
}

// Catalog is the parsed gazetteer. It is immutable after Load and safe for
// concurrent use; every method returns copies.
type Catalog struct {
	prefs   []Prefecture // code order
	prefIdx map[string]int

	munis   []Municipality // code order
	muniIdx map[string]int
	// byPref is the [start, end) range of a prefecture's rows in munis;
	// codes start with the prefecture code, so the rows are contiguous.
	byPref map[string][2]int

	subs  []Subprefecture
	subOf map[string]int // every Hokkaido row (wards too) -> index in subs

	keys     []muniKeys // parallel to munis
	prefKeys [][]string // parallel to prefs
}

// What the shipped data must contain; a mismatch means a broken or
// half-updated data file, which Load reports rather than serving.
const (
	wantPrefectures     = 47
	wantMunicipalities  = 1912
	wantSubprefectures  = 14
	hokkaidoCode        = "01"
	prefecturesFile     = "data/prefectures.csv"
	municipalitiesFile  = "data/municipalities.csv"
	maxValidationErrors = 10
)

// Japan's rough bounding box (Okinotorishima to Soya, Yonaguni to
// Minamitorishima). Every office lies inside; so must ResolvePlace points.
const (
	minLat, maxLat = 20.0, 46.5
	minLon, maxLon = 122.0, 154.5
)

func inJapan(p geo.Point) bool {
	return p.Valid() && p.Lat >= minLat && p.Lat <= maxLat && p.Lon >= minLon && p.Lon <= maxLon
}

// Load parses and validates the embedded data. It does the work on every
// call (there is no package-level cache), so call it once at start-up and
// keep the *Catalog.
func Load() (*Catalog, error) {
	p, err := dataFS.ReadFile(prefecturesFile)
	if err != nil {
		return nil, err
	}
	m, err := dataFS.ReadFile(municipalitiesFile)
	if err != nil {
		return nil, err
	}
	return parse(p, m)
}

// Prefectures returns all 47 prefectures in code order.
func (c *Catalog) Prefectures() []Prefecture {
	return slices.Clone(c.prefs)
}

// Prefecture returns the prefecture with the given 2-digit code.
func (c *Catalog) Prefecture(code string) (Prefecture, bool) {
	i, ok := c.prefIdx[code]
	if !ok {
		return Prefecture{}, false
	}
	return c.prefs[i], true
}

// Municipality returns the row with the given 5-digit code.
func (c *Catalog) Municipality(code string) (Municipality, bool) {
	i, ok := c.muniIdx[code]
	if !ok {
		return Municipality{}, false
	}
	return c.munis[i], true
}

// Municipalities returns every row of a prefecture in code order:
// designated cities and their wards alike. Unknown codes give nil.
func (c *Catalog) Municipalities(prefectureCode string) []Municipality {
	r, ok := c.byPref[prefectureCode]
	if !ok {
		return nil
	}
	return slices.Clone(c.munis[r[0]:r[1]])
}

// Subprefectures returns Hokkaido's subprefectures in their customary
// order (石狩, 渡島, 檜山, 後志, 空知, 上川, 留萌, 宗谷, オホーツク, 胆振, 日高,
// 十勝, 釧路, 根室), and nil for any other prefecture.
func (c *Catalog) Subprefectures(prefectureCode string) []Subprefecture {
	if prefectureCode != hokkaidoCode {
		return nil
	}
	out := make([]Subprefecture, len(c.subs))
	for i, s := range c.subs {
		out[i] = s.clone()
	}
	return out
}

// SubprefectureOf returns the subprefecture of a Hokkaido municipality
// (for a Sapporo ward, Sapporo's).
func (c *Catalog) SubprefectureOf(municipalityCode string) (Subprefecture, bool) {
	i, ok := c.subOf[municipalityCode]
	if !ok {
		return Subprefecture{}, false
	}
	return c.subs[i].clone(), true
}

func (s Subprefecture) clone() Subprefecture {
	s.MunicipalityCodes = slices.Clone(s.MunicipalityCodes)
	return s
}

// Nearest returns the row whose office is closest to p, and the distance
// in km. Designated cities are skipped because their wards cover the same
// ground more finely. Ties go to the lower code.
//
// Offices are not centroids: 三島村, 十島村 and 竹富町 have their offices
// in another municipality (see data/README.md), so points on their
// islands may resolve to a neighbour. An invalid p gives the zero
// Municipality and NaN.
func (c *Catalog) Nearest(p geo.Point) (m Municipality, km float64) {
	if !p.Valid() {
		return Municipality{}, nanKm()
	}
	best, bestKm := -1, 0.0
	for i := range c.munis {
		if c.munis[i].Kind == KindDesignatedCity {
			continue
		}
		d := geo.DistanceKm(p, c.munis[i].Location)
		if best < 0 || d < bestKm {
			best, bestKm = i, d
		}
	}
	if best < 0 {
		return Municipality{}, nanKm()
	}
	return c.munis[best], bestKm
}

func nanKm() float64 { return math.NaN() }

// table is a CSV file read by header name.
type table struct {
	name string
	col  map[string]int
	rows [][]string
	line []int // source line of each row, for error messages
}

func readTable(name string, data []byte, required []string) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	t := &table{name: name, col: make(map[string]int, len(header))}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // tolerate a BOM from spreadsheet exports
		}
		h = strings.TrimSpace(h)
		if _, dup := t.col[h]; dup {
			return nil, fmt.Errorf("%s: duplicate column %q", name, h)
		}
		t.col[h] = i
	}
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			return nil, fmt.Errorf("%s: missing column %q", name, c)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		t.rows = append(t.rows, rec)
		t.line = append(t.line, line)
	}
	return t, nil
}

func (t *table) get(row int, col string) string {
	return strings.TrimSpace(t.rows[row][t.col[col]])
}

// errList collects validation problems so one Load reports several at
// once instead of one per edit-and-rerun cycle.
type errList []error

func (e *errList) add(t *table, row int, format string, args ...any) {
	*e = append(*e, fmt.Errorf("%s:%d: %s", t.name, t.line[row], fmt.Sprintf(format, args...)))
}

func (e errList) err() error {
	if len(e) > maxValidationErrors {
		e = append(e[:maxValidationErrors:maxValidationErrors], fmt.Errorf("... and %d more", len(e)-maxValidationErrors))
	}
	return errors.Join(e...)
}

// parse builds a Catalog from the two CSV files and validates it.
func parse(prefData, muniData []byte) (*Catalog, error) {
	prefColumns := []string{"code", "name_ja", "name_en", "name_kana", "lat", "lon", "lg_code", "iso_3166_2", "capital_ja"}
	muniColumns := []string{"code", "prefecture_code", "name_ja", "name_kana", "name_en", "subprefecture",
		"subprefecture_en", "lat", "lon", "lg_code", "kind", "parent_code"}
	pt, err := readTable(prefecturesFile, prefData, prefColumns)
	if err != nil {
		return nil, err
	}
	mt, err := readTable(municipalitiesFile, muniData, muniColumns)
	if err != nil {
		return nil, err
	}
	var errs errList
	c := &Catalog{}
	c.parsePrefectures(pt, &errs)
	c.parseMunicipalities(mt, &errs)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	c.checkCapitals(pt, &errs)
	c.buildSubprefectures(mt, &errs)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	c.buildKeys()
	return c, nil
}

func (c *Catalog) parsePrefectures(t *table, errs *errList) {
	c.prefIdx = make(map[string]int, len(t.rows))
	for i := range t.rows {
		p := Prefecture{
			Code:      t.get(i, "code"),
			NameJa:    t.get(i, "name_ja"),
			NameEn:    t.get(i, "name_en"),
			NameKana:  t.get(i, "name_kana"),
			CapitalJa: t.get(i, "capital_ja"),
		}
		var ok bool
		if p.Location, ok = parsePoint(t.get(i, "lat"), t.get(i, "lon")); !ok {
			errs.add(t, i, "bad coordinate %q,%q", t.get(i, "lat"), t.get(i, "lon"))
		}
		if !isDigits(p.Code, 2) || p.Code < "01" || p.Code > "47" {
			errs.add(t, i, "bad prefecture code %q", p.Code)
			continue
		}
		if _, dup := c.prefIdx[p.Code]; dup {
			errs.add(t, i, "duplicate code %s", p.Code)
			continue
		}
		if !hasAnySuffix(p.NameJa, "都", "道", "府", "県") {
			errs.add(t, i, "name_ja %q is not a prefecture name", p.NameJa)
		}
		if p.NameEn == "" || !isHiragana(p.NameKana) || p.CapitalJa == "" {
			errs.add(t, i, "empty or malformed name_en/name_kana/capital_ja")
		}
		if lg := t.get(i, "lg_code"); lg != withCheckDigit(p.Code+"000") {
			errs.add(t, i, "lg_code %q does not match code %s", lg, p.Code)
		}
		if iso := t.get(i, "iso_3166_2"); iso != "JP-"+p.Code {
			errs.add(t, i, "iso_3166_2 %q does not match code %s", iso, p.Code)
		}
		c.prefIdx[p.Code] = len(c.prefs)
		c.prefs = append(c.prefs, p)
	}
	if len(c.prefs) != wantPrefectures {
		*errs = append(*errs, fmt.Errorf("%s: %d prefectures, want %d", t.name, len(c.prefs), wantPrefectures))
	}
	slices.SortFunc(c.prefs, func(a, b Prefecture) int { return strings.Compare(a.Code, b.Code) })
	for i, p := range c.prefs {
		c.prefIdx[p.Code] = i
	}
}

// kindSuffixes gives the endings each kind's names must have; Search
// strips them to get the bare name (札幌市 -> 札幌, さっぽろし -> さっぽろ,
// Sapporo-shi -> Sapporo).
func kindSuffixes(k Kind) (ja, kana, en []string, ok bool) {
	switch k {
	case KindCity, KindDesignatedCity:
		return []string{"市"}, []string{"し"}, []string{"-shi"}, true
	case KindWard, KindSpecialWard:
		return []string{"区"}, []string{"く"}, []string{"-ku"}, true
	case KindTown:
		return []string{"町"}, []string{"ちょう", "まち"}, []string{"-cho", "-machi"}, true
	case KindVillage:
		return []string{"村"}, []string{"むら", "そん"}, []string{"-mura", "-son"}, true
	}
	return nil, nil, nil, false
}

func (c *Catalog) parseMunicipalities(t *table, errs *errList) {
	c.muniIdx = make(map[string]int, len(t.rows))
	for i := range t.rows {
		m := Municipality{
			Code:            t.get(i, "code"),
			PrefectureCode:  t.get(i, "prefecture_code"),
			NameJa:          t.get(i, "name_ja"),
			NameKana:        t.get(i, "name_kana"),
			NameEn:          t.get(i, "name_en"),
			Kind:            Kind(t.get(i, "kind")),
			ParentCode:      t.get(i, "parent_code"),
			SubprefectureJa: t.get(i, "subprefecture"),
			SubprefectureEn: t.get(i, "subprefecture_en"),
		}
		var ok bool
		if m.Location, ok = parsePoint(t.get(i, "lat"), t.get(i, "lon")); !ok {
			errs.add(t, i, "bad coordinate %q,%q", t.get(i, "lat"), t.get(i, "lon"))
		}
		if !isDigits(m.Code, 5) {
			errs.add(t, i, "bad municipality code %q", m.Code)
			continue
		}
		if _, dup := c.muniIdx[m.Code]; dup {
			errs.add(t, i, "duplicate code %s", m.Code)
			continue
		}
		if m.PrefectureCode != m.Code[:2] {
			errs.add(t, i, "%s: prefecture_code %q does not match code", m.Code, m.PrefectureCode)
		} else if _, ok := c.prefIdx[m.PrefectureCode]; !ok {
			errs.add(t, i, "%s: unknown prefecture %q", m.Code, m.PrefectureCode)
		}
		if lg := t.get(i, "lg_code"); lg != withCheckDigit(m.Code) {
			errs.add(t, i, "%s: lg_code %q has a wrong check digit", m.Code, lg)
		}
		ja, kana, en, ok := kindSuffixes(m.Kind)
		if !ok {
			errs.add(t, i, "%s: unknown kind %q", m.Code, m.Kind)
		} else if !hasAnySuffix(m.NameJa, ja...) || !hasAnySuffix(m.NameKana, kana...) || !hasAnySuffix(m.NameEn, en...) {
			errs.add(t, i, "%s: names %q/%q/%q do not end as a %s does", m.Code, m.NameJa, m.NameKana, m.NameEn, m.Kind)
		}
		if !isHiragana(m.NameKana) {
			errs.add(t, i, "%s: name_kana %q is not hiragana", m.Code, m.NameKana)
		}
		if (m.Kind == KindWard) != (m.ParentCode != "") {
			errs.add(t, i, "%s: parent_code %q is set iff kind is ward", m.Code, m.ParentCode)
		}
		if (m.PrefectureCode == hokkaidoCode) != (m.SubprefectureJa != "") || (m.SubprefectureJa == "") != (m.SubprefectureEn == "") {
			errs.add(t, i, "%s: subprefecture %q/%q must be set in Hokkaido only", m.Code, m.SubprefectureJa, m.SubprefectureEn)
		}
		c.muniIdx[m.Code] = len(c.munis)
		c.munis = append(c.munis, m)
	}
	if len(c.munis) != wantMunicipalities {
		*errs = append(*errs, fmt.Errorf("%s: %d municipalities, want %d", t.name, len(c.munis), wantMunicipalities))
	}
	slices.SortFunc(c.munis, func(a, b Municipality) int { return strings.Compare(a.Code, b.Code) })
	c.byPref = make(map[string][2]int)
	for i, m := range c.munis {
		c.muniIdx[m.Code] = i
		r, ok := c.byPref[m.PrefectureCode]
		if !ok {
			r[0] = i
		}
		r[1] = i + 1
		c.byPref[m.PrefectureCode] = r
	}
	// Wards must hang off a designated city of the same name and
	// subprefecture; Search derives the ward's own name from that prefix.
	for _, m := range c.munis {
		if m.Kind != KindWard {
			continue
		}
		p, ok := c.Municipality(m.ParentCode)
		switch {
		case !ok || p.Kind != KindDesignatedCity:
			*errs = append(*errs, fmt.Errorf("%s: ward %s: parent %q is not a designated city", t.name, m.Code, m.ParentCode))
		case p.PrefectureCode != m.PrefectureCode || !strings.HasPrefix(m.NameJa, p.NameJa) ||
			!strings.HasPrefix(m.NameKana, p.NameKana) || !strings.HasPrefix(m.NameEn, p.NameEn+" ") ||
			p.SubprefectureJa != m.SubprefectureJa:
			*errs = append(*errs, fmt.Errorf("%s: ward %s does not match its city %s", t.name, m.Code, p.Code))
		}
	}
}

// checkCapitals verifies each capital_ja names a local government of its
// prefecture, which also catches prefecture rows shifted by one.
func (c *Catalog) checkCapitals(t *table, errs *errList) {
	for _, p := range c.prefs {
		found := false
		for _, m := range c.munis[c.byPref[p.Code][0]:c.byPref[p.Code][1]] {
			if m.NameJa == p.CapitalJa && m.Kind != KindWard {
				found = true
				break
			}
		}
		if !found {
			*errs = append(*errs, fmt.Errorf("%s: %s: capital %q is not a municipality of %s", t.name, p.Code, p.CapitalJa, p.NameJa))
		}
	}
}

// buildSubprefectures groups Hokkaido's local governments (wards excluded)
// by subprefecture and orders the groups by their first town or village
// code, which follows the customary 石狩 … 根室 order of the code blocks.
func (c *Catalog) buildSubprefectures(t *table, errs *errList) {
	type group struct {
		sub       Subprefecture
		firstTown string
		sumLat    float64
		sumLon    float64
	}
	idx := map[string]int{}
	var groups []group
	for _, m := range c.Municipalities(hokkaidoCode) {
		gi, ok := idx[m.SubprefectureJa]
		if !ok {
			gi = len(groups)
			idx[m.SubprefectureJa] = gi
			groups = append(groups, group{sub: Subprefecture{
				PrefectureCode: hokkaidoCode, NameJa: m.SubprefectureJa, NameEn: m.SubprefectureEn,
			}})
		}
		g := &groups[gi]
		if g.sub.NameEn != m.SubprefectureEn {
			*errs = append(*errs, fmt.Errorf("%s: %s: subprefecture %s is %q here but %q elsewhere",
				t.name, m.Code, m.SubprefectureJa, m.SubprefectureEn, g.sub.NameEn))
		}
		if m.Kind == KindWard {
			continue
		}
		g.sub.MunicipalityCodes = append(g.sub.MunicipalityCodes, m.Code)
		g.sumLat += m.Location.Lat
		g.sumLon += m.Location.Lon
		if g.firstTown == "" && (m.Kind == KindTown || m.Kind == KindVillage) {
			g.firstTown = m.Code
		}
	}
	if len(groups) != wantSubprefectures {
		*errs = append(*errs, fmt.Errorf("%s: %d Hokkaido subprefectures, want %d", t.name, len(groups), wantSubprefectures))
	}
	for _, g := range groups {
		if g.firstTown == "" {
			// Every subprefecture has towns; without one the order is undefined.
			*errs = append(*errs, fmt.Errorf("%s: subprefecture %s has no town or village", t.name, g.sub.NameJa))
		}
	}
	slices.SortFunc(groups, func(a, b group) int { return strings.Compare(a.firstTown, b.firstTown) })
	c.subs = make([]Subprefecture, len(groups))
	for i, g := range groups {
		n := float64(len(g.sub.MunicipalityCodes))
		g.sub.Location = geo.Point{Lat: g.sumLat / n, Lon: g.sumLon / n}
		c.subs[i] = g.sub
		idx[g.sub.NameJa] = i
	}
	c.subOf = make(map[string]int)
	for _, m := range c.Municipalities(hokkaidoCode) {
		c.subOf[m.Code] = idx[m.SubprefectureJa]
	}
}

// withCheckDigit appends the JIS X 0402 check digit to a 5-digit code:
// weights 6,5,4,3,2, then (11 - sum mod 11) mod 10.
func withCheckDigit(code string) string {
	sum := 0
	for i, w := range []int{6, 5, 4, 3, 2} {
		sum += int(code[i]-'0') * w
	}
	return code + string(rune('0'+(11-sum%11)%10))
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHiragana(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'ぁ' || r > 'ゖ') && r != 'ー' {
			return false
		}
	}
	return true
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) && utf8.RuneCountInString(s) > utf8.RuneCountInString(x) {
			return true
		}
	}
	return false
}

// parsePoint parses a data-file coordinate; it must lie in Japan.
func parsePoint(lat, lon string) (geo.Point, bool) {
	la, ok1 := parseDecimal(lat)
	lo, ok2 := parseDecimal(lon)
	p := geo.Point{Lat: la, Lon: lo}
	return p, ok1 && ok2 && inJapan(p)
}
