package geo

import (
	"math"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		want bool
	}{
		{"origin", Point{0, 0}, true},
		{"sapporo", Point{43.055386, 141.340967}, true},
		{"north pole", Point{90, 0}, true},
		{"south pole, date line", Point{-90, -180}, true},
		{"east date line", Point{0, 180}, true},
		{"lat too big", Point{90.000001, 0}, false},
		{"lat too small", Point{-90.5, 0}, false},
		{"lon too big", Point{0, 180.000001}, false},
		{"lon too small", Point{0, -181}, false},
		{"lat NaN", Point{math.NaN(), 0}, false},
		{"lon NaN", Point{0, math.NaN()}, false},
		{"lat +Inf", Point{math.Inf(1), 0}, false},
		{"lon -Inf", Point{0, math.Inf(-1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Valid(); got != tt.want {
				t.Errorf("%+v.Valid() = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestDistanceKm(t *testing.T) {
	const tol = 0.01 // km
	tests := []struct {
		name string
		a, b Point
		want float64
	}{
		// 札幌市中央区役所 -> 旭川市役所 (coordinates from the areas data README).
		// Worked by hand with 30-digit arithmetic (Python mpmath, dps=30):
		//   Δφ = 0.715447° = 0.01248690577 rad, Δλ = 1.024033° = 0.01787274750 rad
		//   sin²(Δφ/2)                 = 3.89801974534e-5
		//   cos φ1 · cos φ2            = 0.73069409398 · 0.72211247709
		//   cos φ1 · cos φ2 · sin²(Δλ/2) = 4.21358281094e-5
		//   h = 8.11160255628e-5,  c = 2·asin(√h) = 0.01801313064712 rad
		//   d = 6371.0088 · c = 114.7618 km
		// (The spherical law of cosines gives the same 114.7618 km.)
		{"sapporo chuo-ku to asahikawa", Point{43.055386, 141.340967}, Point{43.770833, 142.365000}, 114.7618},
		// 函館市役所 -> 帯広市役所, same method: h = 3.54779866579e-4,
		// c = 0.03767342993522 rad, d = 240.0178 km.
		{"hakodate to obihiro", Point{41.768641, 140.729068}, Point{42.924055, 143.196206}, 240.0178},
		{"zero distance", Point{43.055386, 141.340967}, Point{43.055386, 141.340967}, 0},
		// One degree along a meridian is R·π/180 = 111.19508 km.
		{"one degree of latitude", Point{43, 141}, Point{44, 141}, 111.19508},
		// Across the antimeridian the short way round is still one degree.
		{"one degree across the date line", Point{0, 179.5}, Point{0, -179.5}, 111.19508},
		// A quarter of the equator is R·π/2 = 10007.55722 km.
		{"quarter equator", Point{0, 0}, Point{0, 90}, 10007.55722},
		// Antipodes are half a great circle apart: R·π = 20015.11444 km.
		{"antipodes on equator", Point{0, 0}, Point{0, 180}, 20015.11444},
		{"antipodes poles", Point{90, 0}, Point{-90, 0}, 20015.11444},
		{"antipode of sapporo", Point{43.055386, 141.340967}, Point{-43.055386, 141.340967 - 180}, 20015.11444},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceKm(tt.a, tt.b)
			if math.IsNaN(got) || math.Abs(got-tt.want) > tol {
				t.Errorf("DistanceKm(%+v, %+v) = %.5f, want %.5f ± %.2f", tt.a, tt.b, got, tt.want, tol)
			}
			// Distance is symmetric; compare exactly enough to catch a
			// formula that uses only one endpoint's latitude.
			if back := DistanceKm(tt.b, tt.a); math.Abs(back-got) > 1e-9 {
				t.Errorf("not symmetric: %.9f vs %.9f", got, back)
			}
		})
	}
}

func TestPreparedDistanceMatchesGeo(t *testing.T) {
	points := []Point{
		{Lat: 43.055386, Lon: 141.340967}, {Lat: 43.770833, Lon: 142.365}, {Lat: 24.34, Lon: 123.0},
		{Lat: 45.42, Lon: 145.58}, {Lat: 35.68, Lon: 139.76}, {Lat: 35.6801, Lon: 139.7601},
	}
	for _, a := range points {
		pa := Prepare(a)
		for _, b := range points {
			got, want := pa.DistanceTo(b), DistanceKm(a, b)
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("%v-%v: %.9f vs geo %.9f", a, b, got, want)
			}
		}
	}
}

func TestChordSquaredIsMonotonicAndInverts(t *testing.T) {
	prev := -1.0
	for km := 0.0; km <= 3000; km += 0.5 {
		c := ChordSquared(km)
		if c <= prev && km > 0 {
			t.Fatalf("not increasing at %v km", km)
		}
		prev = c
		if back := ChordKm(c); math.Abs(back-km) > 1e-6 {
			t.Fatalf("ChordKm(ChordSquared(%v)) = %v", km, back)
		}
	}
}
