// Command benchseed bulk-loads synthetic mentors and founders into a Kizuna
// data directory for scripts/bench (see package benchdata), and writes the
// request mix of the suggestions benchmark.
//
//	go run ./scripts/benchseed -data ./data-bench -mentors 10000 -founders 200
//	KIZUNA_JWT_SECRET=... go run ./scripts/benchseed -data ./data-bench -requests mix.txt
//
// -founders records the seeded founders' ids in the data directory
// (bench-founders.txt). -requests does not touch the database: it signs a
// fresh access token (valid accounts.AccessTokenTTL, 15 minutes) for each of
// those founders with the server's secret and writes -n lines of
// "token path", each founder and place in turn with random topics and radii.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

const foundersFile = "bench-founders.txt"

func main() {
	dataDir := flag.String("data", "./data-bench", "data directory of the embedded server")
	n := flag.Int("mentors", 10000, "how many mentors")
	founders := flag.Int("founders", 0, "how many founders (ids kept in the data directory for -requests)")
	requests := flag.String("requests", "", "write the suggestions request mix to this file instead of seeding")
	lines := flag.Int("n", 4000, "with -requests: how many requests")
	places := flag.Int("places", 200, "with -requests: how many municipalities, spread over Japan")
	secret := flag.String("secret", os.Getenv("KIZUNA_JWT_SECRET"), "with -requests: the server's JWT secret")
	flag.Parse()
	var err error
	if *requests != "" {
		err = writeRequests(*dataDir, *requests, *secret, *lines, *places)
	} else {
		err = seed(*dataDir, *n, *founders)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(1)
	}
}

func seed(dataDir string, mentors, founders int) error {
	ctx := context.Background()
	start := time.Now()
	db, err := mongodb.Open(ctx, mongodb.Config{Database: "kizuna", DataDir: dataDir})
	if err != nil {
		return err
	}
	err = benchdata.SeedMentors(ctx, db, mentors)
	if err == nil && founders > 0 {
		err = seedFounders(ctx, db, dataDir, founders)
	}
	if cerr := db.Close(ctx); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Printf("seeded %d mentors and %d founders in %s\n", mentors, founders, time.Since(start).Round(time.Millisecond))
	}
	return err
}

func seedFounders(ctx context.Context, db *mongodb.DB, dataDir string, n int) error {
	users := benchdata.Founders(n)
	if _, err := db.Collection(accounts.UsersCollection).InsertMany(ctx, users); err != nil {
		return err
	}
	var b strings.Builder
	for _, u := range users {
		b.WriteString(u.ID.Hex() + "\n")
	}
	return os.WriteFile(filepath.Join(dataDir, foundersFile), []byte(b.String()), 0o600)
}

func writeRequests(dataDir, out, secret string, n, places int) error {
	raw, err := os.ReadFile(filepath.Join(dataDir, foundersFile))
	if err != nil {
		return fmt.Errorf("founders: %w (seed with -founders first)", err)
	}
	now := time.Now()
	var tokens []string
	for _, hex := range strings.Fields(string(raw)) {
		id, err := bson.ObjectIDFromHex(hex)
		if err != nil {
			return err
		}
		t, err := accounts.SignAccessToken([]byte(secret), id, []accounts.Role{accounts.RoleFounder}, now)
		if err != nil {
			return err
		}
		tokens = append(tokens, t)
	}
	if len(tokens) == 0 {
		return fmt.Errorf("no founders in %s", foundersFile)
	}
	paths, err := benchdata.SuggestionPaths(n, places, 7)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i, p := range paths {
		fmt.Fprintf(w, "%s %s\n", tokens[i%len(tokens)], p)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
