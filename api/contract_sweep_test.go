package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/digest"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/idempotency"
	"github.com/kizuna-dev/kizuna/internal/testnet"
)

// specOperation is one documented operation.
type specOperation struct {
	method, path string
	op           *openapi3.Operation
}

func (o specOperation) String() string { return o.method + " " + o.path }

func (o specOperation) documents(status int) bool {
	return o.op.Responses.Status(status) != nil
}

// needsToken reports whether the operation is documented as taking a bearer token.
func (o specOperation) needsToken() bool { return o.op.Security != nil && len(*o.op.Security) > 0 }

func (o specOperation) takesBody() bool { return o.op.RequestBody != nil }

// hasQuery reports whether the operation takes the query parameter name.
func (o specOperation) hasQuery(name string) bool {
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name == name {
			return true
		}
	}
	return false
}

// url fills the path parameters with values that name nothing (a fresh id),
// and the required query parameters with valid values.
func (o specOperation) url() string { return o.urlWith(bson.NewObjectID().Hex()) }

// urlWith is url with the ids in the path set to id.
func (o specOperation) urlWith(id string) string {
	path := strings.ReplaceAll(o.path, "{id}", id)
	path = strings.ReplaceAll(path, "{userId}", id)
	path = strings.ReplaceAll(path, "{role}", "organizer")
	path = strings.ReplaceAll(path, "{code}", "99999")
	var q []string
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Required {
			q = append(q, p.Value.Name+"="+requiredQueryValues[p.Value.Name])
		}
	}
	if len(q) > 0 {
		path += "?" + strings.Join(q, "&")
	}
	return path
}

var requiredQueryValues = map[string]string{"q": "sapporo", "topic": "sales", "prefecture": "01"}

// exampleBody is the operation's request body made of the examples the docs
// give for its fields, so it passes decoding and validation.
func (o specOperation) exampleBody() any {
	if !o.takesBody() {
		return nil
	}
	media := o.op.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return map[string]any{}
	}
	return exampleOf(media.Schema.Value)
}

// exampleOf builds the example a schema documents, as Swagger UI shows it:
// the schema's own example, else one built from its properties' and items'.
func exampleOf(s *openapi3.Schema) any {
	if s == nil {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	for _, sub := range s.AllOf {
		if v := exampleOf(sub.Value); v != nil {
			return v
		}
	}
	switch {
	case s.Type.Is(openapi3.TypeArray):
		if s.Items != nil {
			if v := exampleOf(s.Items.Value); v != nil {
				return []any{v}
			}
		}
		return []any{}
	case len(s.Properties) > 0:
		out := map[string]any{}
		for name, p := range s.Properties {
			if v := exampleOf(p.Value); v != nil {
				out[name] = v
			}
		}
		return out
	}
	return nil
}

func specOperations(t testing.TB) []specOperation {
	t.Helper()
	loaded, err := spec()
	must(t, err)
	var ops []specOperation
	for _, pair := range documentedStatuses(loaded.doc) {
		if n := len(ops); n > 0 && ops[n-1].method == pair.method && ops[n-1].path == pair.path {
			continue
		}
		ops = append(ops, specOperation{pair.method, pair.path, loaded.doc.Paths.Find(pair.path).GetOperation(pair.method)})
	}
	return ops
}

// TestContractSweep asks every documented operation for the statuses that
// any endpoint of its kind must answer the documented way: no token (401), a
// suspended account (403), a body that is not JSON (415), too large (413) or
// malformed (400), an id that names nothing (404), and, once the database is
// gone, an internal error that shows no driver message (500; /readyz 503).
func TestContractSweep(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withJWTSecret(testJWTSecret))
	// The admin e-mail gets admin; with organizer it may call every route.
	ta.post("/v1/auth/register", "", map[string]any{"email": "admin@kizuna.example", "password": testPassword,
		"displayName": "管理者", "roles": []string{"founder", "mentor"}}).want(http.StatusCreated)
	super := ta.login("admin@kizuna.example", testPassword)
	ta.verifyEmail(super.ID, super.Email) // the admin role comes with the proven address
	ta.post("/v1/admin/users/"+super.ID+"/roles", super.Access, map[string]string{"role": "organizer"}).want(http.StatusOK)
	suspended := ta.signUp("suspended", "founder", "mentor")
	ta.post("/v1/admin/users/"+suspended.ID+"/suspend", super.Access, nil).want(http.StatusOK)

	ops := specOperations(t)
	for _, o := range ops {
		t.Run("input/"+o.String(), func(t *testing.T) {
			ta := ta.in(t)
			if o.needsToken() {
				ta.do(req{method: o.method, path: o.url(), body: o.exampleBody()}).wantProblem(http.StatusUnauthorized, "unauthenticated")
				ta.do(req{method: o.method, path: o.url(), token: suspended.Access, body: o.exampleBody()}).wantProblem(http.StatusForbidden, "account_suspended")
			}
			if o.documents(http.StatusUnsupportedMediaType) {
				ta.do(req{method: o.method, path: o.url(), token: super.Access, body: "role=organizer",
					headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).
					wantProblem(http.StatusUnsupportedMediaType, "unsupported_media_type")
			}
			if o.documents(http.StatusRequestEntityTooLarge) {
				huge := `{"note":"` + strings.Repeat("a", 1<<20) + `"}`
				ta.do(req{method: o.method, path: o.url(), token: super.Access, body: huge}).
					wantProblem(http.StatusRequestEntityTooLarge, "body_too_large")
			}
			switch {
			case o.documents(http.StatusBadRequest) && o.takesBody():
				ta.do(req{method: o.method, path: o.url(), token: super.Access, body: `{"note":`}).
					wantProblem(http.StatusBadRequest, "malformed_json")
			case o.documents(http.StatusBadRequest) && o.hasQuery("limit"):
				u := o.url()
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				p := ta.do(req{method: o.method, path: u + sep + "limit=0", token: super.Access}).wantProblem(http.StatusBadRequest, "validation_failed")
				if !p.hasField("limit") {
					t.Errorf("limit=0: %+v, want the field limit named", p)
				}
			}
			if o.documents(http.StatusNotFound) && strings.Contains(o.path, "{") {
				u := o.url()
				if o.method == http.MethodDelete && strings.Contains(o.path, "{userId}") {
					// Clearing what is not set is done (204); only an id that
					// cannot name anyone is not found.
					u = o.urlWith("not-an-id")
				}
				ta.do(req{method: o.method, path: u, token: super.Access, body: o.exampleBody()}).wantProblem(http.StatusNotFound, "not_found")
			}
		})
	}

	// Without its database the API answers 500 with no driver message, and
	// is not ready. A mentor's id names a real mentor, so a read served from
	// memory (a mentor's summary) goes on to the database for the rest.
	ta.put("/v1/me/mentor-profile", super.Access, mentorProfile("01101")).want(http.StatusCreated)
	// The caller's own account is served from memory too; a signed-in user
	// this instance has not seen yet (as after a restart) is read from the
	// database.
	now := ta.clock.Now()
	stranger := forge(t, jwt.SigningMethodHS256, []byte(testJWTSecret), jwt.MapClaims{
		"iss": "kizuna", "aud": []string{"kizuna-api"}, "sub": bson.NewObjectID().Hex(), "roles": []string{"founder"},
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "sid": "sweep",
	})
	ta.close()
	for _, o := range ops {
		if !o.documents(http.StatusInternalServerError) {
			continue
		}
		t.Run("database-down/"+o.String(), func(t *testing.T) {
			u := o.url()
			if strings.HasPrefix(o.path, "/v1/mentors/") {
				u = o.urlWith(super.ID)
			}
			token := super.Access
			if o.path == "/v1/mail/unsubscribe" {
				// A genuine link, so the database is asked.
				id, _ := bson.ObjectIDFromHex(super.ID)
				u = o.path + "?token=" + ta.app.accounts.UnsubscribeToken(id, accounts.MailDigest)
			}
			if o.method == http.MethodGet && (o.path == "/v1/me" || o.path == "/v1/me/notification-preferences") || strings.HasPrefix(o.path, "/v1/me/roles") {
				// The admin holds every role: taking one again changes nothing
				// and needs no database, so ask as someone to be read.
				token = stranger
			}
			body := o.exampleBody()
			if o.path == "/v1/digest/answer" {
				// A genuine link, so the database is asked.
				id, _ := bson.ObjectIDFromHex(super.ID)
				body = map[string]string{"token": ta.app.digest.AnswerToken(id, digest.Month(now), digest.AnswerStillInterested)}
			}
			p := ta.in(t).do(req{method: o.method, path: u, token: token, body: body}).
				wantProblem(http.StatusInternalServerError, "internal")
			if p.Detail != "internal error" {
				t.Errorf("detail %q shows more than \"internal error\"", p.Detail)
			}
		})
	}
	ta.get("/readyz", "").want(http.StatusServiceUnavailable)
}

// in is ta reporting its failures to t (a subtest).
func (ta *testApp) in(t testing.TB) *testApp {
	sub := *ta
	sub.t = t
	return &sub
}

// TestContractSweepAroundTheHandlers asks every documented operation for the
// statuses that come from the layers around its handler: the query limits
// (400), Idempotency-Key reuse with another request (422) and a retry while
// the first still runs (409), the per-user write limit (429), and the
// start-up gate while the database cannot be reached (503).
func TestContractSweepAroundTheHandlers(t *testing.T) {
	t.Parallel()
	ops := specOperations(t)
	ta := newTestApp(t, func(c *appSetup) { c.idempotencyWait = time.Millisecond })
	ta.post("/v1/auth/register", "", map[string]any{"email": "admin@kizuna.example", "password": testPassword,
		"displayName": "管理者", "roles": []string{"founder", "mentor"}}).want(http.StatusCreated)
	super := ta.login("admin@kizuna.example", testPassword)
	ta.verifyEmail(super.ID, super.Email) // the admin role comes with the proven address
	ta.post("/v1/admin/users/"+super.ID+"/roles", super.Access, map[string]string{"role": "organizer"}).want(http.StatusOK)

	tooMany := strings.Repeat("&n=1", 51)[1:]
	for _, o := range ops {
		if !strings.HasPrefix(o.path, "/v1/") {
			continue
		}
		t.Run("limits/"+o.String(), func(t *testing.T) {
			ta := ta.in(t)
			if o.documents(http.StatusBadRequest) {
				u := o.url()
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				ta.do(req{method: o.method, path: u + sep + tooMany, token: super.Access, body: o.exampleBody()}).
					wantProblem(http.StatusBadRequest, "validation_failed")
			}
			if !o.takesHeader("Idempotency-Key") {
				return
			}
			// The same key with another request: another path (a fresh id)
			// or another body.
			key := bson.NewObjectID().Hex()
			first := req{method: o.method, path: o.url(), token: super.Access, body: o.exampleBody(), headers: map[string]string{"Idempotency-Key": key}}
			ta.do(first)
			second := first
			second.path = o.url()
			if second.path == first.path {
				second.body = map[string]any{"another": "request"}
			}
			ta.do(second).wantProblem(http.StatusUnprocessableEntity, "idempotency_key_reuse")

			// A key whose first request still runs (claimed here, as the
			// middleware does, and never finished).
			if o.documents(http.StatusConflict) {
				key := bson.NewObjectID().Hex()
				r := req{method: o.method, path: o.url(), token: super.Access, body: o.exampleBody(), headers: map[string]string{"Idempotency-Key": key}}
				raw, err := json.Marshal(r.body)
				must(t, err)
				if r.body == nil {
					raw = nil
				}
				caller := "user:" + super.ID
				if o.path == "/v1/auth/register" {
					caller = "addr:192.0.2.1" // httptest's client address
				}
				_, replay, err := ta.app.idempotency.Begin(context.Background(), caller, key, idempotency.Fingerprint(o.method, r.path, raw))
				if err != nil || replay != nil {
					t.Fatalf("claim: %v %v", replay, err)
				}
				ta.do(r).wantProblem(http.StatusConflict, "idempotency_in_progress")
			}
		})
	}

	// 429: a user who has used up the writes of the minute.
	limited := newTestApp(t, func(c *appSetup) { c.WritePerMinute = 1 })
	limited.post("/v1/auth/register", "", map[string]any{"email": "admin@kizuna.example", "password": testPassword,
		"displayName": "管理者", "roles": []string{"founder", "mentor"}}).want(http.StatusCreated)
	admin := limited.login("admin@kizuna.example", testPassword)
	limited.verifyEmail(admin.ID, admin.Email)
	limited.post("/v1/admin/users/"+admin.ID+"/roles", admin.Access, map[string]string{"role": "organizer"}).want(http.StatusOK)
	for _, o := range ops {
		if !o.documents(http.StatusTooManyRequests) || !o.needsToken() || o.method == http.MethodGet {
			continue
		}
		res := limited.in(t).do(req{method: o.method, path: o.url(), token: admin.Access, body: o.exampleBody()})
		res.wantProblem(http.StatusTooManyRequests, "rate_limited")
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", o)
		}
	}

	// 503: an instance started while its MongoDB cannot be reached yet.
	early := openTestApp(t, t.TempDir(), newFakeClock(), func(c *appSetup) {
		c.MongoURI = "mongodb://" + testnet.FreeAddr(t) + "/"
		c.JWTSecret = testJWTSecret
		c.serverSelection = 300 * time.Millisecond
	})
	for _, o := range ops {
		if o.documents(http.StatusServiceUnavailable) && o.path != "/readyz" {
			early.in(t).do(req{method: o.method, path: o.url(), token: super.Access, body: o.exampleBody()}).
				wantProblem(http.StatusServiceUnavailable, "unavailable")
		}
	}
}

// takesHeader reports whether the operation documents the header name.
func (o specOperation) takesHeader(name string) bool {
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && p.Value.Name == name {
			return true
		}
	}
	return false
}
