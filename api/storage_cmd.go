package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// checkCommand runs SQLite's full integrity_check on the embedded database
// (it may run beside a server) and fails when any file is damaged.
func checkCommand(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.MongoURI != "" {
		return errors.New("-check examines the embedded database; MONGODB_URI is set (use MongoDB's validate command)")
	}
	checks, err := mongodb.CheckIntegrity(ctx, cfg.DataDir, true)
	if err != nil {
		return err
	}
	if len(checks) == 0 {
		fmt.Fprintf(out, "no embedded database in %s\n", cfg.DataDir)
		return nil
	}
	damaged := 0
	for _, c := range checks {
		if len(c.Problems) == 0 {
			fmt.Fprintf(out, "%s: ok (integrity_check, %s)\n", c.File, c.Took.Round(1e6))
			continue
		}
		damaged++
		fmt.Fprintf(out, "%s: DAMAGED (integrity_check, %s):\n  %s\n", c.File, c.Took.Round(1e6), strings.Join(c.Problems, "\n  "))
	}
	if damaged > 0 {
		return fmt.Errorf("%w: restore the latest backup (kizuna restore FILE)", mongodb.ErrDamaged)
	}
	return nil
}

// storageCommand runs `backup FILE` or `restore FILE` on the embedded
// database in KIZUNA_DATA_DIR.
func storageCommand(ctx context.Context, cfg config, cmd string, args []string, out io.Writer) error {
	if cmd != "backup" && cmd != "restore" {
		return fmt.Errorf("unknown command %q (backup FILE or restore FILE)", cmd)
	}
	if len(args) != 1 {
		return fmt.Errorf("usage: kizuna %s FILE", cmd)
	}
	if cfg.MongoURI != "" {
		return fmt.Errorf("%s is for the embedded database; on MongoDB use mongodump/mongorestore (see the README)", cmd)
	}
	if cmd == "backup" {
		info, err := mongodb.Backup(ctx, cfg.DataDir, cfg.Database, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "backup written: %s (%d bytes, %s)\n", info.File, info.Bytes, info.Took.Round(1e6))
		return nil
	}
	kept, err := mongodb.Restore(ctx, cfg.DataDir, cfg.Database, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s into %s\n", args[0], cfg.DataDir)
	if kept != "" {
		fmt.Fprintf(out, "the database it replaced is kept as %s\n", kept)
	}
	return nil
}
