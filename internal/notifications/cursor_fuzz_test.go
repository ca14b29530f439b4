package notifications

import "testing"

// FuzzCursorFormat: a cursor decodes only when it is the one canonical
// encoding of an id.
func FuzzCursorFormat(f *testing.F) {
	f.Add("Z0Gj8J0eigASqzTv")
	f.Add("Z0Gj8J0eigASqzTw")
	f.Add("Z0Gj8J0eigASqzT")
	f.Add("673f0c2b9d1e8a0012ab34cd")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := decodeCursor(s)
		if ok && encodeCursor(id) != s {
			t.Fatalf("%q decodes to %s, which encodes to %q", s, id.Hex(), encodeCursor(id))
		}
	})
}
