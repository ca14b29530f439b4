package mailpit

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A port another Mailpit holds is not taken for ours: the one started on it
// exits (or would answer with the other's database), and start says so
// instead of handing the test someone else's mailbox.
func TestStartRefusesAPortAnotherServerHolds(t *testing.T) {
	a := Start(t)
	b := &Server{t: t, SMTPAddr: freeAddr(t), HTTPAddr: a.HTTPAddr, db: filepath.Join(t.TempDir(), "mailpit.db")}
	err := b.start()
	if err == nil {
		b.Stop()
		t.Fatal("a Mailpit whose HTTP port another one holds was taken as started")
	}
	if !strings.Contains(err.Error(), "exited") {
		t.Errorf("start: %v, want the exit reported", err)
	}
}

// Ports are chosen below the ephemeral range, where no outgoing
// connection's local port can take them before Mailpit binds them.
func TestFreeAddrBelowEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	for range 50 {
		addr := freeAddr(t)
		_, p, _ := net.SplitHostPort(addr)
		if port, err := strconv.Atoi(p); err != nil || port >= low {
			t.Fatalf("freeAddr() = %s, want a port below the ephemeral range from %d", addr, low)
		}
	}
}
