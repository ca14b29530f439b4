package profiles

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

// The hand-written decoder answers exactly what bson.Unmarshal answers, for
// profiles with every field set, empty, nil or unusual.
func TestDecodeMentorProfile(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	strs := func() []string {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+r.IntN(4))
		for i := range out {
			out[i] = []string{"sales", "札幌", "", "資金調達 🚀", "a\x00b"}[r.IntN(5)]
		}
		return out
	}
	for trial := range 500 {
		want := MentorProfile{
			UserID: bson.NewObjectID(), Headline: "食品メーカーで20年", Bio: []string{"", "長い紹介文"}[r.IntN(2)],
			Topics: strs(), Tags: strs(), Industries: strs(), Modes: strs(), Languages: strs(), Stakes: strs(),
			Location: Location{MunicipalityCode: "01101", PrefectureCode: "01", Point: geo.Point{Lat: 43 + r.Float64(), Lon: 141 + r.Float64()}, Explicit: r.IntN(2) == 0},
			TravelKm: r.IntN(500), Capacity: r.IntN(10), YearsExperience: r.IntN(50) - 1,
			AcceptingRequests: r.IntN(2) == 0, Independent: r.IntN(2) == 0, Verified: r.IntN(2) == 0,
			Version: r.Int64N(1 << 40), CreatedAt: time.UnixMilli(r.Int64N(2e12)).UTC(), UpdatedAt: time.UnixMilli(r.Int64N(2e12)).UTC(),
		}
		if trial%7 == 0 {
			want = MentorProfile{UserID: want.UserID} // most fields absent
		}
		raw, err := bson.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var viaDriver MentorProfile
		if err := bson.Unmarshal(raw, &viaDriver); err != nil {
			t.Fatal(err)
		}
		var got MentorProfile
		if !decodeMentorProfile(raw, &got) {
			t.Fatalf("trial %d: not decoded: %s", trial, bson.Raw(raw))
		}
		if !reflect.DeepEqual(got, viaDriver) {
			t.Fatalf("trial %d:\n got %+v\nwant %+v", trial, got, viaDriver)
		}
	}
}

// What it does not know exactly it leaves to bson.Unmarshal.
func TestDecodeMentorProfileDeclines(t *testing.T) {
	for _, doc := range []bson.D{
		{{Key: "_id", Value: bson.NewObjectID()}, {Key: "mentorNotes", Value: "a field added later"}},
		{{Key: "capacity", Value: 2.0}},
		{{Key: "capacity", Value: "2"}},
		{{Key: "headline", Value: nil}},
		{{Key: "topics", Value: bson.A{"sales", 3}}},
		{{Key: "topics", Value: "sales"}},
		{{Key: "location", Value: bson.D{{Key: "point", Value: bson.D{{Key: "lat", Value: 43.0}, {Key: "lon", Value: 141.0}, {Key: "alt", Value: 5.0}}}}}},
		{{Key: "location", Value: bson.D{{Key: "point", Value: bson.D{{Key: "lat", Value: 43.0}, {Key: "lon", Value: int32(141)}}}}}},
		{{Key: "location", Value: bson.D{{Key: "city", Value: "札幌"}}}},
		{{Key: "updatedAt", Value: "2026-12-02"}},
	} {
		raw, err := bson.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var p MentorProfile
		if decodeMentorProfile(raw, &p) {
			t.Errorf("decoded %v; want it left to bson.Unmarshal", doc)
		}
	}
}
