package idempotency

import (
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"":                       false,
		"a":                      true,
		"3f1c9a0e-8b7d-4e21":     true,
		"with space and ~!":      true,
		strings.Repeat("k", 255): true,
		strings.Repeat("k", 256): false,
		"tab\t":                  false,
		"newline\n":              false,
		"del\x7f":                false,
		"鍵":                      false,
	} {
		if got := ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// The fingerprint tells method, path and body apart, including where one
// ends and the next begins.
func TestFingerprint(t *testing.T) {
	base := Fingerprint("POST", "/v1/x", []byte(`{"a":1}`))
	if base != Fingerprint("POST", "/v1/x", []byte(`{"a":1}`)) {
		t.Fatal("not deterministic")
	}
	for _, other := range []string{
		Fingerprint("PUT", "/v1/x", []byte(`{"a":1}`)),
		Fingerprint("POST", "/v1/y", []byte(`{"a":1}`)),
		Fingerprint("POST", "/v1/x", []byte(`{"a":2}`)),
		Fingerprint("POST", "/v1/x\n", []byte(`{"a":1}`)[1:]),
	} {
		if other == base {
			t.Errorf("collision with %s", other)
		}
	}
}
