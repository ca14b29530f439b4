// Package ids parses the ids clients send: every resource is named by a
// 24-hex ObjectID, in one spelling.
package ids

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Parse parses a 24-hex ObjectID; ok is false for anything else, including
// upper case (one id, one spelling: ids are compared and cached as text).
func Parse(s string) (bson.ObjectID, bool) {
	if len(s) != 24 || strings.ToLower(s) != s {
		return bson.ObjectID{}, false
	}
	id, err := bson.ObjectIDFromHex(s)
	return id, err == nil
}
