package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Scheduled backups land in KIZUNA_BACKUP_DIR, the oldest beyond
// KIZUNA_BACKUP_KEEP are removed, each is counted in the metrics, and the
// newest restores to a server that knows what was written before it.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	t.Parallel()
	backups := t.TempDir()
	ta := newTestApp(t, func(c *appSetup) { c.BackupDir, c.BackupKeep = backups, 2 })
	ctx := context.Background()
	var people []account
	for i := range 3 {
		people = append(people, ta.signUp("backup"+string(rune('a'+i)), "founder"))
		must(t, ta.app.backup(ctx))
		ta.clock.Advance(time.Hour)
	}
	entries, err := os.ReadDir(backups)
	must(t, err)
	if len(entries) != 2 {
		t.Fatalf("%d backups kept, want 2: %v", len(entries), entries)
	}
	if got := ta.metrics().value(t, "kizuna_backups_total", map[string]string{"result": "ok"}); got != 3 {
		t.Fatalf("kizuna_backups_total{result=ok} = %v, want 3", got)
	}
	newest := backups + "/" + entries[1].Name()
	ta.close()

	dir := t.TempDir()
	secret, err := os.ReadFile(ta.dataDir + "/jwt-secret")
	must(t, err)
	must(t, os.WriteFile(dir+"/jwt-secret", secret, 0o600))
	if _, err := mongodb.Restore(ctx, dir, "kizuna", newest); err != nil {
		t.Fatal(err)
	}
	restored := openTestApp(t, dir, ta.clock)
	for _, p := range people {
		restored.login(p.Email, testPassword)
	}
}
