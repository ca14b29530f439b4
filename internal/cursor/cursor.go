// Package cursor is the one encoding of list positions: a cursor names the
// sort key of a page's last item, so the next page starts after it. It is a
// version character and the key as JSON, base64url-encoded (opaque to
// clients, whose cursors the HTTP layer also ties to the filters of their
// list).
//
// Decode accepts only what Encode writes for a key of the same type: every
// field present, nothing else, in Encode's exact spelling (one key, one
// cursor), so a cursor cannot be edited into a position the list never
// returned.
package cursor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// version changes when keys change meaning; older cursors then fail to
// decode (invalid cursor), and clients start their list again.
const version = "1"

// Encode makes the cursor of key, a struct of JSON-encodable fields.
func Encode(key any) string {
	b, err := json.Marshal(key)
	if err != nil {
		panic(fmt.Sprintf("cursor: key %T cannot be encoded: %v", key, err)) // a programming error
	}
	return version + base64.RawURLEncoding.EncodeToString(b)
}

// Decode fills key (a pointer to a struct) from s and reports whether s is
// a cursor Encode made for a key of that type.
func Decode(s string, key any) bool {
	body, ok := strings.CutPrefix(s, version)
	if !ok {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(key) != nil || dec.More() {
		return false
	}
	// Missing fields, other spellings of a value, or characters the decoder
	// skips (line breaks) would each make a second cursor for one key.
	return Encode(key) == s
}
