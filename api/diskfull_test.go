package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tmpfs mounts a file system of size bytes on a new directory, or skips the
// test saying why (only root can mount). KIZUNA_REQUIRE_TMPFS=1, set by
// .ci/run, turns the skip into a failure: CI runs as root and must run it.
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot mount a tmpfs to simulate a full disk (needs root on Linux): %v %s", err, bytes.TrimSpace(out))
		if os.Getenv("KIZUNA_REQUIRE_TMPFS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the file system is full and returns it.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// Whatever a smaller write can still take, too.
	for _, err := f.Write(chunk[:512]); err == nil; _, err = f.Write(chunk[:512]) {
	}
	return path
}

// On a full disk: a sign-up either completes or its retry does, sign-ins and
// other writes answer 503 storage_unavailable with Retry-After (never 500),
// /readyz answers 503 with the write probe, and all comes back by itself once
// space is freed; every acknowledged write is there after a restart.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	dir := tmpfs(t, 48<<20)
	clock := newFakeClock()
	ta := openTestApp(t, dir, clock)
	ctx := context.Background()
	before := ta.signUp("before", "founder")
	org := ta.organizer("fullorg")
	c := ta.newCommunity(org, "釧路", "01206")

	filler := fillDisk(t, dir)

	// Writes until one is refused; each answer is a success or a 503.
	type signUp struct {
		email string
		ok    bool
	}
	var tried []signUp
	refused := 0
	for i := 0; refused < 3 && i < 200; i++ {
		email := uniqueEmail(fmt.Sprintf("full%d", i))
		res := ta.post("/v1/auth/register", "", map[string]any{
			"email": email, "password": testPassword, "displayName": "満杯", "roles": []string{"founder"},
		})
		switch res.Code {
		case http.StatusCreated:
			tried = append(tried, signUp{email, true})
		case http.StatusServiceUnavailable:
			res.wantProblem(http.StatusServiceUnavailable, "storage_unavailable")
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("503 storage_unavailable without Retry-After")
			}
			tried = append(tried, signUp{email, false})
			refused++
		default:
			t.Fatalf("sign-up on a full disk: %d %s", res.Code, res.Body)
		}
		// A post is a larger write: it fills what a small one leaves.
		if p := ta.post("/v1/communities/"+c.ID+"/posts", org.Access, map[string]any{"body": fmt.Sprint("満杯の日 ", i, " ", strings.Repeat("記", 900))}); p.Code != http.StatusCreated {
			p.wantProblem(http.StatusServiceUnavailable, "storage_unavailable")
		}
	}
	if refused == 0 {
		t.Fatal("no write was refused on a full disk: the test did not fill it")
	}
	if res := ta.post("/v1/auth/login", "", map[string]any{"email": before.Email, "password": testPassword}); res.Code != http.StatusOK {
		res.wantProblem(http.StatusServiceUnavailable, "storage_unavailable")
	}
	_ = ta.app.probeWrites(ctx)
	var status struct{ Status, Reason string }
	ta.get("/readyz", "").want(http.StatusServiceUnavailable).decode(&status)
	if status.Reason != "storage refuses writes: disk full" {
		t.Errorf("readyz reason %q", status.Reason)
	}
	if !bytes.Contains(ta.logBytes(), []byte("disk full")) {
		t.Errorf("the log does not say the disk is full:\n%s", ta.logBytes())
	}

	must(t, os.Remove(filler))
	must(t, ta.app.probeWrites(ctx))
	ta.get("/readyz", "").want(http.StatusOK)
	// A refused sign-up's retry succeeds, whether or not its account was
	// written before the failure.
	for i, s := range tried {
		if s.ok {
			continue
		}
		var out AuthResponseBody
		ta.post("/v1/auth/register", "", map[string]any{
			"email": s.email, "password": testPassword, "displayName": "満杯", "roles": []string{"founder"},
		}).want(http.StatusCreated).decode(&out)
		if out.Tokens.AccessToken == "" {
			t.Fatalf("retried sign-up %s: no tokens", s.email)
		}
		tried[i].ok = true
	}
	ta.close()

	again := openTestApp(t, dir, clock)
	again.login(before.Email, testPassword)
	for _, s := range tried {
		again.login(s.email, testPassword)
	}
}
