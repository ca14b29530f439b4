package areas

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

// Errors returned (wrapped) by ResolvePlace; test with errors.Is.
var (
	// ErrUnknownArea: a well-formed code that names no prefecture or
	// municipality.
	ErrUnknownArea = errors.New("areas: unknown area code")
	// ErrInvalidPlace: neither a code nor a "lat,lon" point in Japan.
	ErrInvalidPlace = errors.New("areas: invalid place")
)

// Place is a resolved near= value.
type Place struct {
	Point            geo.Point `json:"point"`
	MunicipalityCode string    `json:"municipality_code,omitempty"`
	PrefectureCode   string    `json:"prefecture_code"`
}

// ResolvePlace parses the near= query value used across the API:
//
//   - "01101": a 5-digit municipality code -> its office and codes;
//   - "01": a 2-digit prefecture code -> the prefectural office, with
//     MunicipalityCode left empty (the place is the whole prefecture);
//   - "43.06,141.35": decimal degrees, spaces allowed around the numbers;
//     the point must lie in Japan's bounding box (lat 20–46.5, lon
//     122–154.5), and the codes come from Nearest.
//
// Surrounding spaces are ignored. Unknown well-formed codes give
// ErrUnknownArea; anything else gives ErrInvalidPlace.
func (c *Catalog) ResolvePlace(s string) (Place, error) {
	s = strings.TrimSpace(s)
	switch {
	case isDigits(s, 5):
		m, ok := c.Municipality(s)
		if !ok {
			return Place{}, fmt.Errorf("%w: municipality %q", ErrUnknownArea, s)
		}
		return Place{Point: m.Location, MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode}, nil
	case isDigits(s, 2):
		p, ok := c.Prefecture(s)
		if !ok {
			return Place{}, fmt.Errorf("%w: prefecture %q", ErrUnknownArea, s)
		}
		return Place{Point: p.Location, PrefectureCode: p.Code}, nil
	}
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return Place{}, fmt.Errorf("%w: %q is not a code or lat,lon", ErrInvalidPlace, s)
	}
	la, ok1 := parseDecimal(strings.TrimSpace(lat))
	lo, ok2 := parseDecimal(strings.TrimSpace(lon))
	p := geo.Point{Lat: la, Lon: lo}
	if !ok1 || !ok2 || !inJapan(p) {
		return Place{}, fmt.Errorf("%w: %q is not a lat,lon point in Japan", ErrInvalidPlace, s)
	}
	m, _ := c.Nearest(p)
	return Place{Point: p, MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode}, nil
}

// parseDecimal accepts only plain decimal notation ([+-]digits[.digits]).
// strconv.ParseFloat alone would also take "NaN", "Inf", "1e2", "0x1p4"
// and "1_000", none of which belong in a URL coordinate.
func parseDecimal(s string) (float64, bool) {
	digits := s
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	intPart, frac, hasDot := strings.Cut(digits, ".")
	if !allDigits(intPart) || (hasDot && !allDigits(frac)) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool { return s != "" && isDigits(s, len(s)) }
