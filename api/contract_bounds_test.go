package main

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// boundProbe is one parameter value to send, and whether the spec allows it.
type boundProbe struct {
	param, value string
	allowed      bool
}

// probesOf returns, for a parameter's declared bounds and enum, the values on
// each edge (allowed) and just outside it (refused).
func probesOf(p *openapi3.Parameter) []boundProbe {
	s := p.Schema.Value
	var out []boundProbe
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	if s.Min != nil {
		out = append(out, boundProbe{p.Name, num(*s.Min), true}, boundProbe{p.Name, num(*s.Min - 1), false})
	}
	if s.Max != nil {
		out = append(out, boundProbe{p.Name, num(*s.Max), true}, boundProbe{p.Name, num(*s.Max + 1), false})
	}
	enum := s.Enum
	if s.Items != nil && s.Items.Value != nil && len(enum) == 0 {
		enum = s.Items.Value.Enum
	}
	if len(enum) > 0 {
		out = append(out, boundProbe{p.Name, "not_one_of_them", false})
	}
	return out
}

// fillers are values for required parameters that are not being probed.
// (Ids of real resources are added by the test: a lookup may come first.)
var fillers = map[string]string{"topic": "sales", "q": "さっぽろ", "prefecture": "01", "near": "01101", "id": someID}

// TestParameterBoundsEnforced reads every minimum, maximum and enum the spec
// declares on a query or path parameter and sends a value on each edge (not
// refused as invalid) and just outside it (400 naming the parameter), so the
// spec's bounds are the API's.
func TestParameterBoundsEnforced(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	all := ta.signUp("境界", "founder", "mentor")
	ta.put("/v1/me/mentor-profile", all.Access, mentorProfile("01101")).want(http.StatusCreated)
	ta.put("/v1/me/founder-profile", all.Access, founderProfile("01204")).want(http.StatusCreated)
	admin := ta.admin()
	var community struct{ ID string }
	ta.post("/v1/communities", admin.Access, map[string]any{"name": "境界の会", "prefectureCodes": []string{"01"}}).want(http.StatusCreated).decode(&community)
	loaded, err := spec()
	must(t, err)

	probed := 0
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range loaded.doc.Paths.Map() {
			if !yield(p) {
				return
			}
		}
	}) {
		item := loaded.doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for _, ref := range op.Parameters {
				p := ref.Value
				if p.In != "query" && p.In != "path" {
					continue
				}
				for _, probe := range probesOf(p) {
					target, query := path, url.Values{}
					for _, other := range op.Parameters {
						o := other.Value
						value, isProbe := fillers[o.Name], o.Name == probe.param
						if o.Name == "id" && strings.HasPrefix(path, "/v1/communities/") {
							value = community.ID
						}
						if isProbe {
							value = probe.value
						}
						switch {
						case o.In == "path":
							target = strings.ReplaceAll(target, "{"+o.Name+"}", url.PathEscape(value))
						case o.In == "query" && (isProbe || o.Required || o.Name == "near"):
							query.Set(o.Name, value)
						}
					}
					if len(query) > 0 {
						target += "?" + query.Encode()
					}
					// A founder and mentor first; an admin (who organizes the
					// community) where that is forbidden.
					res := ta.do(req{method: method, path: target, token: all.Access})
					if res.Code == http.StatusForbidden {
						res = ta.do(req{method: method, path: target, token: admin.Access})
					}
					refused := res.Code == http.StatusBadRequest
					switch {
					case probe.allowed && refused:
						t.Errorf("%s %s: %s=%s is within the spec's bounds but refused: %s", method, path, probe.param, probe.value, truncate(res.Body))
					case !probe.allowed && !refused:
						t.Errorf("%s %s: %s=%s is outside the spec's bounds but got %d: %s", method, path, probe.param, probe.value, res.Code, truncate(res.Body))
					// A list parameter (mode=) may be named as its body field (modes).
					case !probe.allowed && p.In == "query" && !res.problem().hasField(probe.param) && !res.problem().hasField(probe.param+"s"):
						t.Errorf("%s %s: %s=%s refused without naming it: %s", method, path, probe.param, probe.value, truncate(res.Body))
					}
					probed++
				}
			}
		}
	}
	if probed < 50 {
		t.Errorf("only %d bound probes: the spec lost its bounds?", probed)
	}
	t.Logf("%d parameter values on and just outside the spec's bounds", probed)
}
