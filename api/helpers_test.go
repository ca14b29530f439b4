package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
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
	return account{ID: out.User.ID, Email: email, Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
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
