package cursor

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type key struct {
	At int64         `json:"t"`
	ID bson.ObjectID `json:"i"`
}

func TestRoundTrip(t *testing.T) {
	for i := range 100 {
		k := key{At: int64(i) * 1_700_000_000_123, ID: bson.NewObjectID()}
		c := Encode(k)
		var got key
		if !Decode(c, &got) || got != k {
			t.Fatalf("cursor %q of %+v decoded to %+v", c, k, got)
		}
		if strings.ContainsAny(c, "+/=") {
			t.Fatalf("cursor %q is not URL-safe", c)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	valid := Encode(key{At: 1, ID: bson.NewObjectID()})
	other := func(v any) string { return Encode(v) }
	for name, s := range map[string]string{
		"empty":         "",
		"no version":    valid[1:],
		"other version": "2" + valid[1:],
		"padded":        valid + "=",
		"line break":    valid[:5] + "\n" + valid[5:],
		"not base64":    "1!!",
		"not JSON":      "1" + "bm90IGpzb24",
		"missing field": other(struct {
			At int64 `json:"t"`
		}{1}),
		"unknown field": other(struct{ At, X int64 }{1, 2}),
		"wrong type": other(struct {
			At string `json:"t"`
		}{"1"}),
		"two values": "1" + "eyJ0IjoxfXt9",
		"offset instead": other(struct {
			Offset int `json:"o"`
		}{20}),
	} {
		var k key
		if Decode(s, &k) {
			t.Errorf("%s: %q decoded to %+v", name, s, k)
		}
	}
}

// FuzzCursor: a string decodes only when it is the one cursor of its key.
func FuzzCursor(f *testing.F) {
	f.Add(Encode(key{At: 1732352400000, ID: bson.NewObjectID()}))
	f.Add("1eyJ0IjoxfQ")
	f.Add("1eyJ0IjoxLCJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNGNkIn0")
	f.Add("673f0c2b9d1e8a0012ab34cd")
	f.Fuzz(func(t *testing.T, s string) {
		var k key
		if Decode(s, &k) && Encode(k) != s {
			t.Fatalf("%q decodes to %+v, which encodes to %q", s, k, Encode(k))
		}
	})
}
