// Command scenario writes "a year of a 2,000-member community" at a scale
// factor into a fresh embedded data directory (see package scenario), and
// the manifest the probes read (DIR/scenario.json).
//
//	go run ./scripts/scenario -data ./data-scenario -scale 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/scenario"
)

func main() {
	dataDir := flag.String("data", "./data-scenario", "data directory of the embedded server (must not hold a database yet)")
	scale := flag.Float64("scale", 1, "scale factor: 1 is 2,000 members and a year of their activity")
	seed := flag.Uint64("seed", 1, "random seed")
	batch := flag.Int("batch", 500, "documents per InsertMany")
	database := flag.String("database", "kizuna", "database name (the API's default)")
	flag.Parse()
	if err := run(*dataDir, *database, scenario.Config{Scale: *scale, Seed: *seed, Batch: *batch, Progress: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "scenario:", err)
		os.Exit(1)
	}
}

func run(dir, database string, cfg scenario.Config) error {
	// Generating into existing data would mix two scenarios.
	if _, err := os.Stat(filepath.Join(dir, database+".sqlite")); err == nil {
		return fmt.Errorf("%s already holds a database %q: use a fresh directory", dir, database)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	db, err := mongodb.Open(ctx, mongodb.Config{Database: database, DataDir: dir})
	if err != nil {
		return err
	}
	m, err := scenario.Generate(ctx, db, cfg)
	if cerr := db.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := scenario.WriteManifest(dir, m); err != nil {
		return err
	}
	total := 0
	for _, n := range m.Counts {
		total += n
	}
	fmt.Printf("scale %g: %d documents in %s; manifest %s\n", cfg.Scale, total, time.Since(start).Round(100*time.Millisecond), filepath.Join(dir, scenario.ManifestFile))
	return nil
}
