package profiles

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// decodeMentorProfile decodes a stored mentor profile without the driver's
// reflection: at start every profile is decoded, and bson.Unmarshal was a
// quarter of the CPU time to ready with 100,000 mentors. It reports false
// for anything it does not know exactly (an unknown field, an unexpected
// type, a null where a value belongs), and the caller decodes with
// bson.Unmarshal instead, so a new field or an older document shape is
// never decoded wrongly, only more slowly. TestDecodeMentorProfile holds it
// to bson.Unmarshal's answer.
func decodeMentorProfile(raw bson.Raw, p *MentorProfile) bool {
	return eachElement(raw, func(key []byte, v bsoncore.Value) (ok bool) {
		switch string(key) {
		case "_id":
			var id [12]byte
			id, ok = v.ObjectIDOK()
			p.UserID = id
		case "headline":
			p.Headline, ok = v.StringValueOK()
		case "bio":
			p.Bio, ok = v.StringValueOK()
		case "topics":
			p.Topics, ok = decodeStrings(v)
		case "tags":
			p.Tags, ok = decodeStrings(v)
		case "industries":
			p.Industries, ok = decodeStrings(v)
		case "modes":
			p.Modes, ok = decodeStrings(v)
		case "languages":
			p.Languages, ok = decodeStrings(v)
		case "stakes":
			p.Stakes, ok = decodeStrings(v)
		case "location":
			ok = decodeLocation(v, &p.Location)
		case "travelKm":
			p.TravelKm, ok = decodeInt(v)
		case "capacity":
			p.Capacity, ok = decodeInt(v)
		case "yearsExperience":
			p.YearsExperience, ok = decodeInt(v)
		case "acceptingRequests":
			p.AcceptingRequests, ok = v.BooleanOK()
		case "independent":
			p.Independent, ok = v.BooleanOK()
		case "verified":
			p.Verified, ok = v.BooleanOK()
		case "version":
			var n int
			n, ok = decodeInt(v)
			p.Version = int64(n)
		case "createdAt":
			p.CreatedAt, ok = decodeTime(v)
		case "updatedAt":
			p.UpdatedAt, ok = decodeTime(v)
		} // an unknown field leaves ok false
		return ok
	})
}

// eachElement calls fn with each element of a BSON document or array, in
// order, and reports whether the document is well formed and fn said true
// to every element (it stops at the first false).
func eachElement(doc []byte, fn func(key []byte, v bsoncore.Value) bool) bool {
	if len(doc) < 5 || doc[len(doc)-1] != 0 {
		return false
	}
	rest := doc[4 : len(doc)-1]
	for len(rest) > 0 {
		var e bsoncore.Element
		var ok bool
		if e, rest, ok = bsoncore.ReadElement(rest); !ok {
			return false
		}
		key, err := e.KeyBytesErr()
		if err != nil {
			return false
		}
		v, err := e.ValueErr()
		if err != nil || !fn(key, v) {
			return false
		}
	}
	return true
}

func decodeLocation(v bsoncore.Value, l *Location) bool {
	doc, ok := v.DocumentOK()
	if !ok {
		return false
	}
	return eachElement(doc, func(key []byte, v bsoncore.Value) (ok bool) {
		switch string(key) {
		case "municipalityCode":
			l.MunicipalityCode, ok = v.StringValueOK()
		case "prefectureCode":
			l.PrefectureCode, ok = v.StringValueOK()
		case "explicit":
			l.Explicit, ok = v.BooleanOK()
		case "point":
			var point bsoncore.Document
			if point, ok = v.DocumentOK(); !ok {
				return false
			}
			return eachElement(point, func(key []byte, v bsoncore.Value) (ok bool) {
				switch string(key) {
				case "lat":
					l.Point.Lat, ok = v.DoubleOK()
				case "lon":
					l.Point.Lon, ok = v.DoubleOK()
				}
				return ok
			})
		}
		return ok
	})
}

// decodeStrings decodes an array of strings; null is a nil slice (how the
// driver writes one).
func decodeStrings(v bsoncore.Value) ([]string, bool) {
	if v.Type == bsoncore.TypeNull {
		return nil, true
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, false
	}
	out := []string{}
	ok = eachElement(arr, func(_ []byte, v bsoncore.Value) bool {
		s, ok := v.StringValueOK()
		out = append(out, s)
		return ok
	})
	return out, ok
}

func decodeInt(v bsoncore.Value) (int, bool) {
	if n, ok := v.Int32OK(); ok {
		return int(n), true
	}
	n, ok := v.Int64OK()
	return int(n), ok
}

func decodeTime(v bsoncore.Value) (time.Time, bool) {
	ms, ok := v.DateTimeOK()
	return time.UnixMilli(ms).UTC(), ok
}
