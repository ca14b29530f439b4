package httpapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// query reads query parameters, collecting every problem before failing.
type query struct {
	c *gin.Context
	v apperr.Validation
}

func newQuery(c *gin.Context) *query { return &query{c: c} }

func (q *query) str(name string) string { return strings.TrimSpace(q.c.Query(name)) }

// strs reads a list parameter: both ?topic=a&topic=b and ?topic=a,b work, up
// to maxValuesPerName values in all.
func (q *query) strs(name string) []string {
	var out []string
	for _, s := range q.c.QueryArray(name) {
		for _, part := range strings.Split(s, ",") {
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

func (q *query) err() error { return q.v.Err() }

// parseObjectID parses a 24-hex id from a query or body.
func parseObjectID(s string) (bson.ObjectID, bool) { return mongodb.ParseID(s) }

// pathID parses the ObjectID path parameter "id"; a malformed id is simply
// not found. what names the resource in the problem ("mentor").
func pathID(c *gin.Context, what string) (bson.ObjectID, bool) {
	id, ok := mongodb.ParseID(c.Param("id"))
	if !ok {
		fail(c, apperr.NotFoundf("no %s with id %q", what, c.Param("id")))
	}
	return id, ok
}

func notConnected(id string) error { return apperr.NotFoundf("no connection with user %q", id) }
