// Command summary reads k6's JSON output (k6 run --out json=FILE) and prints,
// per operation (the "op" tag of scripts/load/mixed.js): requests,
// throughput, p50/p95/p99 latency and the count of every status. It exits 1
// when any response was a 5xx or a network error (status 0).
//
//	go run ./scripts/load/summary k6.json
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type point struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Time  time.Time         `json:"time"`
		Value float64           `json:"value"`
		Tags  map[string]string `json:"tags"`
	} `json:"data"`
}

type operation struct {
	latencies []float64 // milliseconds
	statuses  map[string]int
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: summary K6_JSON_OUTPUT")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		os.Exit(2)
	}
	defer f.Close()
	failed, err := summarize(f, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Printf("FAIL: %d responses were 5xx or network errors\n", failed)
		os.Exit(1)
	}
}

// summarize writes the report and returns the number of 5xx and network errors.
func summarize(r io.Reader, w io.Writer) (failed int, err error) {
	ops := map[string]*operation{}
	all := &operation{statuses: map[string]int{}}
	var first, last time.Time
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var p point
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return 0, fmt.Errorf("line %q: %w", sc.Text(), err)
		}
		if p.Type != "Point" || p.Metric != "http_req_duration" {
			continue
		}
		name := p.Data.Tags["op"]
		if name == "" || name == "setup" {
			continue // not part of the measured workload
		}
		op := ops[name]
		if op == nil {
			op = &operation{statuses: map[string]int{}}
			ops[name] = op
		}
		status := p.Data.Tags["status"]
		op.latencies = append(op.latencies, p.Data.Value)
		op.statuses[status]++
		all.latencies = append(all.latencies, p.Data.Value)
		all.statuses[status]++
		if code, _ := strconv.Atoi(status); code == 0 || code >= 500 {
			failed++
		}
		if t := p.Data.Time; first.IsZero() || t.Before(first) {
			first = t
		}
		if t := p.Data.Time; t.After(last) {
			last = t
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if len(all.latencies) == 0 {
		return 0, fmt.Errorf("no http_req_duration points with an op tag")
	}
	secs := math.Max(last.Sub(first).Seconds(), 1)
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(ops[names[i]].latencies) > len(ops[names[j]].latencies) })
	fmt.Fprintf(w, "%-20s %9s %9s %9s %9s %9s  %s\n", "operation", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses")
	row := func(name string, op *operation) {
		slices.Sort(op.latencies)
		fmt.Fprintf(w, "%-20s %9d %9.1f %9.1f %9.1f %9.1f  %s\n", name, len(op.latencies), float64(len(op.latencies))/secs,
			quantile(op.latencies, 0.50), quantile(op.latencies, 0.95), quantile(op.latencies, 0.99), statusList(op.statuses))
	}
	for _, n := range names {
		row(n, ops[n])
	}
	row("all", all)
	fmt.Fprintf(w, "over %.1f s; 5xx and network errors: %d\n", secs, failed)
	return failed, nil
}

// quantile of sorted xs, nearest rank.
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(i, 0)]
}

func statusList(m map[string]int) string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s:%d", c, m[c])
	}
	return strings.Join(parts, " ")
}
