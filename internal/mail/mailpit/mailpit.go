// Package mailpit runs a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit, pinned at Version) on loopback ports, and reads
// what it received through its HTTP API. The binary is taken from PATH or
// $(go env GOPATH)/bin, and installed once with `go install` when missing, so
// tests never skip for want of it.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/testnet"
)

// Version is the pinned Mailpit.
const Version = "v1.33.1"

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary finds or installs mailpit.
func binary() (string, error) {
	binOnce.Do(func() {
		if p, err := exec.LookPath("mailpit"); err == nil {
			binPath = p
			return
		}
		gopath, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			binErr = fmt.Errorf("go env GOPATH: %w", err)
			return
		}
		p := filepath.Join(strings.TrimSpace(strings.Split(string(gopath), string(os.PathListSeparator))[0]), "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			binPath = p
			return
		}
		out, err := exec.Command("go", "install", "github.com/axllent/mailpit@"+Version).CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go install mailpit@%s: %v\n%s", Version, err, out)
			return
		}
		binPath = p
	})
	return binPath, binErr
}

// Server is a running (or stopped) Mailpit.
type Server struct {
	t        testing.TB
	SMTPAddr string // host:port
	HTTPAddr string
	db       string
	args     []string
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	out      *strings.Builder
}

// Start runs Mailpit on two free loopback ports until the test ends; args
// are more of its flags (e.g. --smtp-allowed-recipients REGEXP, whose
// others get a permanent 550).
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, db: filepath.Join(t.TempDir(), "mailpit.db"), args: args}
	// A port found free can still be taken before Mailpit binds it (by
	// another test's server): Mailpit then exits, or the other answers on
	// it; both are detected, and new ports are tried.
	var err error
	for range 5 {
		s.SMTPAddr, s.HTTPAddr = testnet.FreeAddr(t), testnet.FreeAddr(t)
		if err = s.start(); err == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatal(err)
	return nil
}

// SMTPURL is the KIZUNA_SMTP_URL of this server.
func (s *Server) SMTPURL() string { return "smtp://" + s.SMTPAddr }

// Start restarts a stopped server on its ports and database, and waits
// until it answers.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *Server) start() error {
	bin, err := binary()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	s.out = &strings.Builder{}
	args := append([]string{"--smtp", s.SMTPAddr, "--listen", s.HTTPAddr, "--database", s.db, "--quiet", "--smtp-disable-rdns"}, s.args...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("mailpit on %s/%s exited: %s\n%s", s.SMTPAddr, s.HTTPAddr, cmd.ProcessState, s.out)
		default:
		}
		// Ours when its HTTP API names our database; a port taken by
		// another Mailpit would answer with that one's.
		if s.answers() {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("mailpit on %s/%s did not start within 30s\n%s", s.SMTPAddr, s.HTTPAddr, s.out)
		}
		time.Sleep(20 * time.Millisecond) // polling for the ports to open
	}
}

// answers says whether both ports accept and the HTTP API is this server's.
func (s *Server) answers() bool {
	c, err := net.DialTimeout("tcp", s.SMTPAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.HTTPAddr+"/api/v1/info", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var info struct {
		Database string `json:"Database"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&info) == nil && info.Database == s.db
}

// Stop ends the server (its messages stay in its database for a restart).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
	// Wait until the SMTP port refuses, so senders see it down.
	for range 200 {
		c, err := net.DialTimeout("tcp", s.SMTPAddr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// state says, for a failure message, whether the process still runs and
// what it printed.
func (s *Server) state() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return "mailpit is stopped"
	}
	select {
	case <-s.exited:
		return fmt.Sprintf("mailpit exited (%s):\n%s", s.cmd.ProcessState, s.out)
	default:
		return "mailpit is still running" // its output is still being written
	}
}

// Address is one mailbox of a message.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message as Mailpit lists it.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Snippet   string    `json:"Snippet"`
}

// Messages lists every received message, newest first.
func (s *Server) Messages() []Summary {
	s.t.Helper()
	var all []Summary
	for start := 0; ; {
		var page struct {
			Total    int       `json:"total"`
			Messages []Summary `json:"messages"`
		}
		s.getJSON(fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		all = append(all, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return all
		}
	}
}

// Message is one message in full.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
}

// Get returns one message with its parts.
func (s *Server) Get(id string) Message {
	s.t.Helper()
	var m Message
	s.getJSON("/api/v1/message/"+id, &m)
	return m
}

// Headers returns a message's headers.
func (s *Server) Headers(id string) map[string][]string {
	s.t.Helper()
	h := map[string][]string{}
	s.getJSON("/api/v1/message/"+id+"/headers", &h)
	return h
}

// WaitFor polls until cond holds for the received messages or the wait
// ends (a bounded wait on a condition, not a fixed sleep).
func (s *Server) WaitFor(within time.Duration, cond func([]Summary) bool) []Summary {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		msgs := s.Messages()
		if cond(msgs) {
			return msgs
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("mailpit: condition not met within %s; %d messages", within, len(msgs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) getJSON(path string, v any) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.HTTPAddr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("mailpit %s: %v; %s", path, err, s.state())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("mailpit %s: %s %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.t.Fatalf("mailpit %s: %v: %s", path, err, body)
	}
}
