package main

import (
	"bufio"
	"encoding/json"
	"io"
	"testing"
)

// waitForListening reads run's JSON log until the "listening" line and
// returns its address: the test waits for the event, not for a time.
func waitForListening(t *testing.T, r io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			go func() {
				for sc.Scan() {
				}
			}()
			return line.Addr
		}
	}
	t.Fatalf("server never logged that it was listening: %v", sc.Err())
	return ""
}
