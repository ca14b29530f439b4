package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// ErrDamaged says an embedded database file failed SQLite's integrity check.
var ErrDamaged = errors.New("embedded database is damaged")

// FileCheck is SQLite's verdict on one database file.
type FileCheck struct {
	File     string        // the SQLite file
	Problems []string      // what SQLite reported; empty when the file is sound
	Took     time.Duration // how long the check ran
}

// maxProblems bounds what a check collects: a badly damaged file reports
// every page, and the first few say enough.
const maxProblems = 20

// CheckIntegrity runs SQLite's integrity_check (full) or quick_check (which
// skips verifying that indexes match their tables, in O(N) rather than
// O(N log N)) on every database file of the embedded server in dataDir. It
// only reads, so it may run beside a server.
func CheckIntegrity(ctx context.Context, dataDir string, full bool) ([]FileCheck, error) {
	files, err := filepath.Glob(filepath.Join(dataDir, "db", "*.sqlite"))
	if err != nil {
		return nil, err
	}
	pragma := "quick_check"
	if full {
		pragma = "integrity_check"
	}
	out := make([]FileCheck, 0, len(files))
	for _, file := range files {
		c, err := checkFile(ctx, file, pragma)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

func checkFile(ctx context.Context, file, pragma string) (FileCheck, error) {
	start := time.Now()
	c := FileCheck{File: file}
	db, err := sql.Open("sqlite", sqliteDSN(file, true))
	if err != nil {
		return c, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, fmt.Sprintf("PRAGMA %s(%d)", pragma, maxProblems))
	if err != nil {
		// A file too damaged to open as a database at all ("file is not a
		// database", "database disk image is malformed") is damage, not an
		// I/O failure of the check.
		if isCorrupt(err) {
			c.Problems = []string{err.Error()}
			c.Took = time.Since(start)
			return c, nil
		}
		return c, fmt.Errorf("mongodb: %s %s: %w", pragma, file, err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return c, err
		}
		if line != "ok" {
			c.Problems = append(c.Problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		if !isCorrupt(err) {
			return c, fmt.Errorf("mongodb: %s %s: %w", pragma, file, err)
		}
		c.Problems = append(c.Problems, err.Error())
	}
	c.Took = time.Since(start)
	return c, nil
}

// isCorrupt reports whether err is SQLite saying the file is not a sound
// database (SQLITE_CORRUPT or SQLITE_NOTADB).
func isCorrupt(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "malformed") || strings.Contains(msg, "not a database") ||
		strings.Contains(msg, "SQLITE_CORRUPT") || strings.Contains(msg, "SQLITE_NOTADB")
}

// quickCheck runs before the embedded server opens dir's files: a damaged
// file stops the start with what SQLite found and how to recover.
func quickCheck(dir string, logger *slog.Logger) error {
	checks, err := CheckIntegrity(context.Background(), filepath.Dir(dir), false)
	if err != nil {
		return err
	}
	for _, c := range checks {
		logger.Info("embedded database checked", "file", c.File, "check", "quick_check", "took", c.Took.String(), "ok", len(c.Problems) == 0)
		if len(c.Problems) > 0 {
			return fmt.Errorf("%w: SQLite's quick_check of %s found:\n  %s\n"+
				"Kizuna will not serve from it. Restore the latest backup with `kizuna restore BACKUP_FILE` "+
				"(see the README, \"Backups\"), or move the data directory aside to start empty; "+
				"`kizuna -check` runs the full integrity_check",
				ErrDamaged, c.File, strings.Join(c.Problems, "\n  "))
		}
	}
	return nil
}
