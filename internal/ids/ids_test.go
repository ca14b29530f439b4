package ids

import "testing"

func TestParse(t *testing.T) {
	for s, ok := range map[string]bool{
		"673f0c2b9d1e8a0012ab34cd":  true,
		"673F0C2B9D1E8A0012AB34CD":  false, // one spelling per id
		"673f0c2b9d1e8a0012ab34c":   false,
		"673f0c2b9d1e8a0012ab34cdd": false,
		"zzzf0c2b9d1e8a0012ab34cd":  false,
		"":                          false,
	} {
		if _, got := Parse(s); got != ok {
			t.Errorf("Parse(%q) = %v, want %v", s, got, ok)
		}
	}
}
