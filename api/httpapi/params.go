package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/ids"
)

// query reads query parameters, collecting every problem before failing.
type query struct {
	c *gin.Context
	v apperr.Validation
	// mismatch: the cursor belongs to another list (see cursor).
	mismatch bool
}

func newQuery(c *gin.Context) *query { return &query{c: c} }

func (q *query) str(name string) string { return strings.TrimSpace(q.c.Query(name)) }

// strs reads a list parameter: both ?topic=a&topic=b and ?topic=a,b work, up
// to maxValuesPerName values in all.
func (q *query) strs(name string) []string {
	var out []string
	for _, s := range q.c.QueryArray(name) {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	if len(out) > maxValuesPerName {
		q.v.Add(name, fmt.Sprintf("at most %d values", maxValuesPerName))
		return out[:maxValuesPerName]
	}
	return out
}

func (q *query) integer(name string, def, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.v.Add(name, "must be an integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
		return def
	}
	return n
}

func (q *query) number(name string, lo, hi float64) float64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi {
		q.v.Add(name, "must be a number between "+strconv.FormatFloat(lo, 'f', -1, 64)+" and "+strconv.FormatFloat(hi, 'f', -1, 64))
		return 0
	}
	return f
}

func (q *query) boolean(name string) bool {
	switch q.str(name) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	default:
		q.v.Add(name, "must be true or false")
		return false
	}
}

// place resolves a near= value (municipality code, prefecture code or "lat,lon").
func (q *query) place(cat *areas.Catalog, name string) *areas.Place {
	s := q.str(name)
	if s == "" {
		return nil
	}
	p, err := cat.ResolvePlace(s)
	switch {
	case errors.Is(err, areas.ErrUnknownArea):
		q.v.Add(name, "unknown area code")
	case err != nil:
		q.v.Add(name, `must be a municipality code ("01101"), a prefecture code ("01") or "lat,lon" in Japan`)
	default:
		return &p
	}
	return nil
}

// time reads an RFC 3339 time; zero when absent.
func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.v.Add(name, "must be an RFC 3339 time such as 2026-12-05T10:00:00Z")
	}
	return t
}

// limit reads the page size: default 20, at most 100.
func (q *query) limit() int { return q.integer("limit", 20, 1, 100) }

func (q *query) err() error {
	if q.mismatch {
		return errCursorMismatch
	}
	return q.v.Err()
}

// Cursors: a list's nextCursor is the domain's position behind a fingerprint
// of the list it pages (the path and every parameter but cursor and limit),
// so a cursor sent with other filters is refused rather than answering a page
// of some other list.
var errCursorMismatch = &apperr.Error{
	Kind: apperr.Invalid, Code: "cursor_mismatch",
	Message: "this cursor belongs to the same list with other filters (or another list); send the filters it was made with, or start again without cursor",
	Fields:  []apperr.FieldError{{Field: "cursor", Message: "was made for other filters"}},
}

const fingerprintLen = 8 // base64url characters (48 bits)

// fingerprint identifies the list the request asks for.
func (q *query) fingerprint() string {
	h := sha256.New()
	h.Write([]byte(q.c.Request.URL.Path))
	params := q.c.Request.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if name == "cursor" || name == "limit" {
			continue
		}
		h.Write([]byte{0})
		h.Write([]byte(name))
		for _, v := range params[name] {
			h.Write([]byte{1})
			h.Write([]byte(strings.TrimSpace(v)))
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:fingerprintLen]
}

// cursor returns the domain's position from the cursor parameter, checking
// that it was made for this list.
func (q *query) cursor() string {
	raw := q.str("cursor")
	switch {
	case raw == "":
		return ""
	case len(raw) <= fingerprintLen+1 || raw[fingerprintLen] != '.':
		q.v.Add("cursor", "is not a cursor returned by this endpoint")
		return ""
	case raw[:fingerprintLen] != q.fingerprint():
		q.mismatch = true
		return ""
	}
	return raw[fingerprintLen+1:]
}

// nextCursor makes the cursor of the page after this one from the domain's
// position ("" on the last page).
func (q *query) nextCursor(position string) string {
	if position == "" {
		return ""
	}
	return q.fingerprint() + "." + position
}

// parseObjectID parses a 24-hex id from a query or body.
func parseObjectID(s string) (bson.ObjectID, bool) { return ids.Parse(s) }

// pathID parses the ObjectID path parameter "id"; a malformed id is simply
// not found. what names the resource in the problem ("mentor").
func pathID(c *gin.Context, what string) (bson.ObjectID, bool) {
	id, ok := ids.Parse(c.Param("id"))
	if !ok {
		fail(c, apperr.NotFoundf("no %s with id %q", what, c.Param("id")))
	}
	return id, ok
}

func notConnected(id string) error { return apperr.NotFoundf("no connection with user %q", id) }
