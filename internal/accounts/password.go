package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's baseline (19 MiB, 2 passes, 1 lane). A hash
// costs tens of milliseconds, which is what slows down guessing.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password length bounds; the upper bound keeps hashing cost bounded.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// commonPasswords are refused outright: they are first in every guessing list.
// Only entries of at least MinPasswordLen characters matter; shorter ones fail
// the length rule anyway.
var commonPasswords = map[string]bool{
	"1234567890": true, "12345678910": true, "123456789012": true, "0123456789": true,
	"0987654321": true, "1111111111": true, "0000000000": true, "1122334455": true,
	"password123": true, "password1234": true, "password12": true, "passw0rd123": true,
	"qwertyuiop": true, "qwerty12345": true, "qwerty123456": true, "1q2w3e4r5t": true,
	"1qaz2wsx3edc": true, "asdfghjkl1": true, "zxcvbnm123": true, "iloveyou12": true,
	"princess123": true, "football123": true, "baseball123": true, "welcome123": true,
	"letmein1234": true, "administrator": true, "changeme123": true, "sunshine123": true,
	"abcdefghij": true, "abcd123456": true, "abc1234567": true, "a123456789": true,
	"trustno1234": true, "superman123": true, "dragon12345": true, "monkey12345": true,
	"starwars123": true, "passwordpassword": true, "mentor12345": true, "kizuna12345": true,
	"kizunakizuna": true, "founder1234": true, "sapporo1234": true, "hokkaido123": true,
}

// checkPassword applies the password policy; email is the normalized e-mail.
func checkPassword(v interface{ Add(string, string) }, field, password, email string) {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		v.Add(field, fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		v.Add(field, fmt.Sprintf("must be at most %d characters", MaxPasswordLen))
	case strings.IndexFunc(password, unicode.IsControl) >= 0:
		// NUL and other control characters cannot be typed, and some
		// clients and libraries cut a string at the first NUL.
		v.Add(field, "must not contain control characters")
	case strings.TrimSpace(password) == "":
		v.Add(field, "must not be only spaces")
	case email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		v.Add(field, "must not be your e-mail address")
	case commonPasswords[strings.ToLower(password)]:
		v.Add(field, "is too common; choose a less guessable password")
	}
}

// HashPassword returns a hash of password that sign-in accepts, for data
// written without the API (the scenario generator hashes one password once
// and gives it to every generated user).
func HashPassword(password string) (string, error) { return hashPassword(password) }

// hashPassword returns an argon2id hash in the PHC string format.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("accounts: malformed password hash")

// verifyPassword checks password against a hash made by hashPassword, using the
// parameters stored in the hash so they can be raised later.
func verifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
