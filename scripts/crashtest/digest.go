package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The monthly digest run (`kizuna digest run`) killed part way: whatever the
// kill interrupts (recording the digests, delivering them), running it again
// must give every lapsed member of the demo exactly the one digest an
// uninterrupted run gives, and a third run nothing more.

// digestRecorded is the log line `kizuna digest run` writes once every digest
// of the month is recorded in the outbox, before delivery starts.
const digestRecorded = `"msg":"lapsed-member digest"`

// digestRounds seeds the demo (which has lapsed members) once, takes an
// uninterrupted run on a copy as the reference, then kills runs on fresh
// copies at chosen moments and checks each copy after a run to the end.
func (t *tester) digestRounds(rng *rand.Rand) error {
	root := filepath.Join(filepath.Dir(t.dataDir), "digest")
	seed := filepath.Join(root, "seed")
	if err := t.seedDemo(seed); err != nil {
		return fmt.Errorf("seed the demo: %w", err)
	}
	ref := filepath.Join(root, "reference")
	if err := copyDir(seed, ref); err != nil {
		return err
	}
	run, err := t.startDigest(ref)
	if err != nil {
		return err
	}
	if !run.waitLog(digestRecorded) {
		return fmt.Errorf("reference digest run: ended (%v) without %s: %s", run.wait(), digestRecorded, run.output())
	}
	recorded := time.Since(run.started)
	if err := run.wait(); err != nil {
		return fmt.Errorf("reference digest run: %w: %s", err, run.output())
	}
	took := time.Since(run.started)
	want, err := digests(ref)
	if err != nil {
		return err
	}
	if len(want) == 0 {
		return errors.New("the reference digest run on the demo sent no digest (the demo seeds lapsed members)")
	}
	for to, n := range want {
		if n != 1 {
			return fmt.Errorf("the uninterrupted reference run sent %s %d digests", to, n)
		}
	}
	recipients := slices.Sorted(maps.Keys(want))

	type killPoint struct {
		name string
		at   func(run *digestRun) bool // blocks until the moment, false if the run ended first
	}
	points := []killPoint{
		{"once every digest is recorded, as delivery starts", func(r *digestRun) bool { return r.waitLog(digestRecorded) }},
		{"as the first digest is written", func(r *digestRun) bool { return r.waitMail() }},
	}
	// Random moments around the work itself: as long before the digests
	// were all recorded as delivering them took after (earlier, the run
	// starts the embedded server and loads the index).
	from := max(0, recorded-(took-recorded))
	for range 3 {
		after := from + time.Duration(rng.Int64N(int64(took-from)+1))
		points = append(points, killPoint{fmt.Sprintf("after %v", after.Round(time.Millisecond)), func(r *digestRun) bool { return r.waitFor(after) }})
	}
	for i, p := range points {
		dir := filepath.Join(root, fmt.Sprintf("kill-%d", i+1))
		if err := copyDir(seed, dir); err != nil {
			return err
		}
		run, err := t.startDigest(dir)
		if err != nil {
			return err
		}
		killed := p.at(run)
		run.kill()
		phase := "before the digests were all recorded"
		if strings.Contains(run.output(), digestRecorded) {
			phase = "with every digest recorded"
		}
		atKill, err := digests(dir)
		if err != nil {
			return err
		}
		if out, err := t.command(dir, "digest", "run"); err != nil {
			return fmt.Errorf("digest run after a kill %s: %w: %s", p.name, err, out)
		}
		if err := sameDigests(dir, want); err != nil {
			return fmt.Errorf("digest run killed %s, then run again: %w", p.name, err)
		}
		if out, err := t.command(dir, "digest", "run"); err != nil {
			return fmt.Errorf("third digest run: %w: %s", err, out)
		}
		if err := sameDigests(dir, want); err != nil {
			return fmt.Errorf("digest run killed %s, then run twice: %w", p.name, err)
		}
		what := "killed " + p.name
		if !killed {
			what = "ended before the kill " + p.name
		}
		fmt.Printf("digest round %d: the run %s (%s, %d of %d written); run again (and once more): each of the %d lapsed members has exactly one digest\n",
			i+1, what, phase, len(atKill), len(recipients), len(recipients))
	}
	fmt.Printf("digest rounds passed: %d members get one digest each (%s, ...) whatever the kill interrupts; an uninterrupted run took %v (every digest recorded at %v)\n",
		len(recipients), strings.Join(recipients[:min(2, len(recipients))], ", "), took.Round(time.Millisecond), recorded.Round(time.Millisecond))
	return nil
}

// seedDemo starts the server with the demo data on a fresh directory, waits
// until it is ready and stops it (SIGTERM: the digest run needs the database
// to itself).
func (t *tester) seedDemo(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := t.startOn(dir, "KIZUNA_DEMO=1"); err != nil {
		t.kill()
		return err
	}
	_ = t.server.Process.Signal(syscall.SIGTERM)
	err := t.server.Wait()
	t.server = nil
	t.http.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("the demo server's shutdown: %w", err)
	}
	return nil
}

// digestRun is a `kizuna digest run` in progress.
type digestRun struct {
	cmd     *exec.Cmd
	dir     string
	started time.Time
	done    chan struct{} // closed when the process has exited
	err     error         // how it exited, once done is closed
	mu      sync.Mutex
	log     strings.Builder
}

func (t *tester) startDigest(dir string) (*digestRun, error) {
	r := &digestRun{dir: dir, done: make(chan struct{})}
	r.cmd = exec.Command(t.bin, "digest", "run")
	r.cmd.Env = append(t.env(), "KIZUNA_DATA_DIR="+dir)
	pipe, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	r.cmd.Stderr = r.cmd.Stdout
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	r.started = time.Now()
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			r.mu.Lock()
			r.log.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, pipe)
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	return r, nil
}

// poll calls cond every millisecond until it holds (true) or the run has
// ended (false).
func (r *digestRun) poll(cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-r.done:
			return cond()
		case <-time.After(time.Millisecond):
		}
	}
}

func (r *digestRun) waitLog(line string) bool {
	return r.poll(func() bool { return strings.Contains(r.output(), line) })
}

func (r *digestRun) waitMail() bool {
	return r.poll(func() bool {
		files, _ := filepath.Glob(filepath.Join(r.dir, "mail", "*.eml"))
		for _, f := range files {
			if raw, err := os.ReadFile(f); err == nil && bytes.Contains(raw, []byte("digest/answer")) {
				return true
			}
		}
		return false
	})
}

func (r *digestRun) waitFor(after time.Duration) bool {
	return r.poll(func() bool { return time.Since(r.started) >= after })
}

// wait waits for the run to end and returns how it exited.
func (r *digestRun) wait() error {
	<-r.done
	return r.err
}

// output is what the run has printed so far.
func (r *digestRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}

// kill ends the run with SIGKILL (if it is still running) and waits for it.
func (r *digestRun) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// digests counts the digest mails written in a data directory, by recipient
// (a digest carries its answer links; one file per Message-ID).
func digests(dir string) (map[string]int, error) {
	mails, err := readMailDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, m := range mails {
		if strings.Contains(m.text, "/digest/answer?token=") {
			out[m.to]++
		}
	}
	return out, nil
}

// sameDigests checks that dir's digests went to the reference's recipients,
// one each.
func sameDigests(dir string, want map[string]int) error {
	got, err := digests(dir)
	if err != nil {
		return err
	}
	var wrong []string
	for to := range want {
		if got[to] != 1 {
			wrong = append(wrong, fmt.Sprintf("%s received %d", to, got[to]))
		}
	}
	for to, n := range got {
		if _, ok := want[to]; !ok {
			wrong = append(wrong, fmt.Sprintf("%s (not lapsed in the reference run) received %d", to, n))
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		return fmt.Errorf("%d of %d members' digests wrong: %s", len(wrong), len(want), strings.Join(wrong[:min(3, len(wrong))], "; "))
	}
	return nil
}

// copyDir copies a stopped server's data directory.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, raw, 0o600)
	})
}
