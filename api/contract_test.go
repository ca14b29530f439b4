package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// contract counts the responses validated against the spec and which
// documented (operation, status) pairs they exercised, across the whole run.
var contract = &contractCoverage{seen: map[operationStatus]int{}}

type operationStatus struct {
	method, path string
	status       int
}

type contractCoverage struct {
	mu        sync.Mutex
	validated int
	seen      map[operationStatus]int
	fields    map[*openapi3.Schema]map[string]bool // response properties seen in a body
	// requiredChecked counts required properties looked for in responses.
	requiredChecked int
}

// sawFields records which documented properties body (a validated response)
// carries, so documented fields that no answer ever has can be listed, and
// returns the required properties it lacks.
func (c *contractCoverage) sawFields(ref *openapi3.SchemaRef, body any) (missing []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fields == nil {
		c.fields = map[*openapi3.Schema]map[string]bool{}
	}
	var walk func(ref *openapi3.SchemaRef, v any)
	walk = func(ref *openapi3.SchemaRef, v any) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		for _, sub := range s.AllOf {
			walk(sub, v)
		}
		switch v := v.(type) {
		case map[string]any:
			if len(s.Properties) == 0 {
				return
			}
			if c.fields[s] == nil {
				c.fields[s] = map[string]bool{}
			}
			for name, p := range s.Properties {
				if field, ok := v[name]; ok {
					c.fields[s][name] = true
					walk(p, field)
				}
			}
			for _, name := range s.Required {
				c.requiredChecked++
				if _, ok := v[name]; !ok {
					missing = append(missing, name)
				}
			}
		case []any:
			for _, item := range v {
				walk(s.Items, item)
			}
		}
	}
	walk(ref, body)
	return missing
}

func (c *contractCoverage) record(method, path string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.validated++
	c.seen[operationStatus{method, path, status}]++
}

// wholePackageRan reports whether every test of the package ran, so a
// documented status nobody exercised is a real gap and not a filter's effect.
func wholePackageRan() bool {
	for _, name := range []string{"test.run", "test.skip", "test.fuzz", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	if f := flag.Lookup("test.short"); f != nil && f.Value.String() == "true" {
		return false
	}
	return true
}

// documentedStatuses lists every (operation, status) pair the spec documents.
func documentedStatuses(doc *openapi3.T) []operationStatus {
	var out []operationStatus
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue // "default" is not a status a test can aim at
				}
				out = append(out, operationStatus{method, path, status})
			}
		}
	}
	slices.SortFunc(out, func(a, b operationStatus) int {
		return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.method, b.method), cmp.Compare(a.status, b.status))
	})
	return out
}

// reportContractCoverage prints the counts, every documented status no test
// received and every documented response field no answer carried; it reports
// false when there is any (the docs promise what the API never does).
func reportContractCoverage(w io.Writer) bool {
	loaded, err := spec()
	if err != nil {
		fmt.Fprintf(w, "contract coverage: load spec: %v\n", err)
		return false
	}
	contract.mu.Lock()
	defer contract.mu.Unlock()
	documented := documentedStatuses(loaded.doc)
	var missing []operationStatus
	for _, pair := range documented {
		if contract.seen[pair] == 0 {
			missing = append(missing, pair)
		}
	}
	operations := 0
	for _, item := range loaded.doc.Paths.Map() {
		operations += len(item.Operations())
	}
	fmt.Fprintf(w, "contract coverage: %d responses validated against docs/openapi.json; %d operations; %d/%d documented (operation, status) pairs exercised; %d required response fields checked present\n",
		contract.validated, operations, len(documented)-len(missing), len(documented), contract.requiredChecked)
	for _, pair := range missing {
		fmt.Fprintf(w, "  never exercised: %s %s -> %d\n", pair.method, pair.path, pair.status)
	}
	fields, unseen := responseFields(loaded.doc, contract.fields)
	fmt.Fprintf(w, "contract coverage: %d/%d documented response fields seen in an answer\n", fields-len(unseen), fields)
	for _, f := range unseen {
		fmt.Fprintf(w, "  never seen: %s\n", f)
	}
	return len(missing) == 0 && len(unseen) == 0
}

// responseFields counts the properties of every schema a response can carry
// and lists those no validated answer had (as Schema.property).
func responseFields(doc *openapi3.T, seen map[*openapi3.Schema]map[string]bool) (total int, unseen []string) {
	names := map[*openapi3.Schema]string{}
	for name, ref := range doc.Components.Schemas {
		names[ref.Value] = name
	}
	visited := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef, label string)
	walk = func(ref *openapi3.SchemaRef, label string) {
		if ref == nil || ref.Value == nil || visited[ref.Value] {
			return
		}
		s := ref.Value
		visited[s] = true
		if n, ok := names[s]; ok {
			label = n
		}
		for _, sub := range s.AllOf {
			walk(sub, label)
		}
		walk(s.Items, label+"[]")
		for name, p := range s.Properties {
			total++
			if !seen[s][name] {
				unseen = append(unseen, label+"."+name)
			}
			walk(p, label+"."+name)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, res := range op.Responses.Map() {
				if res.Value == nil {
					continue
				}
				if media := res.Value.Content.Get("application/json"); media != nil {
					walk(media.Schema, "response")
				}
			}
		}
	}
	slices.Sort(unseen)
	return total, unseen
}

// closeObjectSchemas sets additionalProperties: false on every object schema
// that lists its properties and says nothing about others. kin-openapi accepts
// unknown fields by default, so without this a response field missing from
// the docs (or renamed in code) would pass.
func closeObjectSchemas(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range group {
				walk(sub)
			}
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, res := range op.Responses.Map() {
				if res.Value == nil {
					continue
				}
				for _, media := range res.Value.Content {
					walk(media.Schema)
				}
			}
		}
	}
}

// The harness rejects a response field the docs do not list.
func TestContractRejectsUndocumentedFields(t *testing.T) {
	t.Parallel()
	hr, _ := http.NewRequest(http.MethodGet, "/healthz", nil)
	ft := &failureRecorder{TB: t}
	ok := func() (passed bool) {
		defer func() {
			if recover() != nil {
				passed = false
			}
		}()
		validateAgainstSpec(ft, hr, nil, &response{t: ft, Code: http.StatusOK,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   []byte(`{"status":"ok","undocumented":1}`)})
		return !ft.failed
	}()
	if ok {
		t.Fatal("a response with an undocumented field passed validation")
	}
}

// failureRecorder stands in for a test whose failure is the expected outcome.
type failureRecorder struct {
	testing.TB
	failed bool
}

func (f *failureRecorder) Helper() {}

func (f *failureRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
