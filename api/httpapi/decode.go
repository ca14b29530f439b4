package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// decodeJSON reads the body strictly into dst: JSON only, no unknown fields,
// one value, at most maxBodyBytes, every field within its declared limit (see
// checkLimits). On failure it writes the problem and returns false; the
// handler just returns.
func (s *Server) decodeJSON(c *gin.Context, dst any) bool {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			failTransport(c, errNotJSON)
			return false
		}
	}
	body, ok := readBody(c)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		fail(c, apperr.New(apperr.Invalid, "malformed_json", "a JSON request body is required"))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		fail(c, jsonError(err))
		return false
	}
	if dec.More() {
		fail(c, apperr.New(apperr.Invalid, "malformed_json", "the body must hold exactly one JSON value"))
		return false
	}
	return !failIf(c, s.checkLimits(dst))
}

// jsonError turns a decoding error into a problem a client can act on.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "malformed_json", "the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.Invalid, "malformed_json", fmt.Sprintf("the body must be a JSON object, not %s", typ.Value))
		}
		return &apperr.Error{Kind: apperr.Invalid, Code: "validation_failed", Message: "the request has invalid fields",
			Fields: []apperr.FieldError{{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type.Kind().String()), typ.Value)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_field", Message: fmt.Sprintf("the body has a field this endpoint does not take: %q", name),
			Fields: []apperr.FieldError{{Field: name, Message: "is not a known field"}}}
	default:
		return apperr.New(apperr.Invalid, "malformed_json", "the body is not valid JSON for this endpoint")
	}
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "float32", "float64":
		return "a number"
	default:
		if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") {
			return "an integer"
		}
		return "a " + goKind
	}
}

// readBody reads the whole request body; a body over the limit or one that
// cannot be read is answered (413, 400) and ok is false.
func readBody(c *gin.Context) (body []byte, ok bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if isMaxBytes(err) {
			failTransport(c, errBodyTooLarge)
		} else {
			fail(c, apperr.New(apperr.Invalid, "malformed_json", "the request body could not be read"))
		}
		return nil, false
	}
	return body, true
}

// noBody guards the writes that take no body: a body naming fields (say
// {"role": "organizer"} on a join) is refused as unknown fields rather than
// ignored, so a client never believes it set something it did not. An empty
// body or {} passes.
func noBody(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		c.Next()
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		fail(c, apperr.New(apperr.Invalid, "malformed_json", "this endpoint takes no body"))
		return
	}
	if len(fields) == 0 {
		c.Next()
		return
	}
	e := &apperr.Error{Kind: apperr.Invalid, Code: "unknown_field", Message: "this endpoint takes no body fields"}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		e.Fields = append(e.Fields, apperr.FieldError{Field: name, Message: "is not a known field"})
	}
	fail(c, e)
}
