package geo

import "math"

// Vector is a point on the unit sphere (X toward 0°N 0°E, Z toward the North
// Pole). Comparing squared chords between vectors orders points by
// great-circle distance with no trigonometry per comparison, which is what
// the mentor index and the coverage report do in their inner loops.
type Vector struct{ X, Y, Z float64 }

// Vector is p on the unit sphere.
func (p Point) Vector() Vector {
	lat, lon := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	return Vector{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
}

// Chord2 is the squared straight-line distance between two unit vectors.
// Differences of coordinates keep it exact for nearby points (a dot product
// would cancel), and it grows monotonically with the great-circle distance.
func (u Vector) Chord2(v Vector) float64 {
	dx, dy, dz := u.X-v.X, u.Y-v.Y, u.Z-v.Z
	return dx*dx + dy*dy + dz*dz
}

// ChordSquared is the squared chord of a great-circle distance of km, so
// "distance <= km" is "Chord2 <= ChordSquared(km)".
func ChordSquared(km float64) float64 {
	c := 2 * math.Sin(min(km, math.Pi*EarthRadiusKm)/(2*EarthRadiusKm))
	return c * c
}

// ChordKm is the great-circle distance of a squared chord:
// d = 2R·asin(chord/2), the haversine formula in another form.
func ChordKm(chord2 float64) float64 {
	return 2 * EarthRadiusKm * math.Asin(min(math.Sqrt(chord2)/2, 1))
}

// Prepared is a point ready for many distance computations.
type Prepared struct {
	Point  Point
	Vector Vector
}

// Prepare readies p for many distance computations.
func Prepare(p Point) Prepared { return Prepared{Point: p, Vector: p.Vector()} }

// DistanceTo is the great-circle distance from the prepared point to q.
func (p Prepared) DistanceTo(q Point) float64 { return ChordKm(q.Vector().Chord2(p.Vector)) }

// EnclosingCap returns a center and a radius in km such that every vector
// lies within the radius: the normalized mean of the vectors and the
// distance to the farthest. Not the smallest such cap, but close for a
// region the size of a prefecture.
func EnclosingCap(vs []Vector) (Vector, float64) {
	var c Vector
	for _, v := range vs {
		c.X, c.Y, c.Z = c.X+v.X, c.Y+v.Y, c.Z+v.Z
	}
	n := math.Sqrt(c.X*c.X + c.Y*c.Y + c.Z*c.Z)
	if n < 1e-9 {
		// Empty, or points spread around the globe: a cap that holds
		// everything.
		return Vector{Z: 1}, math.Pi * EarthRadiusKm
	}
	c = Vector{c.X / n, c.Y / n, c.Z / n}
	far := 0.0
	for _, v := range vs {
		far = max(far, v.Chord2(c))
	}
	return c, ChordKm(far)
}
