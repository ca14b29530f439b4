// Package testnet chooses loopback ports for servers a test starts later
// (Mailpit, a database that comes up mid-test).
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// FreeAddr is a loopback address nothing listens on, with a port below the
// kernel's ephemeral range: a port from that range (what listening on port 0
// gives) can become an outgoing connection's local port before the server
// binds it, and a dial to it can even connect to itself.
func FreeAddr(t testing.TB) string {
	t.Helper()
	low := EphemeralLow()
	for range 1000 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return addr
	}
	t.Fatalf("no free port between 10000 and %d", low)
	return ""
}

// EphemeralLow is the first port of Linux's ephemeral range (32768 where it
// cannot be read).
func EphemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low <= 11000 {
		return 32768
	}
	return low
}
