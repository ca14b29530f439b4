// Command check verifies Kizuna's invariants on a data directory after a load
// run, reading the database directly (stop the server first: the embedded
// server's files belong to one process at a time):
//
//   - no two accounts share an e-mail;
//   - no mentor has more active mentorships than places (capacity);
//   - no match request led to two mentorships;
//   - no event has more people going, or more places taken, than it has
//     places; everyone going holds a place, nobody two; nobody waits for a
//     place while one is free.
//
// It prints what it checked and every violation, and exits 1 on any.
//
//	go run ./scripts/load/check -data ./data
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

func main() {
	dataDir := flag.String("data", "./data", "data directory of the embedded server (the server must be stopped)")
	flag.Parse()
	ctx := context.Background()
	db, err := mongodb.Open(ctx, mongodb.Config{Database: "kizuna", DataDir: *dataDir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	violations, err := check(ctx, db)
	if cerr := db.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	for _, v := range violations {
		fmt.Println("VIOLATION:", v)
	}
	fmt.Printf("invariant violations: %d\n", len(violations))
	if len(violations) > 0 {
		os.Exit(1)
	}
}

// all decodes every document of a collection (the embedded server scans
// anyway; these collections are small after a load run).
func all[T any](ctx context.Context, db *mongodb.DB, collection string) ([]T, error) {
	cur, err := db.Collection(collection).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", collection, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", collection, err)
	}
	return out, nil
}

func check(ctx context.Context, db *mongodb.DB) ([]string, error) {
	var violations []string
	report := func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }

	users, err := all[struct {
		ID    bson.ObjectID `bson:"_id"`
		Email string        `bson:"email"`
	}](ctx, db, "users")
	if err != nil {
		return nil, err
	}
	byEmail := map[string]int{}
	for _, u := range users {
		byEmail[strings.ToLower(strings.TrimSpace(u.Email))]++
	}
	for email, n := range byEmail {
		if n > 1 {
			report("%d accounts share the e-mail %s", n, email)
		}
	}

	profiles, err := all[struct {
		UserID   bson.ObjectID `bson:"_id"`
		Capacity int           `bson:"capacity"`
	}](ctx, db, "mentor_profiles")
	if err != nil {
		return nil, err
	}
	mentorships, err := all[struct {
		ID        bson.ObjectID `bson:"_id"`
		RequestID bson.ObjectID `bson:"requestId"`
		MentorID  bson.ObjectID `bson:"mentorId"`
		Status    string        `bson:"status"`
	}](ctx, db, "mentorships")
	if err != nil {
		return nil, err
	}
	active, perRequest := map[bson.ObjectID]int{}, map[bson.ObjectID]int{}
	for _, m := range mentorships {
		if m.Status == "active" {
			active[m.MentorID]++
		}
		perRequest[m.RequestID]++
	}
	full := 0
	for _, p := range profiles {
		switch n := active[p.UserID]; {
		case n > p.Capacity:
			report("mentor %s has %d active mentorships for %d places", p.UserID.Hex(), n, p.Capacity)
		case n == p.Capacity:
			full++
		}
	}
	for req, n := range perRequest {
		if n > 1 {
			report("match request %s led to %d mentorships", req.Hex(), n)
		}
	}

	events, err := all[struct {
		ID       bson.ObjectID `bson:"_id"`
		Title    string        `bson:"title"`
		Capacity int           `bson:"capacity"`
	}](ctx, db, "events")
	if err != nil {
		return nil, err
	}
	rsvps, err := all[struct {
		EventID bson.ObjectID `bson:"eventId"`
		Status  string        `bson:"status"`
	}](ctx, db, "rsvps")
	if err != nil {
		return nil, err
	}
	places, err := all[struct {
		EventID bson.ObjectID `bson:"eventId"`
		UserID  bson.ObjectID `bson:"userId"`
	}](ctx, db, "event_places")
	if err != nil {
		return nil, err
	}
	going, waitlisted, taken := map[bson.ObjectID]int{}, map[bson.ObjectID]int{}, map[bson.ObjectID]int{}
	for _, r := range rsvps {
		switch r.Status {
		case "going":
			going[r.EventID]++
		case "waitlisted":
			waitlisted[r.EventID]++
		}
	}
	holders := map[[2]bson.ObjectID]int{}
	for _, p := range places {
		taken[p.EventID]++
		holders[[2]bson.ObjectID{p.EventID, p.UserID}]++
	}
	for k, n := range holders {
		if n > 1 {
			report("user %s holds %d places at event %s", k[1].Hex(), n, k[0].Hex())
		}
	}
	for _, e := range events {
		g, w, t := going[e.ID], waitlisted[e.ID], taken[e.ID]
		switch {
		case g > e.Capacity || t > e.Capacity:
			report("event %s overbooked: %d going, %d places taken, for %d places", e.ID.Hex(), g, t, e.Capacity)
		case g != t:
			report("event %s: %d going but %d places taken", e.ID.Hex(), g, t)
		case w > 0 && t < e.Capacity:
			report("event %s: %d wait while %d of %d places are free", e.ID.Hex(), w, e.Capacity-t, e.Capacity)
		}
		fmt.Printf("event %s: %3d places, %3d going, %3d waitlisted (%s)\n", e.ID.Hex(), e.Capacity, g, w, e.Title)
	}
	fmt.Printf("checked %d accounts, %d mentors (%d full), %d mentorships, %d events, %d RSVPs\n",
		len(users), len(profiles), full, len(mentorships), len(events), len(rsvps))
	return violations, nil
}
