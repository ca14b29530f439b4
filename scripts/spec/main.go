// Command spec finishes the API documents after swag has written
// docs/swagger.json from the annotations, with what swag annotations cannot
// say, and derives docs/openapi.json (OpenAPI 3) from it. scripts/docs runs it;
// it is deterministic, so CI can regenerate and compare.
//
// It adds:
//   - required: every field of a response type whose JSON tag has no
//     omitempty (the API always sends it), and every request field tagged
//     binding:"required" (the API refuses a request without it), so
//     generated clients type them as present;
//   - x-nullable (OpenAPI 3: nullable) on pointer fields sent as null;
//   - one example per error response, with the first code its description
//     names (or the usual code of its status) and that code's real message,
//     read from the apperr.New calls in the source;
//   - a suggestion's score components with the real weights and the notes
//     the matching package writes for one sample mentor;
//   - schema names without the Go package prefix ("Me", not "httpapi.Me");
//   - in the OpenAPI 3 document, an http bearer scheme, so a bare token works.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

const (
	swaggerFile = "docs/swagger.json"
	openapiFile = "docs/openapi.json"
	typesDir    = "api/httpapi" // the request and response types
	typePrefix  = "httpapi."    // swag's prefix for their schema names
)

func main() {
	log.SetFlags(0)
	raw, err := os.ReadFile(swaggerFile)
	check(err)
	var doc map[string]any
	check(json.Unmarshal(raw, &doc))

	structs, err := parseStructs(typesDir)
	check(err)
	messages, err := problemMessages("internal", "api")
	check(err)

	defs := doc["definitions"].(map[string]any)
	requests := requestTypes(doc)
	for _, name := range sortedKeys(defs) {
		if !strings.HasPrefix(name, typePrefix) {
			log.Fatalf("%s: schema %s is not swag's output: run scripts/docs", swaggerFile, name)
		}
		st, ok := structs[strings.TrimPrefix(name, typePrefix)]
		if !ok {
			log.Fatalf("%s: no struct %s in %s", swaggerFile, name, typesDir)
		}
		markRequired(defs[name].(map[string]any), st, structs, requests[name])
	}
	addProblemExamples(doc, messages)
	defs[typePrefix+"ScoreComponents"].(map[string]any)["example"] = scoreExample()
	// A location is a municipality or a point, never both: the example of
	// each field alone would make a request the API refuses.
	defs[typePrefix+"LocationRequest"].(map[string]any)["example"] = map[string]any{"municipalityCode": "01101"}

	out, err := json.MarshalIndent(doc, "", "    ")
	check(err)
	// Drop the package prefix from schema names and their references.
	out = bytes.ReplaceAll(out, []byte(`"#/definitions/`+typePrefix), []byte(`"#/definitions/`))
	var renamed map[string]any
	check(json.Unmarshal(out, &renamed))
	plain := map[string]any{}
	for name, def := range renamed["definitions"].(map[string]any) {
		plain[strings.TrimPrefix(name, typePrefix)] = def
	}
	renamed["definitions"] = plain
	write(swaggerFile, renamed)

	var doc2 openapi2.T
	out, err = json.Marshal(renamed)
	check(err)
	check(json.Unmarshal(out, &doc2))
	doc3, err := openapi2conv.ToV3(&doc2)
	check(err)
	// Swagger 2.0 can only say "an Authorization header"; OpenAPI 3 says
	// bearer, so Swagger UI and generated clients take the bare token.
	doc3.Components.SecuritySchemes["BearerAuth"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type:         "http",
		Scheme:       "bearer",
		BearerFormat: "JWT",
		Description:  "The accessToken from /v1/auth/login, /v1/auth/register or /v1/auth/refresh (the token alone; clients add \"Bearer \").",
	}}
	doc3.Servers = openapi3.Servers{{URL: "/"}}
	check(doc3.Validate(openapi3.NewLoader().Context, openapi3.DisableExamplesValidation()))
	write(openapiFile, doc3)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func write(path string, v any) {
	out, err := json.MarshalIndent(v, "", "    ")
	check(err)
	check(os.WriteFile(path, append(out, '\n'), 0o644))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// field is what the spec needs to know of one struct field.
type field struct {
	json      string // its JSON name; "" for an embedded struct
	embedded  string // the embedded struct's name
	omitEmpty bool
	pointer   bool
	required  bool // binding:"required"
}

// parseStructs reads the struct types of the Go files in dir (tests excluded).
func parseStructs(dir string) (map[string][]field, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	structs := map[string][]field{}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := spec.Type.(*ast.StructType)
			if !ok {
				return true
			}
			structs[spec.Name.Name] = structFields(st)
			return false
		})
	}
	return structs, nil
}

func structFields(st *ast.StructType) []field {
	var fields []field
	for _, f := range st.Fields.List {
		tag := reflect.StructTag("")
		if f.Tag != nil {
			unquoted, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(unquoted)
		}
		name, opts, _ := strings.Cut(tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		_, isPointer := f.Type.(*ast.StarExpr)
		fd := field{
			omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty"),
			pointer:   isPointer,
			required:  tag.Get("binding") == "required",
		}
		if len(f.Names) == 0 { // embedded
			if id, ok := f.Type.(*ast.Ident); ok && name == "" {
				fd.embedded = id.Name
				fields = append(fields, fd)
			}
			continue
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				continue
			}
			fd.json = name
			if fd.json == "" {
				fd.json = n.Name
			}
			fields = append(fields, fd)
		}
	}
	return fields
}

// requestTypes are the schemas reachable from request bodies.
func requestTypes(doc map[string]any) map[string]bool {
	defs := doc["definitions"].(map[string]any)
	seen := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/definitions/")
				if !seen[name] {
					seen[name] = true
					visit(defs[name])
				}
			}
			for _, x := range v {
				visit(x)
			}
		case []any:
			for _, x := range v {
				visit(x)
			}
		}
	}
	for _, ops := range doc["paths"].(map[string]any) {
		for _, op := range ops.(map[string]any) {
			params, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range params {
				if p.(map[string]any)["in"] == "body" {
					visit(p)
				}
			}
		}
	}
	return seen
}

// markRequired sets def's required list (and x-nullable on its pointers)
// from the struct's fields, following embedded structs as encoding/json does.
func markRequired(def map[string]any, fields []field, structs map[string][]field, isRequest bool) {
	props, _ := def["properties"].(map[string]any)
	var required []string
	var walk func(fields []field)
	walk = func(fields []field) {
		for _, f := range fields {
			if f.embedded != "" {
				walk(structs[f.embedded])
				continue
			}
			prop, ok := props[f.json].(map[string]any)
			if !ok {
				continue
			}
			if f.pointer && !f.omitEmpty {
				prop["x-nullable"] = true
			}
			if isRequest && f.required || !isRequest && !f.omitEmpty {
				required = append(required, f.json)
			}
		}
	}
	walk(fields)
	if len(required) > 0 {
		sort.Strings(required)
		def["required"] = required
	}
}

// problemMessages maps each problem code to the message of its first
// apperr.New(kind, "code", "message") in the Go files under dirs.
func problemMessages(dirs ...string) (map[string]string, error) {
	messages := map[string]string{}
	for _, dir := range dirs {
		var files []string
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, path := range files {
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return nil, err
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 3 {
					return true
				}
				// apperr.New elsewhere, New in package apperr itself.
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if fun.Sel.Name != "New" || fmt.Sprint(fun.X) != "apperr" {
						return true
					}
				case *ast.Ident:
					if fun.Name != "New" || file.Name.Name != "apperr" {
						return true
					}
				default:
					return true
				}
				code, ok1 := stringLit(call.Args[1])
				msg, ok2 := stringLit(call.Args[2])
				if ok1 && ok2 {
					if _, seen := messages[code]; !seen {
						messages[code] = msg
					}
				}
				return true
			})
		}
	}
	// Messages built at run time.
	messages["validation_failed"] = "the request has invalid fields"
	if _, ok := messages["rate_limited"]; !ok {
		messages["rate_limited"] = "too many requests; wait a little and try again (Retry-After says how long)"
	}
	return messages, nil
}

// stringLit is the value of a string literal, a sum of them, or the format
// of an fmt.Sprintf with its verbs shown as "…".
func stringLit(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		x, okx := stringLit(e.X)
		y, oky := stringLit(e.Y)
		return x + y, okx && oky && e.Op == token.ADD
	case *ast.CallExpr:
		if fmt.Sprint(e.Fun) != "&{fmt Sprintf}" || len(e.Args) == 0 {
			return "", false
		}
		format, ok := stringLit(e.Args[0])
		return verb.ReplaceAllString(format, "…"), ok
	}
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// usualCode is the code an error status carries when its description names none.
var usualCode = map[string]string{
	"400": "validation_failed",
	"401": "unauthenticated",
	"403": "forbidden",
	"404": "not_found",
	"409": "conflict",
	"412": "precondition_failed",
	"413": "body_too_large",
	"415": "unsupported_media_type",
	"422": "idempotency_key_reuse",
	"429": "rate_limited",
	"500": "internal",
	"503": "unavailable",
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

var firstCode = regexp.MustCompile(`^([a-z][a-z0-9_]*[a-z0-9])\b`)

// addProblemExamples gives every error response an example problem.
func addProblemExamples(doc map[string]any, messages map[string]string) {
	for _, path := range sortedKeys(doc["paths"].(map[string]any)) {
		ops := doc["paths"].(map[string]any)[path].(map[string]any)
		for _, method := range sortedKeys(ops) {
			responses, _ := ops[method].(map[string]any)["responses"].(map[string]any)
			for status, r := range responses {
				resp := r.(map[string]any)
				schema, _ := resp["schema"].(map[string]any)
				if schema["$ref"] != "#/definitions/"+typePrefix+"Problem" {
					continue
				}
				desc, _ := resp["description"].(string)
				code := usualCode[status]
				if m := firstCode.FindStringSubmatch(strings.TrimSpace(desc)); m != nil && (messages[m[1]] != "" || m[1] == code) {
					code = m[1]
				}
				if code == "" {
					log.Fatalf("%s %s %s: name the problem code in the response's description", method, path, status)
				}
				detail := messages[code]
				if detail == "" {
					log.Fatalf("%s %s %s: no message known for code %q", method, path, status, code)
				}
				n, _ := strconv.Atoi(status)
				example := map[string]any{
					"type":      "urn:kizuna:problem:" + code,
					"title":     http.StatusText(n),
					"status":    n,
					"detail":    detail,
					"code":      code,
					"instance":  examplePath(path),
					"requestId": "3f1c9a0e8b7d4e21",
				}
				if code == "validation_failed" {
					example["errors"] = []any{map[string]any{"field": "limit", "message": "must be an integer between 1 and 100"}}
				}
				resp["examples"] = map[string]any{"application/problem+json": example}
			}
		}
	}
}

// examplePath fills a path template's parameters with example ids.
func examplePath(path string) string {
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "673f0c2b9d1e8a0012ab34cd")
}

// scoreExample explains one sample suggestion as the API does: a founder
// asks for sales, hiring and fundraising, 50 km; a verified mentor 12.4 km
// away covers the first two, travels 30 km, has 2 of 3 places free and
// answered 4 of 5 recent introductions within a day (median 18 h).
func scoreExample() map[string]any {
	taxonomy := topics.New()
	name := func(slug string) string { t, _ := taxonomy.Get(slug); return t.Ja }
	req := &matching.Request{Topics: []string{"sales", "hiring", "fundraising"}, RadiusKm: 50}
	s := &matching.Suggestion{DistanceKm: 12.4, WithinReach: true, MatchedTopics: []string{"sales", "hiring"}}
	s.Mentor = &search.Mentor{TravelKm: 30, Capacity: 3, Active: 1, Introductions: 5, Answered: 4, MedianAnswerHr: 18, Verified: true}
	// The scores matching computes for these facts: topics weighted 3:2:1 by
	// their order, full distance marks within reach, half free places and
	// half the answered share, 0.6 for verification.
	scores := map[matching.Part]float64{
		matching.PartTopic:        5.0 / 6,
		matching.PartDistance:     1,
		matching.PartAvailability: 0.5*2/3 + 0.5*4/5,
		matching.PartTrust:        0.6,
	}
	component := func(part matching.Part, weight float64) map[string]any {
		return map[string]any{
			"score":  math.Round(scores[part]*1000) / 1000,
			"weight": weight,
			"note":   string(matching.AppendNote(nil, req, s, name, "ja", part)),
		}
	}
	return map[string]any{
		"topic":        component(matching.PartTopic, matching.WeightTopic),
		"distance":     component(matching.PartDistance, matching.WeightDistance),
		"availability": component(matching.PartAvailability, matching.WeightAvailability),
		"trust":        component(matching.PartTrust, matching.WeightTrust),
	}
}
