// Package jsonw appends JSON values to byte slices exactly as encoding/json
// (and goccy/go-json, which the API uses elsewhere) encodes them: strings with
// HTML-safe escaping, floats in the shortest form with the same exponent
// rules. Hot responses are written field by field with it, from fragments
// encoded ahead of time, instead of through reflection.
package jsonw

import (
	"math"
	"strconv"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe marks the ASCII bytes written as they are inside a string: not a
// control character, quote, backslash or one of <, >, & (escaped so the
// JSON is safe to embed in HTML, as encoding/json.Marshal does).
var safe = func() (t [utf8.RuneSelf]bool) {
	for i := ' '; i < utf8.RuneSelf; i++ {
		t[i] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// String appends s as a JSON string.
func String(dst []byte, s string) []byte {
	return append(StringBody(append(dst, '"'), s), '"')
}

// StringBody appends what String appends between the quotes: s escaped.
func StringBody(dst []byte, s string) []byte {
	// Most strings written live are short and ASCII (slugs, language
	// codes): copied at once when no byte needs a second look.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && safe[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	start := 0
	// Most other strings are Japanese: when s is valid UTF-8 (checked at
	// once, much faster than rune by rune), a rune outside ASCII is
	// skipped by its first byte instead of decoded.
	valid := utf8.ValidString(s)
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		if valid {
			// A whole rune, not U+2028 or U+2029 (E2 80 A8/A9): copied as is.
			if b != 0xE2 || s[i+1] != 0x80 || s[i+2]&^1 != 0xA8 {
				switch {
				case b < 0xE0:
					i += 2
				case b < 0xF0:
					i += 3
				default:
					i += 4
				}
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 end lines in JavaScript: escaped as encoding/json does.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// Strings appends ss as a JSON array of strings; nil is null, as
// encoding/json writes a nil slice.
func Strings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = String(dst, s)
	}
	return append(dst, ']')
}

// Float appends f as encoding/json writes a float64: the shortest decimal
// that reads back as f, in exponent form only below 1e-6 or from 1e21, with
// a two-digit exponent at least. f must be finite (encoding/json refuses
// NaN and infinities).
func Float(dst []byte, f float64) []byte {
	// Most floats written are rounded to thousandths (scores, weights,
	// distances): f is then the float nearest n/1000, and the shortest
	// decimal that reads back as f is n/1000 itself (any shorter decimal
	// lies a thousandth or more away, far more than the spacing of floats
	// below 1e12), written without strconv's search.
	if n := math.Round(f * 1000); n/1000 == f && f != 0 && math.Abs(n) < 1e15 {
		return appendThousandths(dst, int64(n))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendThousandths appends n/1000 in decimal, without trailing zeros.
func appendThousandths(dst []byte, n int64) []byte {
	if n < 0 {
		dst, n = append(dst, '-'), -n
	}
	dst = Int(dst, int(n/1000))
	frac := n % 1000
	if frac == 0 {
		return dst
	}
	dst = append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// Int appends i as strconv.AppendInt does; below 100 (most numbers in a
// suggestions body) by hand, several times faster.
func Int(dst []byte, i int) []byte {
	switch {
	case 0 <= i && i < 10:
		return append(dst, byte('0'+i))
	case 10 <= i && i < 100:
		return append(dst, byte('0'+i/10), byte('0'+i%10))
	}
	return strconv.AppendInt(dst, int64(i), 10)
}

// Bool appends b.
func Bool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}
