package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
)

// account is a signed-up test user.
type account struct {
	ID      string
	Email   string
	Access  string
	Refresh string
}

const testPassword = "kizuna-test-passphrase"

var emailSeq atomic.Int64

// uniqueEmail makes e-mails distinct across the tests of one run.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s%d@example.jp", prefix, emailSeq.Add(1))
}

// signUp registers a user with the given roles.
func (ta *testApp) signUp(name string, roles ...string) account {
	ta.t.Helper()
	email := uniqueEmail(name)
	if roles == nil {
		roles = []string{}
	}
	res := ta.post("/v1/auth/register", "", map[string]any{
		"email": email, "password": testPassword, "displayName": name, "roles": roles,
	}).want(http.StatusCreated)
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Tokens struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
		} `json:"tokens"`
	}
	res.decode(&out)
	ta.verifyEmail(out.User.ID, email)
	return account{ID: out.User.ID, Email: email, Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
}

// tokenInLink finds the token of a link (…?token=X) in a mail's text.
var tokenInLink = regexp.MustCompile(`[?&]token=([A-Za-z0-9_%-]+)`)

// linkPaths are the front-end paths of the links each mail carries.
var linkPaths = map[string]string{
	mail.KindVerifyEmail: "/verify-email?token=", mail.KindPasswordReset: "/reset-password?token=",
	mail.KindConfirmEmailChange: "/confirm-email-change?token=", mail.KindEmailChanged: "/revert-email-change?token=",
}

// mailToken returns the token of the newest mail of kind to the user: read
// from Mailpit when the app sends through it (see newMailApp), else from the
// outbox, as the recipient would read it from the mail.
func (ta *testApp) mailToken(userID, email, kind string) string {
	ta.t.Helper()
	if ta.mailpit != nil {
		return ta.mailpitToken(email, kind)
	}
	id, err := bson.ObjectIDFromHex(userID)
	must(ta.t, err)
	msgs, err := ta.app.mail.ForUser(context.Background(), id)
	must(ta.t, err)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Kind == kind {
			m := tokenInLink.FindStringSubmatch(msgs[i].Text)
			if m == nil {
				ta.t.Fatalf("no link token in the %s mail (sent already? its body goes once sent): %q", kind, msgs[i].Text)
			}
			tok, err := url.QueryUnescape(m[1])
			must(ta.t, err)
			return tok
		}
	}
	ta.t.Fatalf("no %s mail for user %s", kind, userID)
	return ""
}

// verifyEmail confirms a new account's address as its owner would: with the
// token of the link mailed at sign-up, through the API.
func (ta *testApp) verifyEmail(userID, email string) {
	ta.t.Helper()
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": ta.mailToken(userID, email, mail.KindVerifyEmail)}).want(http.StatusOK)
}

// login signs an existing user in again.
func (ta *testApp) login(email, password string) account {
	ta.t.Helper()
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Tokens struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
		} `json:"tokens"`
	}
	ta.post("/v1/auth/login", "", map[string]string{"email": email, "password": password}).want(http.StatusOK).decode(&out)
	return account{ID: out.User.ID, Email: email, Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
}

// mentorProfile is a valid mentor profile body; change fields as needed.
func mentorProfile(municipality string, topics ...string) map[string]any {
	if len(topics) == 0 {
		topics = []string{"sales"}
	}
	return map[string]any{
		"headline":          "地域の販路開拓を手伝います",
		"bio":               "道内で20年、食品メーカーの営業をしてきました。",
		"topics":            topics,
		"tags":              []string{"BtoB"},
		"industries":        []string{"食品"},
		"location":          map[string]any{"municipalityCode": municipality},
		"travelKm":          30,
		"modes":             []string{"in_person", "online"},
		"languages":         []string{"ja"},
		"capacity":          2,
		"acceptingRequests": true,
		"yearsExperience":   20,
		"stakes":            []string{},
		"independent":       true,
	}
}

// founderProfile is a valid founder profile body.
func founderProfile(municipality string) map[string]any {
	return map[string]any{
		"companyName":  "十勝チーズ工房",
		"stage":        "seed",
		"industry":     "食品製造",
		"location":     map[string]any{"municipalityCode": municipality},
		"topicsNeeded": []string{"sales", "hiring"},
		"bio":          "帯広でチーズを作っています。",
		"website":      "https://tokachi-cheese.example.jp",
	}
}

// newMentor signs up a mentor with a profile at municipality covering topics.
func (ta *testApp) newMentor(name, municipality string, topics ...string) account {
	ta.t.Helper()
	m := ta.signUp(name, "mentor")
	ta.put("/v1/me/mentor-profile", m.Access, mentorProfile(municipality, topics...)).want(http.StatusCreated)
	return m
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newMailApp starts an app that sends its mail to a fresh Mailpit through
// SMTP, with its mail worker running (woken by every new mail).
func newMailApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	mp := mailpit.Start(t)
	opts = append([]appOption{func(c *appSetup) {
		c.SMTPURL = mp.SMTPURL()
		c.MailFrom = "Kizuna <no-reply@kizuna.example>"
		c.PublicURL = "https://app.kizuna.example"
		c.mailPoll = 100 * time.Millisecond
	}}, opts...)
	ta := newTestApp(t, opts...)
	ta.mailpit = mp
	ta.stopMail = ta.runMailWorker()
	return ta
}

// runMailWorker runs the app's mail worker until the test ends, or until
// the returned function stops it (and waits for it).
func (ta *testApp) runMailWorker() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		poll := ta.app.mailPoll
		if poll <= 0 {
			poll = time.Second
		}
		ta.app.mail.Run(ctx, poll)
	}()
	stop = func() { cancel(); <-done }
	ta.t.Cleanup(stop)
	return stop
}

// mailpitMessage waits for the newest mail to email whose text has a link
// to path (or any mail when path is ""), and returns it.
func (ta *testApp) mailpitMessage(email, contains string) mailpit.Message {
	ta.t.Helper()
	var found mailpit.Message
	ta.mailpit.WaitFor(20*time.Second, func(msgs []mailpit.Summary) bool {
		for _, s := range msgs { // newest first
			if len(s.To) == 0 || !strings.EqualFold(s.To[0].Address, email) {
				continue
			}
			m := ta.mailpit.Get(s.ID)
			if strings.Contains(m.Text, contains) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// mailpitToken is the link token of the newest mail of kind to email.
func (ta *testApp) mailpitToken(email, kind string) string {
	ta.t.Helper()
	m := ta.mailpitMessage(email, linkPaths[kind])
	match := tokenInLink.FindStringSubmatch(m.Text)
	if match == nil {
		ta.t.Fatalf("no token in %q", m.Text)
	}
	tok, err := url.QueryUnescape(match[1])
	must(ta.t, err)
	return tok
}
