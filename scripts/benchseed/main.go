// Command benchseed bulk-loads synthetic mentors into a Kizuna data
// directory for scripts/bench (see package benchdata).
//
//	go run ./scripts/benchseed -data ./data-bench -mentors 10000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

func main() {
	dataDir := flag.String("data", "./data-bench", "data directory of the embedded server")
	n := flag.Int("mentors", 10000, "how many mentors")
	flag.Parse()
	ctx := context.Background()
	start := time.Now()
	db, err := mongodb.Open(ctx, mongodb.Config{Database: "kizuna", DataDir: *dataDir})
	if err == nil {
		err = benchdata.SeedMentors(ctx, db, *n)
		if cerr := db.Close(ctx); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(1)
	}
	fmt.Printf("seeded %d mentors in %s\n", *n, time.Since(start).Round(time.Millisecond))
}
