// Package geo holds the small amount of spherical geometry the API needs:
// a WGS84 point and great-circle distance.
package geo

import "math"

// EarthRadiusKm is the IUGG mean Earth radius R1 = (2a+b)/3 of WGS84.
// A sphere is accurate to about 0.5% for distances, which is plenty for
// "near me" matching and avoids an ellipsoidal (Vincenty) iteration.
const EarthRadiusKm = 6371.0088

// Point is a WGS84 position in decimal degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Valid reports whether p is finite with Lat in [-90, 90] and Lon in
// [-180, 180].
func (p Point) Valid() bool {
	// The range checks alone would reject NaN and ±Inf too (every
	// comparison with NaN is false); the explicit test says so plainly.
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.IsInf(p.Lat, 0) || math.IsInf(p.Lon, 0) {
		return false
	}
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// DistanceKm returns the great-circle distance between a and b in
// kilometres on a sphere of radius EarthRadiusKm (haversine formula,
// which stays accurate for small distances where the spherical law of
// cosines loses precision).
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	lat1, lat2 := a.Lat*rad, b.Lat*rad
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2)
	h := sLat*sLat + math.Cos(lat1)*math.Cos(lat2)*sLon*sLon
	// Rounding can push h a hair above 1 for antipodal points, which would
	// make Asin return NaN.
	h = math.Min(1, math.Max(0, h))
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(h))
}
