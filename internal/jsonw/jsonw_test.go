package jsonw

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStringTable(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rret\bback\fform", "\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "M&A・事業承継", "会える範囲です（あなたの移動範囲 50 km）", "line\u2028sep\u2029",
		"bad \xff utf-8 \xe3\x81", "emoji 🙂", "é",
	} {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, encoding/json %s", s, got, want)
		}
		if got, want := `"`+string(StringBody([]byte("x"), s)[1:])+`"`, marshal(t, s); got != want {
			t.Errorf("StringBody(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func TestStringRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09 \"\\<>&\n\t\x00\x1f\x7fあ漢\u2028\u2029\u2027\u202a\u20ac🙂é")
	for range 20000 {
		var b []byte
		for range r.IntN(20) {
			if r.IntN(10) == 0 {
				b = append(b, byte(r.IntN(256))) // often invalid UTF-8
				continue
			}
			b = append(b, string(alphabet[r.IntN(len(alphabet))])...)
		}
		s := string(b)
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Fatalf("String(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func TestFloat(t *testing.T) {
	fs := []float64{0, 1, -1, 0.1, 0.5, 0.912, 0.001, -0.001, 0.45, 999999999999.999, 1e12 - 0.001, 1e15, 0.0005, 12.4, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.2345e25, -3e-8, 123456789, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		fs = append(fs, math.Round(r.Float64()*1000)/1000, r.Float64()*math.Pow(10, float64(r.IntN(60)-30)), math.Float64frombits(r.Uint64()),
			-math.Round(r.Float64()*1e6)/1000, math.Round(r.Float64()*1e18)/1000, float64(r.Int64N(1e15))/1000)
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if got, want := string(Float(nil, f)), marshal(t, f); got != want {
			t.Fatalf("Float(%v) = %s, encoding/json %s", f, got, want)
		}
	}
}

func TestOthers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{string(Strings(nil, nil)), marshal(t, []string(nil))},
		{string(Strings(nil, []string{})), marshal(t, []string{})},
		{string(Strings(nil, []string{"a", "<b>"})), marshal(t, []string{"a", "<b>"})},
		{string(Int(nil, -42)), "-42"},
		{string(Bool(nil, true)) + string(Bool(nil, false)), "truefalse"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// Int writes what strconv writes, by hand below 100 and around it.
func TestInt(t *testing.T) {
	values := []int{math.MinInt, -100, -10, -1, math.MaxInt}
	for i := -5; i < 1100; i++ {
		values = append(values, i)
	}
	for _, i := range values {
		if got, want := Int([]byte("x"), i), strconv.AppendInt([]byte("x"), int64(i), 10); !bytes.Equal(got, want) {
			t.Fatalf("Int(%d) = %s, want %s", i, got, want)
		}
	}
}
