package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupInfo describes a backup that was written.
type BackupInfo struct {
	File  string
	Bytes int64
	Took  time.Duration
}

// databaseFile is where the embedded server keeps database's documents.
func databaseFile(dataDir, database string) string {
	return filepath.Join(dataDir, "db", database+".sqlite")
}

// Backup writes a consistent copy of the embedded database to path, which
// must not exist, while a server may be serving it: SQLite's VACUUM INTO
// reads one snapshot in a read transaction (writers go on, in WAL mode) and
// writes a compact copy. The copy is written beside path first, checked with
// quick_check, synced and then renamed, so path is either a whole, sound
// backup or absent.
func Backup(ctx context.Context, dataDir, database, path string) (BackupInfo, error) {
	start := time.Now()
	src := databaseFile(dataDir, database)
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: no embedded database at %s: %w", src, err)
	}
	if _, err := os.Stat(path); err == nil {
		return BackupInfo{}, fmt.Errorf("backup: %s exists; name a new file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	tmp := path + ".partial"
	_ = os.Remove(tmp) // left by an interrupted backup
	// Not query_only: SQLite counts VACUUM INTO as a write, though it only
	// reads this file.
	db, err := sql.Open("sqlite", sqliteDSN(src, false))
	if err != nil {
		return BackupInfo{}, err
	}
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", tmp)
	db.Close()
	if err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup: VACUUM INTO %s: %w", tmp, err)
	}
	// The copy holds password hashes and personal data: owner only.
	err = os.Chmod(tmp, 0o600)
	if err == nil {
		err = verifyAndSync(ctx, tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(path))
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{File: path, Bytes: st.Size(), Took: time.Since(start)}, nil
}

// verifyAndSync runs quick_check on a standalone SQLite file and syncs it to
// disk: a backup nobody can restore is worse than none, because it is trusted.
func verifyAndSync(ctx context.Context, file string) error {
	c, err := checkFile(ctx, file, "quick_check")
	if err != nil {
		return err
	}
	if len(c.Problems) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrDamaged, file, strings.Join(c.Problems, "; "))
	}
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Restore replaces the embedded database with the backup at path. The server
// must be stopped: Restore takes the data directory's lock and fails with
// ErrDataDirInUse while a server holds it. The backup is checked before
// anything changes; the database it replaces (with its write-ahead log) is
// kept beside it as "<name>.sqlite.before-restore-<time>", so a wrong restore
// can be undone by hand. It returns where the replaced files went ("" when
// there was no database).
func Restore(ctx context.Context, dataDir, database, path string) (kept string, err error) {
	release, err := LockDataDir(dataDir)
	if err != nil {
		return "", err
	}
	defer release()
	if err := verifyAndSync(ctx, path); err != nil {
		return "", fmt.Errorf("restore: the backup cannot be used: %w", err)
	}
	dst := databaseFile(dataDir, database)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", err
	}
	tmp := dst + ".restoring"
	if err := copyFile(path, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		kept = dst + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dst+suffix, kept+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("restore: set the old database aside: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return kept, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable; it is best effort (some file
// systems cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
