package community

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/cursor"
)

// FuzzPostCursor: a post cursor decodes only when it is the one cursor of a
// (pinned, id) that ListPosts can write.
func FuzzPostCursor(f *testing.F) {
	id, _ := bson.ObjectIDFromHex("673f0c2b9d1e8a0012ab34cd")
	f.Add(cursor.Encode(postKey{Pinned: 1, ID: id}))
	f.Add(cursor.Encode(postKey{Pinned: 0, ID: id}))
	f.Add(cursor.Encode(postKey{Pinned: 2, ID: id}))
	f.Add("1.673f0c2b9d1e8a0012ab34cd")
	f.Add("1.")
	f.Fuzz(func(t *testing.T, s string) {
		pinned, id, ok := decodePostCursor(s)
		if !ok {
			return
		}
		if pinned != 0 && pinned != 1 {
			t.Fatalf("%q: pinned %d", s, pinned)
		}
		if again := cursor.Encode(postKey{Pinned: pinned, ID: id}); again != s {
			t.Fatalf("%q decodes to (%d, %s), written %q", s, pinned, id.Hex(), again)
		}
	})
}
