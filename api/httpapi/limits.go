package httpapi

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// Abuse limits of request bodies are declared on the request types with
// validator tags (`validate:"max=120"` for a string's characters or an
// array's items; `dive,max=30` for each item), which swag also writes into
// the spec as maxLength and maxItems. They bound what a client can make the
// server hold, store and scan; the domain packages keep their own rules
// (which may be stricter) and the messages for them.
//
// `binding:"required"` marks what a request must carry. The domain refuses a
// request without it (with its own message, beside the request's other
// mistakes); the tag only tells the spec (scripts/spec writes the required
// lists from it; Gin's binding is not used here).

// newLimitChecker returns the validator of request types, naming fields by
// their JSON names.
func newLimitChecker() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}

// checkLimits returns a validation_failed error listing every field of req
// over its limit, or nil.
func (s *Server) checkLimits(req any) error {
	err := s.limits.Struct(req)
	var fields validator.ValidationErrors
	if !errors.As(err, &fields) {
		return err // nil, or a request type that is not a struct: a bug
	}
	var v apperr.Validation
	for _, f := range fields {
		// The namespace starts with the Go type name: "EventRequest.venue.address".
		_, name, _ := strings.Cut(f.Namespace(), ".")
		// An item ("tags[3]") is reported on its list, as the domain does.
		list, _, isItem := strings.Cut(name, "[")
		switch {
		case f.Tag() != "max":
			v.Add(name, "is invalid")
		case isItem && !v.Has(list):
			v.Add(list, fmt.Sprintf("each item must be at most %s characters", f.Param()))
		case isItem:
		case f.Kind() == reflect.Slice:
			v.Add(name, fmt.Sprintf("at most %s items", f.Param()))
		default:
			v.Add(name, fmt.Sprintf("must be at most %s characters", f.Param()))
		}
	}
	return v.Err()
}

// Query string limits, for every /v1 route: how many values in all, how many
// of one parameter (repeated, or comma-separated for lists such as topic=),
// and how long one value may be.
const (
	maxQueryValues   = 50
	maxValuesPerName = 20
	maxQueryValueLen = 500
)

// limitQuery refuses a query string over the limits with validation_failed,
// naming each offending parameter.
func limitQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := c.Request.URL.RawQuery
		// A short query with few separators cannot break a limit: skip the
		// parsing (and its allocations) on the common path.
		if len(raw) <= maxQueryValueLen && strings.Count(raw, "&")+strings.Count(raw, ";") < maxValuesPerName {
			c.Next()
			return
		}
		params := c.Request.URL.Query()
		var v apperr.Validation
		total := 0
		for _, name := range slices.Sorted(maps.Keys(params)) {
			values := params[name]
			total += len(values)
			if len(values) > maxValuesPerName {
				v.Add(name, fmt.Sprintf("at most %d values", maxValuesPerName))
			}
			for _, s := range values {
				if utf8.RuneCountInString(s) > maxQueryValueLen {
					v.Add(name, fmt.Sprintf("must be at most %d characters", maxQueryValueLen))
					break
				}
			}
		}
		if total > maxQueryValues {
			v.Add("query", fmt.Sprintf("at most %d query parameters", maxQueryValues))
		}
		if failIf(c, v.Err()) {
			return
		}
		c.Next()
	}
}
