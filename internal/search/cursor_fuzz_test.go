package search

import (
	"math"
	"testing"
)

// FuzzCursorFormat: any string either fails to decode or names a key that
// encodes back to a cursor decoding to the same key; a key made by the index
// always round-trips.
func FuzzCursorFormat(f *testing.F) {
	f.Add("eyJtIjowLCJkIjowLCJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNGNkIn0", 2, 0.25, []byte("0123456789ab"))
	f.Add("eyJtIjotMSwiZCI6MCwiaSI6IiJ9", 0, 0.0, []byte{})
	f.Add("not base64!", -1, math.Inf(1), []byte("short"))
	f.Fuzz(func(t *testing.T, s string, matched int, distance float64, id []byte) {
		if k, ok := decodeCursor(s); ok {
			if k.matched < 0 || k.distance < 0 {
				t.Fatalf("%q decoded to a negative key %+v", s, k)
			}
			if again, ok := decodeCursor(encodeCursor(k)); !ok || again != k {
				t.Fatalf("%q: key %+v re-encodes to %+v (ok %v)", s, k, again, ok)
			}
		}
		if matched < 0 || distance < 0 || math.IsNaN(distance) || math.IsInf(distance, 0) || len(id) != 12 {
			return // not a key the index makes
		}
		k := sortKey{matched: matched, distance: distance}
		copy(k.id[:], id)
		if got, ok := decodeCursor(encodeCursor(k)); !ok || got != k {
			t.Fatalf("key %+v round-trips to %+v (ok %v)", k, got, ok)
		}
	})
}
