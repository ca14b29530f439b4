package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

func open(t *testing.T, dir string) *mongodb.DB {
	t.Helper()
	db, err := mongodb.Open(context.Background(), mongodb.Config{Database: "kizuna", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func closeDB(t *testing.T, db *mongodb.DB) {
	t.Helper()
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A second server on a data directory in use stops at once and names the
// directory and the process holding it; once the first closes, it starts.
func TestSecondServerOnADataDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := open(t, dir)
	_, err := mongodb.Open(context.Background(), mongodb.Config{Database: "kizuna", DataDir: dir})
	if !errors.Is(err, mongodb.ErrDataDirInUse) {
		t.Fatalf("second open: %v, want ErrDataDirInUse", err)
	}
	abs, _ := filepath.Abs(dir)
	for _, want := range []string{abs, "process " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err, want)
		}
	}
	closeDB(t, first)
	closeDB(t, open(t, dir))
}

// The helper process of TestKilledServersLockDoesNotBlock: it opens the data
// directory, says so, and waits to be killed.
func TestHoldDataDirHelper(t *testing.T) {
	dir := os.Getenv("KIZUNA_TEST_HOLD_DIR")
	if dir == "" {
		return // only as a child of the test below
	}
	open(t, dir)
	fmt.Println("holding")
	select {}
}

// A server killed with SIGKILL leaves its lock file behind but not its lock:
// the next server starts on the directory.
func TestKilledServersLockDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldDataDirHelper$")
	cmd.Env = append(os.Environ(), "KIZUNA_TEST_HOLD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf) // blocks until the child holds the directory
	if !strings.Contains(string(buf[:n]), "holding") {
		t.Fatalf("helper said %q", buf[:n])
	}
	if _, err := mongodb.Open(context.Background(), mongodb.Config{Database: "kizuna", DataDir: dir}); !errors.Is(err, mongodb.ErrDataDirInUse) {
		t.Fatalf("open beside a live holder: %v, want ErrDataDirInUse", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, "kizuna.lock")); err != nil {
		t.Fatalf("the killed server's lock file: %v", err)
	}
	closeDB(t, open(t, dir))
}

// damage writes random bytes over two pages in the middle of the database.
func damage(t *testing.T, dir string) {
	t.Helper()
	file := filepath.Join(dir, "db", "kizuna.sqlite")
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	junk := make([]byte, 2*page)
	for i := range junk {
		junk[i] = byte(i*7919 + 13)
	}
	if _, err := f.WriteAt(junk, (st.Size()/page/2)*page); err != nil {
		t.Fatal(err)
	}
}

// fill writes n documents with a few indexes, so the database spans pages.
func fill(t *testing.T, db *mongodb.DB, n int) {
	t.Helper()
	ctx := context.Background()
	c := db.Collection("people")
	if err := c.EnsureIndexes(ctx, mongodb.Index("city", "age")); err != nil {
		t.Fatal(err)
	}
	docs := make([]any, n)
	for i := range docs {
		docs[i] = bson.M{"i": i, "city": fmt.Sprintf("city-%d", i%17), "age": i % 90, "bio": strings.Repeat("道", 40)}
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
}

// A database with damaged pages is refused at start with what SQLite found
// and how to restore; the full check reports it too.
func TestDamagedDatabaseIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	fill(t, db, 2000)
	closeDB(t, db)
	damage(t, dir)

	// The check runs beside the start: Open may succeed, Checked may not.
	damaged, err := mongodb.Open(context.Background(), mongodb.Config{Database: "kizuna", DataDir: dir})
	if err == nil {
		err = damaged.Checked(context.Background())
		closeDB(t, damaged)
	}
	if !errors.Is(err, mongodb.ErrDamaged) {
		t.Fatalf("open of a damaged database: %v, want ErrDamaged", err)
	}
	for _, want := range []string{"kizuna.sqlite", "quick_check", "kizuna restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	checks, err := mongodb.CheckIntegrity(context.Background(), dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || len(checks[0].Problems) == 0 {
		t.Fatalf("integrity_check: %+v, want problems", checks)
	}
	// The refused start left the directory free for a restore.
	release, err := mongodb.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// A backup taken while writes go on is a sound, consistent database: restored
// onto a stopped server it holds every write acknowledged before the backup
// began, and each document whole. Restore refuses while a server holds the
// directory, and keeps the database it replaces.
func TestBackupUnderWritesRestores(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := open(t, dir)
	fill(t, db, 500)
	c := db.Collection("people")

	var written atomic.Int64
	stop, writing := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.InsertOne(ctx, bson.M{"i": 10000 + i, "city": "late", "age": 1}); err != nil {
				t.Error(err)
				return
			}
			if written.Add(1) == 20 {
				close(writing)
			}
		}
	})
	<-writing
	before := 500 + written.Load()
	backup := filepath.Join(t.TempDir(), "kizuna-backup.sqlite")
	info, err := mongodb.Backup(ctx, dir, "kizuna", backup)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes == 0 {
		t.Fatal("empty backup")
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v, want mode 0600", st, err)
	}
	if _, err := mongodb.Backup(ctx, dir, "kizuna", backup); err == nil {
		t.Fatal("a backup over an existing file succeeded")
	}
	if _, err := mongodb.Restore(ctx, dir, "kizuna", backup); !errors.Is(err, mongodb.ErrDataDirInUse) {
		t.Fatalf("restore beside a server: %v, want ErrDataDirInUse", err)
	}
	total := 500 + written.Load()
	closeDB(t, db)

	kept, err := mongodb.Restore(ctx, dir, "kizuna", backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("the replaced database was not kept: %v", err)
	}
	db = open(t, dir)
	defer closeDB(t, db)
	n, err := db.Collection("people").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if n < before || n > total {
		t.Fatalf("restored %d documents, want between %d (acknowledged before the backup) and %d", n, before, total)
	}
	var doc struct {
		City string `bson:"city"`
		Bio  string `bson:"bio"`
	}
	if err := db.Collection("people").FindOne(ctx, bson.M{"i": 7}).Decode(&doc); err != nil || doc.City != "city-7" || doc.Bio == "" {
		t.Fatalf("restored document: %+v, %v", doc, err)
	}
}
