package testnet

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeAddrBelowEphemeralRange(t *testing.T) {
	low := EphemeralLow()
	for range 50 {
		addr := FreeAddr(t)
		_, p, _ := net.SplitHostPort(addr)
		if port, err := strconv.Atoi(p); err != nil || port < 10000 || port >= low {
			t.Fatalf("FreeAddr() = %s, want a port from 10000 below the ephemeral range from %d", addr, low)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("FreeAddr() = %s, not free: %v", addr, err)
		}
		l.Close()
	}
}
