// Package benchdata writes synthetic mentors straight into the database for
// benchmarks: the documents the accounts and profiles packages read, in their
// own types, without the API (argon2 hashing 10,000 sign-ups would take
// minutes), into the collections those packages name.
//
// Deterministic: the same n gives the same documents, ids and times included
// (ids are numbered, times are Epoch), so two runs seed identical data.
package benchdata

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Epoch is when every seeded account and profile was created and updated.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Kinds of seeded ids, so mentors and founders never share one.
const (
	kindMentor  = 1
	kindFounder = 2
)

// seededID is the i-th id of a kind: Epoch's timestamp (as ObjectIDs made
// then would have), the kind, and i. Ids the API makes (now, with random
// bytes) do not collide with them.
func seededID(kind byte, i int) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[0:4], uint32(Epoch.Unix()))
	id[4] = kind
	binary.BigEndian.PutUint32(id[8:12], uint32(i))
	return id
}

// SeedMentors inserts n mentors with profiles (see Mentors).
func SeedMentors(ctx context.Context, db *mongodb.DB, n int) error {
	users, profs, err := Mentors(n)
	if err != nil {
		return err
	}
	const batch = 1000
	for done := 0; done < n; done += batch {
		end := min(done+batch, n)
		if _, err := db.Collection(accounts.UsersCollection).InsertMany(ctx, users[done:end]); err != nil {
			return err
		}
		if _, err := db.Collection(profiles.MentorProfilesCollection).InsertMany(ctx, profs[done:end]); err != nil {
			return err
		}
	}
	return nil
}

// Index returns an in-memory index of the same n mentors as SeedMentors, for
// benchmarks of ranking without a database.
func Index(n int) (*search.Index, error) {
	users, profs, err := Mentors(n)
	if err != nil {
		return nil, err
	}
	ix := search.New(topics.New())
	for i := range profs {
		ix.Upsert(profiles.IndexEntry(profs[i], users[i]))
	}
	ix.Compact() // as the server's index is after loading
	return ix, nil
}

// Mentors returns n mentors' accounts and profiles: half in Hokkaido (where
// the demo lives), half anywhere in Japan, at municipalities' representative
// points, with 1 to 5 random topics each. Their passwords are unusable.
func Mentors(n int) ([]accounts.User, []profiles.MentorProfile, error) {
	catalog, err := areas.Load()
	if err != nil {
		return nil, nil, err
	}
	hokkaido := catalog.Municipalities("01")
	var japan []areas.Municipality
	for _, p := range catalog.Prefectures() {
		japan = append(japan, catalog.Municipalities(p.Code)...)
	}
	all := topics.New().All()
	r := rand.New(rand.NewPCG(42, 42))
	now := Epoch
	modes := [][]string{{"in_person"}, {"online"}, {"in_person", "online"}, {"in_person", "online", "phone"}, {"online", "phone"}}
	users := make([]accounts.User, 0, n)
	profs := make([]profiles.MentorProfile, 0, n)
	for i := range n {
		id := seededID(kindMentor, i)
		users = append(users, accounts.User{
			ID: id, Email: fmt.Sprintf("bench-mentor-%d@example.jp", i), PasswordHash: "!unusable",
			DisplayName: fmt.Sprintf("メンター%05d", i), Roles: []accounts.Role{accounts.RoleMentor}, Locale: "ja",
			Preferences: accounts.Preferences{Invitations: true, Reminders: true}, CreatedAt: now, UpdatedAt: now, EmailVerified: true,
		})
		m := hokkaido[r.IntN(len(hokkaido))]
		if r.IntN(2) == 0 {
			m = japan[r.IntN(len(japan))]
		}
		ts := map[string]bool{}
		var slugs []string
		for range 1 + r.IntN(5) {
			if s := all[r.IntN(len(all))].Slug; !ts[s] {
				ts[s] = true
				slugs = append(slugs, s)
			}
		}
		profs = append(profs, profiles.MentorProfile{
			UserID: id, Headline: "地域の創業を支えます", Topics: slugs, Tags: []string{}, Industries: []string{},
			Location: profiles.Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: m.Location},
			TravelKm: r.IntN(100), Modes: modes[r.IntN(len(modes))], Languages: []string{"ja"},
			Capacity: 1 + r.IntN(5), AcceptingRequests: r.IntN(10) > 0, YearsExperience: r.IntN(40),
			Stakes: []string{}, Independent: r.IntN(2) == 0, Verified: r.IntN(3) == 0,
			Version: 1, CreatedAt: now, UpdatedAt: now,
		})
	}
	return users, profs, nil
}

// Founders returns n founder accounts, deterministic like Mentors (every other one speaks English, so
// explanations come in both languages). Their passwords are unusable: load
// tests sign their tokens (see accounts.SignAccessToken).
func Founders(n int) []accounts.User {
	now := Epoch
	users := make([]accounts.User, n)
	for i := range users {
		locale := accounts.LocaleJa
		if i%2 == 1 {
			locale = accounts.LocaleEn
		}
		users[i] = accounts.User{
			ID: seededID(kindFounder, i), Email: fmt.Sprintf("bench-founder-%d@example.jp", i), PasswordHash: "!unusable",
			DisplayName: fmt.Sprintf("起業家%03d", i), Roles: []accounts.Role{accounts.RoleFounder}, Locale: locale,
			Preferences: accounts.Preferences{Invitations: true, Reminders: true}, CreatedAt: now, UpdatedAt: now, EmailVerified: true,
		}
	}
	return users
}

// SuggestionQuery is one request of the suggestions mix.
type SuggestionQuery struct {
	Place    areas.Municipality
	RadiusKm int
	Topics   []string
}

// Path is the query as a GET /v1/match-suggestions path.
func (q SuggestionQuery) Path() string {
	path := "/v1/match-suggestions?near=" + q.Place.Code + fmt.Sprintf("&radiusKm=%d", q.RadiusKm)
	for _, t := range q.Topics {
		path += "&topic=" + t
	}
	return path
}

// SuggestionQueries returns n queries, a realistic mix: places drawn from
// places municipalities spread over all of Japan (every k-th in code order),
// one to three random topics, and radii from 10 to 200 km; deterministic for
// a given seed.
func SuggestionQueries(n, places int, seed uint64) ([]SuggestionQuery, error) {
	catalog, err := areas.Load()
	if err != nil {
		return nil, err
	}
	var japan []areas.Municipality
	for _, p := range catalog.Prefectures() {
		japan = append(japan, catalog.Municipalities(p.Code)...)
	}
	step := max(len(japan)/places, 1)
	var spread []areas.Municipality
	for i := 0; i < len(japan) && len(spread) < places; i += step {
		spread = append(spread, japan[i])
	}
	all := topics.New().All()
	radii := []int{10, 20, 30, 50, 50, 80, 100, 150, 200}
	r := rand.New(rand.NewPCG(seed, seed))
	qs := make([]SuggestionQuery, n)
	for i := range qs {
		q := SuggestionQuery{Place: spread[r.IntN(len(spread))], RadiusKm: radii[r.IntN(len(radii))]}
		seen := map[int]bool{}
		for range 1 + r.IntN(3) {
			if t := r.IntN(len(all)); !seen[t] {
				seen[t] = true
				q.Topics = append(q.Topics, all[t].Slug)
			}
		}
		qs[i] = q
	}
	return qs, nil
}

// SuggestionPaths returns the paths of SuggestionQueries(n, places, seed).
func SuggestionPaths(n, places int, seed uint64) ([]string, error) {
	qs, err := SuggestionQueries(n, places, seed)
	if err != nil {
		return nil, err
	}
	paths := make([]string, n)
	for i, q := range qs {
		paths[i] = q.Path()
	}
	return paths, nil
}
