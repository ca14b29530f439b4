package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/idempotency"
)

// sendConcurrently sends r n times at once and returns the answers.
func (ta *testApp) sendConcurrently(n int, r req) []*response {
	ta.t.Helper()
	out := make([]*response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = ta.do(r)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// sameAnswers fails unless every response has the first one's status and
// body, and reports how many were replays.
func sameAnswers(t *testing.T, rs []*response, status int) (replayed int) {
	t.Helper()
	for i, r := range rs {
		if r.Code != status || !bytes.Equal(r.Body, rs[0].Body) {
			t.Fatalf("answer %d: %d %s; answer 0: %d %s", i, r.Code, r.Body, rs[0].Code, rs[0].Body)
		}
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != len(rs)-1 {
		t.Fatalf("%d of %d answers replayed, want all but the first", replayed, len(rs))
	}
	return replayed
}

func withKey(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }

// Ten concurrent retries of one match request with one key create one request
// and all get the same answer.
func TestIdempotentMatchRequestRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newMentor("先輩", "01207", "sales")
	f := ta.newFounder("founder", "01207")
	body := map[string]any{"topics": []string{"sales"}, "radiusKm": 50, "message": "販路の相談"}
	rs := ta.sendConcurrently(10, req{method: http.MethodPost, path: "/v1/match-requests", token: f.Access, body: body, headers: withKey("req-7f3a")})
	sameAnswers(t, rs, http.StatusCreated)

	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ta.get("/v1/match-requests", f.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 {
		t.Fatalf("%d match requests created, want 1", len(list.Items))
	}

	// The same key with another body is refused and creates nothing.
	body["message"] = "採用の相談"
	ta.do(req{method: http.MethodPost, path: "/v1/match-requests", token: f.Access, body: body, headers: withKey("req-7f3a")}).
		wantProblem(http.StatusUnprocessableEntity, "idempotency_key_reuse")
	// Keys belong to their caller: another founder's same key is a new request.
	g := ta.newFounder("other", "01207")
	ta.do(req{method: http.MethodPost, path: "/v1/match-requests", token: g.Access, body: body, headers: withKey("req-7f3a")}).
		want(http.StatusCreated)
	ta.get("/v1/match-requests", f.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 {
		t.Fatalf("%d match requests after the refused reuse, want 1", len(list.Items))
	}
}

// Ten concurrent sign-ups with one key (from one address) make one account.
func TestIdempotentRegisterRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	email := uniqueEmail("idem")
	body := map[string]any{"email": email, "password": testPassword, "displayName": "再送", "roles": []string{"founder"}}
	rs := ta.sendConcurrently(10, req{method: http.MethodPost, path: "/v1/auth/register", body: body, headers: withKey("signup-1")})
	sameAnswers(t, rs, http.StatusCreated)
	// Without the key the e-mail is taken: the account exists once.
	body["password"] = "not-the-same-passphrase"
	ta.post("/v1/auth/register", "", body).wantProblem(http.StatusConflict, "email_taken")
}

// Ten concurrent RSVPs with one key take one place and answer alike.
func TestIdempotentRSVPRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝", "01207")
	ev := ta.newEvent(org, c.ID, 5, 48*time.Hour)
	f := ta.signUp("goer", "founder")
	rs := ta.sendConcurrently(10, req{method: http.MethodPost, path: "/v1/events/" + ev + "/rsvp", token: f.Access,
		body: map[string]string{"status": "going"}, headers: withKey("rsvp-1")})
	sameAnswers(t, rs, http.StatusOK)
	var e struct {
		Going *int `json:"going"`
	}
	ta.get("/v1/events/"+ev, org.Access).want(http.StatusOK).decode(&e)
	if e.Going == nil || *e.Going != 1 {
		t.Fatalf("going %v, want 1", e.Going)
	}
}

// Retried introductions, accepts and touchpoints create one each.
func TestIdempotentIntroductionAndTouchpointRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("先輩", "01207", "sales")
	m2 := ta.newMentor("もう一人", "01207", "sales")
	f := ta.newFounder("founder", "01207")
	r := ta.openRequest(f, "sales")
	rs := ta.sendConcurrently(10, req{method: http.MethodPost, path: "/v1/match-requests/" + r.Request.ID + "/introductions", token: f.Access,
		body: map[string]any{"mentorId": m.ID}, headers: withKey("intro-1")})
	sameAnswers(t, rs, http.StatusCreated)
	var in introBody
	rs[0].decode(&in)
	// Accepting starts a mentorship: a retried accept answers 200 again, not
	// 409 invalid_transition.
	rs = ta.sendConcurrently(5, req{method: http.MethodPost, path: "/v1/introductions/" + in.ID + "/accept", token: m.Access,
		body: map[string]any{}, headers: withKey("accept-1")})
	sameAnswers(t, rs, http.StatusOK)
	var acc introBody
	rs[0].decode(&acc)

	path := "/v1/mentorships/" + acc.MentorshipID + "/touchpoints"
	rs = ta.sendConcurrently(10, req{method: http.MethodPost, path: path, token: f.Access,
		body: map[string]any{"kind": "call", "durationMinutes": 20}, headers: withKey("call-1")})
	sameAnswers(t, rs, http.StatusCreated)
	var tps struct {
		Items []json.RawMessage `json:"items"`
	}
	ta.get(path, f.Access).want(http.StatusOK).decode(&tps)
	if len(tps.Items) != 1 {
		t.Fatalf("%d touchpoints, want 1", len(tps.Items))
	}
	// The same key on another path is another request: 422, nothing created.
	ta.do(req{method: http.MethodPost, path: "/v1/match-requests/" + r.Request.ID + "/introductions", token: f.Access,
		body: map[string]any{"mentorId": m2.ID}, headers: withKey("call-1")}).wantProblem(http.StatusUnprocessableEntity, "idempotency_key_reuse")
}

// Keys are stored in the database: after a restart the key still replays,
// and after 24 hours it is forgotten and cleaned up by the job.
func TestIdempotencyKeySurvivesRestartAndExpires(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := newFakeClock()
	first := openTestApp(t, dir, clock)
	org := first.organizer("org")
	c := first.newCommunity(org, "十勝", "01207")
	post := req{method: http.MethodPost, path: "/v1/communities/" + c.ID + "/posts", token: org.Access,
		body: map[string]any{"body": "来週の相談会"}, headers: withKey("post-1")}
	created := first.do(post).want(http.StatusCreated)
	first.close()

	second := openTestApp(t, dir, clock)
	again := second.do(post).want(http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, created.Body) {
		t.Fatalf("after restart: replayed=%q %s, want the first answer %s", again.Header.Get("Idempotent-Replayed"), again.Body, created.Body)
	}
	if again.Header.Get("Location") != created.Header.Get("Location") {
		t.Fatalf("Location %q on replay, want %q", again.Header.Get("Location"), created.Header.Get("Location"))
	}

	ctx := context.Background()
	clock.Advance(23 * time.Hour)
	second.relogin(&org) // access tokens last 15 minutes; the caller is the user
	post.token = org.Access
	deleted, err := second.app.idempotency.DeleteExpired(ctx)
	must(t, err)
	if deleted != 0 {
		t.Fatalf("deleted %d keys before 24 hours", deleted)
	}
	second.do(post).want(http.StatusCreated)
	if n, _ := second.app.idempotency.Count(ctx); n == 0 {
		t.Fatal("the key is gone before 24 hours")
	}
	clock.Advance(2 * time.Hour)
	second.relogin(&org)
	post.token = org.Access
	// The cleanup runs as a job, once per slot across instances.
	ran, err := second.app.jobs.RunOnce(ctx, "idempotency-keys", "test", func(ctx context.Context) error {
		deleted, err = second.app.idempotency.DeleteExpired(ctx)
		return err
	})
	must(t, err)
	if !ran || deleted == 0 {
		t.Fatalf("expiry job ran=%v deleted %d, want the expired keys deleted", ran, deleted)
	}
	if n, err := second.app.idempotency.Count(ctx); err != nil || n != 0 {
		t.Fatalf("%d keys left after cleanup (%v)", n, err)
	}
	fresh := second.do(post).want(http.StatusCreated)
	if fresh.Header.Get("Idempotent-Replayed") != "" || bytes.Equal(fresh.Body, created.Body) {
		t.Fatalf("an expired key replayed: %s", fresh.Body)
	}
}

// Bad keys are refused before anything runs; requests without a key are
// not affected.
func TestIdempotencyKeyValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.newFounder("founder", "01207")
	body := map[string]any{"topics": []string{"sales"}, "radiusKm": 50}
	for _, key := range []string{strings.Repeat("k", 256), "tab\tkey", "鍵"} {
		p := ta.do(req{method: http.MethodPost, path: "/v1/match-requests", token: f.Access, body: body, headers: withKey(key)}).
			wantProblem(http.StatusBadRequest, "validation_failed")
		if !p.hasField("Idempotency-Key") {
			t.Fatalf("key %q: %+v", key, p)
		}
	}
	ta.do(req{method: http.MethodPost, path: "/v1/match-requests", token: f.Access, body: body, headers: withKey(strings.Repeat("k", 255))}).want(http.StatusCreated)
	ta.post("/v1/match-requests", f.Access, body).want(http.StatusCreated)
	ta.post("/v1/match-requests", f.Access, body).want(http.StatusCreated)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	ta.get("/v1/match-requests", f.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 3 {
		t.Fatalf("%d requests, want 3", len(list.Items))
	}
}

// A retry while the first request still runs waits for its answer, and gets
// idempotency_in_progress when it does not come within the wait.
func TestIdempotencyInProgress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	svc, err := idempotency.New(ctx, ta.app.db, idempotency.Config{Now: ta.clock.Now, Wait: 50 * time.Millisecond})
	must(t, err)
	fp := idempotency.Fingerprint("POST", "/v1/x", []byte("{}"))
	claim, replay, err := svc.Begin(ctx, "user:a", "k", fp)
	if err != nil || claim == nil || replay != nil {
		t.Fatalf("first Begin: %v %v %v", claim, replay, err)
	}
	if _, _, err := svc.Begin(ctx, "user:a", "k", fp); !errors.Is(err, idempotency.ErrInProgress) {
		t.Fatalf("retry while running: %v, want ErrInProgress", err)
	}
	waiting := make(chan *idempotency.Response, 1)
	patient, err := idempotency.New(ctx, ta.app.db, idempotency.Config{Now: ta.clock.Now, Wait: time.Minute, Poll: time.Millisecond})
	must(t, err)
	go func() {
		_, r, err := patient.Begin(ctx, "user:a", "k", fp)
		if err != nil {
			t.Errorf("waiting Begin: %v", err)
		}
		waiting <- r
	}()
	must(t, svc.Complete(ctx, claim, idempotency.Response{Status: 201, Body: []byte(`{"id":"1"}`)}))
	if r := <-waiting; r == nil || r.Status != 201 || string(r.Body) != `{"id":"1"}` {
		t.Fatalf("the waiting retry got %+v", r)
	}
	// A released key (the first attempt failed on the server) runs again.
	claim, _, err = svc.Begin(ctx, "user:a", "k2", fp)
	must(t, err)
	must(t, svc.Release(ctx, claim))
	if again, _, err := svc.Begin(ctx, "user:a", "k2", fp); err != nil || again == nil {
		t.Fatalf("after release: %v %v", again, err)
	}
	// A claim left by a crashed process is taken over after its lease (by
	// another instance: this one still knows its claim runs).
	ta.clock.Advance(3 * time.Minute)
	if again, _, err := patient.Begin(ctx, "user:a", "k2", fp); err != nil || again == nil {
		t.Fatalf("after the lease: %v %v", again, err)
	}
}

// Every creating POST documents the Idempotency-Key header, 409 and 422.
func TestIdempotencyDocumented(t *testing.T) {
	raw, err := os.ReadFile("../docs/swagger.json")
	must(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	must(t, json.Unmarshal(raw, &doc))
	for _, path := range []string{"/v1/auth/register", "/v1/match-requests", "/v1/match-requests/{id}/introductions",
		"/v1/mentorships/{id}/touchpoints", "/v1/communities", "/v1/communities/{id}/posts", "/v1/communities/{id}/events",
		"/v1/events/{id}/rsvp", "/v1/reports", "/v1/introductions/{id}/accept"} {
		op := doc.Paths[path]["post"]
		found := false
		for _, p := range op.Parameters {
			found = found || (p.Name == "Idempotency-Key" && p.In == "header")
		}
		if !found || op.Responses["409"] == nil || op.Responses["422"] == nil {
			t.Errorf("POST %s: Idempotency-Key documented %v, 409 %v, 422 %v", path, found, op.Responses["409"] != nil, op.Responses["422"] != nil)
		}
	}
}
