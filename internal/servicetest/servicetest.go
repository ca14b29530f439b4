// Package servicetest wires the domain services on an embedded server the
// way the API does (api/app.go), for the domain packages' own tests: each
// test gets its own database, a clock it moves by hand, and members signed
// up through accounts. Only tests import it (it imports every domain
// package, so a package's tests use it from package <name>_test).
package servicetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/keepintouch"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mailnotify"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Start is the clock's first reading: a Monday at 09:00 JST.
var Start = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Clock is a clock tests move by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set sets the clock to t (back in time too, for table tests that try
// several moments on the same data).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Env is the services of one test, wired as the API wires them.
type Env struct {
	DB            *mongodb.DB
	Clock         *Clock
	Areas         *areas.Catalog
	Topics        *topics.Taxonomy
	Mentors       *search.Index
	Outbox        *mail.Outbox
	Accounts      *accounts.Service
	Profiles      *profiles.Service
	Notifications *notifications.Service
	Community     *community.Service
	Mentorships   *mentorships.Service
	Moderation    *moderation.Service
	KeepInTouch   *keepintouch.Service

	seq atomic.Int64
}

// Secret signs the access tokens (a second instance on the same database
// needs it too).
var Secret = []byte("servicetest-secret-of-at-least-32-bytes!")

// Options change the wiring where a test needs to.
type Options struct {
	IntroExpiry time.Duration // default: the service's
	LapsedDays  int           // default 90
	// OnCompleted, if set, is told of each call of mentorships'
	// OnCompleted (before the community keeps the pair as alumni).
	OnCompleted func(mentorships.Mentorship)
}

var (
	catalogOnce sync.Once
	catalog     *areas.Catalog
	catalogErr  error
)

// New wires the services on a fresh embedded server.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.LapsedDays == 0 {
		o.LapsedDays = 90
	}
	ctx := context.Background()
	catalogOnce.Do(func() { catalog, catalogErr = areas.Load() })
	if catalogErr != nil {
		t.Fatal(catalogErr)
	}
	e := &Env{DB: mongotest.Open(t), Clock: &Clock{t: Start}, Areas: catalog, Topics: topics.New()}
	now := e.Clock.Now
	e.Mentors = search.New(e.Topics)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var err error
	e.Outbox, err = mail.New(ctx, e.DB, mail.Config{Sender: mail.FileDrop{Dir: t.TempDir()}, From: "kizuna@example.jp", PublicURL: "http://kizuna.test", Now: now})
	must("mail", err)
	var prof *profiles.Service
	var comm *community.Service
	e.Accounts, err = accounts.New(ctx, e.DB, accounts.Config{
		JWTSecret: Secret,
		Mail:      e.Outbox,
		Now:       now,
		OnChange: func(u accounts.User) {
			if prof != nil {
				prof.UserChanged(u)
			}
		},
		OnActivityWritten: func(ctx context.Context, seen map[bson.ObjectID]time.Time) error {
			if comm == nil {
				return errors.New("community not ready")
			}
			return comm.NoteActivity(ctx, seen)
		},
	})
	must("accounts", err)
	prof, err = profiles.New(ctx, e.DB, catalog, e.Topics, e.Accounts, e.Mentors, profiles.Config{Now: now})
	must("profiles", err)
	must("mentor index", prof.LoadIndex(ctx))
	e.Profiles = prof
	e.Notifications, err = notifications.New(ctx, e.DB, notifications.Config{Now: now, Mail: mailnotify.New(e.Outbox, e.Accounts, now).Notification})
	must("notifications", err)
	comm, err = community.New(ctx, e.DB, catalog, e.Accounts, e.Notifications, community.Config{Now: now, LapsedDays: o.LapsedDays})
	must("community", err)
	e.Community = comm
	e.Mentorships, err = mentorships.New(ctx, e.DB, e.Mentors, prof, e.Accounts, e.Notifications, e.Topics, mentorships.Config{
		Now: now, IntroExpiry: o.IntroExpiry,
		OnCompleted: func(ctx context.Context, m mentorships.Mentorship) error {
			if o.OnCompleted != nil {
				o.OnCompleted(m)
			}
			b, ok := prof.Founder(m.FounderID)
			if !ok {
				return nil
			}
			return comm.KeepAlumni(ctx, []bson.ObjectID{m.MentorID, m.FounderID}, b.Location.PrefectureCode, b.Location.MunicipalityCode)
		},
	})
	must("mentorships", err)
	e.Moderation, err = moderation.New(ctx, e.DB, comm, e.Accounts, now)
	must("moderation", err)
	e.KeepInTouch, err = keepintouch.New(ctx, e.DB, e.Mentorships, e.Accounts, comm, prof, e.Mentors, e.Notifications, now)
	must("keep in touch", err)
	must("mentorship stats", e.Mentorships.SyncStats(ctx))
	return e
}

// Member is a signed-up, verified account and the principal it acts as.
type Member struct {
	accounts.User
	P      accounts.Principal
	Tokens accounts.TokenPair
}

// Password is every member's password.
const Password = "kizuna-test-password-2026"

// Member signs up a verified member holding roles (organizer and admin are
// granted after sign-up, as an admin would) and returns them as
// Authenticate sees them.
func (e *Env) Member(t testing.TB, name string, roles ...accounts.Role) Member {
	t.Helper()
	ctx := context.Background()
	n := e.seq.Add(1)
	var own []accounts.Role
	var granted []accounts.Role
	for _, r := range roles {
		if r == accounts.RoleFounder || r == accounts.RoleMentor {
			own = append(own, r)
		} else {
			granted = append(granted, r)
		}
	}
	email := fmt.Sprintf("member%d@example.jp", n)
	u, tokens, err := e.Accounts.Register(ctx, accounts.RegisterInput{Email: email, Password: Password, DisplayName: name, Roles: own, Verified: true})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	for _, r := range granted {
		if u, err = e.Accounts.GrantRoleByEmail(ctx, email, r); err != nil {
			t.Fatalf("grant %s to %s: %v", r, name, err)
		}
	}
	p, err := e.Accounts.Authenticate(ctx, tokens.AccessToken)
	if err != nil {
		t.Fatalf("authenticate %s: %v", name, err)
	}
	return Member{User: u, P: p, Tokens: tokens}
}

// MentorInput is a mentor profile in Sapporo (01101) meeting in every way,
// covering sales and hiring, with capacity places.
func MentorInput(capacity int) profiles.MentorInput {
	return profiles.MentorInput{
		Headline: "食品メーカーで20年、販路開拓を支援", Bio: "札幌を拠点に、道内の食品メーカーの営業と採用を手伝っています。",
		Topics: []string{"sales", "hiring"}, Location: &profiles.LocationInput{MunicipalityCode: "01101"}, TravelKm: 150,
		Modes: []string{"in_person", "online", "phone"}, Languages: []string{"ja"}, Capacity: capacity,
		AcceptingRequests: true, YearsExperience: 20, Independent: true,
	}
}

// Mentor signs up a mentor with the profile of MentorInput(capacity).
func (e *Env) Mentor(t testing.TB, name string, capacity int) Member {
	t.Helper()
	m := e.Member(t, name, accounts.RoleMentor)
	if _, _, err := e.Profiles.PutMentor(context.Background(), m.P, MentorInput(capacity), nil); err != nil {
		t.Fatalf("mentor profile of %s: %v", name, err)
	}
	return m
}

// RequestInput is a founder's request for sales help near Asahikawa (01204).
func RequestInput() mentorships.RequestInput {
	return mentorships.RequestInput{Topics: []string{"sales"}, Location: &profiles.LocationInput{MunicipalityCode: "01204"}, RadiusKm: 200, Modes: []string{"in_person", "online"}}
}

// Request has founder ask for a match (RequestInput).
func (e *Env) Request(t testing.TB, founder Member) mentorships.MatchRequest {
	t.Helper()
	r, _, err := e.Mentorships.CreateRequest(context.Background(), founder.P, RequestInput())
	if err != nil {
		t.Fatalf("match request: %v", err)
	}
	return r
}

// Introduce has founder ask mentor for an introduction on a new request.
func (e *Env) Introduce(t testing.TB, founder, mentor Member) mentorships.Introduction {
	t.Helper()
	r := e.Request(t, founder)
	in, err := e.Mentorships.Introduce(context.Background(), founder.P, r.ID, mentor.ID, "よろしくお願いします")
	if err != nil {
		t.Fatalf("introduce: %v", err)
	}
	return in
}

// Code returns err's machine code ("" for nil, the message for errors
// without one), for comparing with a package's error contract.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return "untyped: " + err.Error()
}

// WantCode fails the test unless err carries code.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := Code(err); got != code {
		t.Fatalf("error %q, want code %q (err: %v)", got, code, err)
	}
}

// Notified reports whether m has a notification of kind.
func (e *Env) Notified(t testing.TB, m Member, kind notifications.Kind) bool {
	t.Helper()
	items, _, err := e.Notifications.List(context.Background(), m.ID, false, notifications.MaxLimit, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range items {
		if n.Kind == kind {
			return true
		}
	}
	return false
}

// Rule is one row of a package's error contract: doing Do answers Code.
type Rule struct {
	Rule string
	Code string
	Do   func() error
}

// CheckRules runs each rule as a subtest named by it.
func CheckRules(t *testing.T, rules []Rule) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.Rule, func(t *testing.T) {
			WantCode(t, r.Do(), r.Code)
		})
	}
}

// Race runs fns at once (each waits for the others to be ready) and returns
// their errors' codes, in order.
func Race(fns ...func() error) []string {
	codes := make([]string, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			<-start
			codes[i] = Code(fn())
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// RaceN runs fn(0) … fn(n-1) at once (see Race).
func RaceN(n int, fn func(i int) error) []string {
	fns := make([]func() error, n)
	for i := range fns {
		fns[i] = func() error { return fn(i) }
	}
	return Race(fns...)
}

// Wins counts the successes among codes, failing the test on any code that
// is neither success nor one of losing.
func Wins(t testing.TB, codes []string, losing ...string) int {
	t.Helper()
	won := 0
	for _, c := range codes {
		switch {
		case c == "":
			won++
		case !slices.Contains(losing, c):
			t.Fatalf("unexpected outcome %q in %q", c, codes)
		}
	}
	return won
}

// Match has founder ask mentor for an introduction on a new request and the
// mentor accept it; it returns the accepted introduction (MentorshipID set).
func (e *Env) Match(t testing.TB, founder, mentor Member) mentorships.Introduction {
	t.Helper()
	in := e.Introduce(t, founder, mentor)
	acc, err := e.Mentorships.Accept(context.Background(), mentor.P, in.ID, "")
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return acc
}
