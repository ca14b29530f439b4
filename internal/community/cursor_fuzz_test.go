package community

import (
	"fmt"
	"testing"
)

// FuzzPostCursor: a post cursor decodes only when it is the one canonical
// spelling of (pinned, id), as ListPosts writes it.
func FuzzPostCursor(f *testing.F) {
	f.Add("1.673f0c2b9d1e8a0012ab34cd")
	f.Add("0.673f0c2b9d1e8a0012ab34cd")
	f.Add("2.673f0c2b9d1e8a0012ab34cd")
	f.Add("1.673F0C2B9D1E8A0012AB34CD")
	f.Add("1.")
	f.Fuzz(func(t *testing.T, s string) {
		pinned, id, ok := decodePostCursor(s)
		if !ok {
			return
		}
		if pinned != 0 && pinned != 1 {
			t.Fatalf("%q: pinned %d", s, pinned)
		}
		if again := fmt.Sprintf("%d.%s", pinned, id.Hex()); again != s {
			t.Fatalf("%q decodes to (%d, %s), written %q", s, pinned, id.Hex(), again)
		}
	})
}
