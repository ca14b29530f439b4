package profiles

import "go.mongodb.org/mongo-driver/v2/bson"

// DecodeMentorProfile is decodeMentorProfile, for the tests against stored
// documents (package profiles_test, which can use servicetest).
func DecodeMentorProfile(raw bson.Raw) (MentorProfile, bool) {
	var p MentorProfile
	ok := decodeMentorProfile(raw, &p)
	return p, ok
}
