package mongodb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFileName is the file in the data directory that the process serving it
// holds an exclusive lock on. Two embedded servers over one directory would
// each keep their own in-memory indexes and write-behind state, so their
// views of the data would drift apart; the lock makes the second one stop.
const lockFileName = "kizuna.lock"

// ErrDataDirInUse says another process holds the data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// dirLock is an exclusive flock on the data directory's lock file. The kernel
// drops it when the process ends however it ends, so a SIGKILLed server
// leaves no stale lock behind; the PID written into the file only serves the
// error message.
type dirLock struct{ f *os.File }

// lockDataDir takes the data directory's lock, or fails at once with
// ErrDataDirInUse naming the directory and the process holding it.
func lockDataDir(dataDir string) (*dirLock, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("mongodb: data directory: %w", err)
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("mongodb: data directory: %w", err)
	}
	path := filepath.Join(abs, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mongodb: lock file: %w", err)
	}
	if err := tryLock(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w: %s is held by %s (another Kizuna server?); stop it, or give this one its own KIZUNA_DATA_DIR", ErrDataDirInUse, abs, holder)
		}
		return nil, fmt.Errorf("mongodb: lock %s: %w", path, err)
	}
	// Only the holder writes its PID, so a reader never sees a half-written one
	// from a second process.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release drops the lock (closing the file releases the flock).
func (l *dirLock) release() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// LockDataDir takes the data directory's lock for a command that must not
// run beside a server (restore); release it with the returned function.
func LockDataDir(dataDir string) (release func(), err error) {
	l, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	return l.release, nil
}
