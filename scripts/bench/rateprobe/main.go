// Command rateprobe measures latency at a fixed offered rate (an open loop):
// requests start on a schedule, rate a second, whether or not earlier ones
// have answered, and each latency counts from when its request was due, so a
// stall shows in every request it delayed (no coordinated omission). wrk's
// closed loop measures the other thing: with every connection always busy,
// its latency is the connections divided by the throughput.
//
//	rateprobe -base URL -path /healthz -rate 2000 -d 10s
//	rateprobe -base URL -mix FILE -rate 2000 -d 10s   # FILE: "token path" lines (scripts/benchseed -requests)
//
// It prints one line: requests, failures, p50, p90, p99 and max, in ms. It
// sends to the given base URL only (127.0.0.1 in the reports) and stops by
// itself after the duration.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// target is one request of the rotation.
type target struct{ token, path string }

func main() {
	base := flag.String("base", "http://127.0.0.1:18490", "base URL of the server")
	path := flag.String("path", "/healthz", "path to ask (without -mix)")
	mix := flag.String("mix", "", `file of "token path" lines to rotate over`)
	rate := flag.Int("rate", 1000, "requests a second")
	duration := flag.Duration("d", 10*time.Second, "how long to send")
	conns := flag.Int("c", 64, "most requests in flight (and connections)")
	flag.Parse()
	targets := []target{{path: *path}}
	if *mix != "" {
		var err error
		if targets, err = readMix(*mix); err != nil {
			fmt.Fprintln(os.Stderr, "rateprobe:", err)
			os.Exit(1)
		}
	}
	if *rate <= 0 || *conns <= 0 {
		fmt.Fprintln(os.Stderr, "rateprobe: -rate and -c must be positive")
		os.Exit(2)
	}
	lat, failed := run(strings.TrimRight(*base, "/"), targets, *rate, *duration, *conns)
	fmt.Println(summary(lat, failed))
}

func readMix(file string) ([]target, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []target
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if token, path, ok := strings.Cut(strings.TrimSpace(sc.Text()), " "); ok {
			out = append(out, target{token: token, path: path})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no requests in %s", file)
	}
	return out, sc.Err()
}

// run sends rate requests a second for d over at most conns connections
// and returns each answered request's latency from when it was due, and
// how many failed (an error or a status other than 200).
func run(base string, targets []target, rate int, d time.Duration, conns int) ([]time.Duration, int) {
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
	}
	type job struct {
		due time.Time
		t   target
	}
	jobs := make(chan job, rate) // a second of backlog at most
	var (
		mu     sync.Mutex
		lat    []time.Duration
		failed int
		wg     sync.WaitGroup
	)
	for range conns {
		wg.Go(func() {
			for j := range jobs {
				ok := send(client, base, j.t)
				took := time.Since(j.due)
				mu.Lock()
				if ok {
					lat = append(lat, took)
				} else {
					failed++
				}
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case jobs <- job{due: due, t: targets[i%len(targets)]}:
		default: // more than a second behind: the server is saturated
			mu.Lock()
			failed++
			mu.Unlock()
		}
	}
	close(jobs)
	wg.Wait()
	return lat, failed
}

func send(client *http.Client, base string, t target) bool {
	req, err := http.NewRequest(http.MethodGet, base+t.path, nil)
	if err != nil {
		return false
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

func summary(lat []time.Duration, failed int) string {
	if len(lat) == 0 {
		return fmt.Sprintf("requests 0, failed %d", failed)
	}
	slices.Sort(lat)
	q := func(p float64) string {
		return fmt.Sprintf("%.2f", float64(lat[min(len(lat)-1, int(p*float64(len(lat))))])/1e6)
	}
	return fmt.Sprintf("requests %d, failed %d, p50 %s ms, p90 %s ms, p99 %s ms, max %s ms", len(lat), failed, q(0.50), q(0.90), q(0.99), q(1))
}
