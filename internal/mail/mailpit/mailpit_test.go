package mailpit

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/testnet"
)

// A port another Mailpit holds is not taken for ours: the one started on it
// exits (or would answer with the other's database), and start says so
// instead of handing the test someone else's mailbox.
func TestStartRefusesAPortAnotherServerHolds(t *testing.T) {
	a := Start(t)
	b := &Server{t: t, SMTPAddr: testnet.FreeAddr(t), HTTPAddr: a.HTTPAddr, db: filepath.Join(t.TempDir(), "mailpit.db")}
	err := b.start()
	if err == nil {
		b.Stop()
		t.Fatal("a Mailpit whose HTTP port another one holds was taken as started")
	}
	if !strings.Contains(err.Error(), "exited") {
		t.Errorf("start: %v, want the exit reported", err)
	}
}
