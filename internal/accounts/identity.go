package accounts

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// NormalizeEmail is the form e-mails are stored and looked up in (trimmed,
// lower-cased): callers that key anything by e-mail use it too.
func NormalizeEmail(s string) string { return normalizeEmail(s) }

// normalizeEmail gives every spelling of an address one form: NFKC folds
// full-width letters and signs (ｆｏｏ＠example.jp, typed with a Japanese IME)
// into ASCII, then case and surrounding space go.
func normalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

func checkEmail(v *apperr.Validation, field, email string) {
	if email == "" {
		v.Add(field, "is required")
		return
	}
	addr, err := mail.ParseAddress(email)
	ok := err == nil && addr.Address == email && len(email) <= 254
	if ok {
		at := strings.LastIndexByte(email, '@')
		ok = at > 0 && strings.Contains(email[at+1:], ".")
	}
	v.Check(ok, field, "must be a valid e-mail address")
}

func checkDisplayName(v *apperr.Validation, field, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		v.Add(field, "is required")
	case n > 50:
		v.Add(field, "must be at most 50 characters")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add(field, "must not contain control characters")
	case strings.IndexFunc(name, isHiddenFormat) >= 0:
		v.Add(field, "must not contain invisible formatting characters (zero-width spaces, direction overrides)")
	case strings.IndexFunc(name, isVisible) < 0:
		v.Add(field, "must contain a visible character")
	}
}

// canonicalName is the stored form of a display name: NFC, so one name is
// one sequence of code points however it was typed, without surrounding
// space.
func canonicalName(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// isHiddenFormat reports the format characters (Unicode Cf) that hide or
// reorder text: a name of zero-width spaces, or one that a right-to-left
// override shows reversed, impersonates. The zero-width joiner stays: emoji
// sequences (family, flags of professions) need it.
func isHiddenFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200d'
}

// isVisible reports a character that shows as something.
func isVisible(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

func checkLocale(v *apperr.Validation, field, locale string) {
	v.Check(locale == LocaleJa || locale == LocaleEn, field, `must be "ja" or "en"`)
}

// checkPhone accepts Japanese and international numbers: digits with optional
// leading +, spaces and hyphens, 10 to 15 digits.
func checkPhone(v *apperr.Validation, field, phone string) {
	digits := 0
	ok := len(phone) <= 24
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == '-' || r == ' ':
		default:
			ok = false
		}
	}
	v.Check(ok && digits >= 10 && digits <= 15, field, "must be a phone number of 10 to 15 digits, e.g. 090-1234-5678 or +81 90 1234 5678")
}
