package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	var in strings.Builder
	in.WriteString(`{"type":"Metric","data":{"name":"http_req_duration"},"metric":"http_req_duration"}` + "\n")
	point := func(sec int, ms float64, op, status string) {
		fmt.Fprintf(&in, `{"type":"Point","metric":"http_req_duration","data":{"time":"2026-12-01T07:00:%02dZ","value":%g,"tags":{"op":%q,"status":%q}}}`+"\n", sec, ms, op, status)
	}
	for i := 1; i <= 100; i++ {
		point(i%11, float64(i), "suggestions", "200")
	}
	point(0, 5, "signin", "200")
	point(10, 7, "signin", "502")
	point(5, 9, "signin", "0")
	point(5, 1, "setup", "200") // not part of the workload
	fmt.Fprintf(&in, `{"type":"Point","metric":"http_reqs","data":{"time":"2026-12-01T07:00:05Z","value":1,"tags":{"op":"signin","status":"500"}}}`+"\n")

	var out strings.Builder
	failed, err := summarize(strings.NewReader(in.String()), &out)
	if err != nil {
		t.Fatal(err)
	}
	if failed != 2 {
		t.Errorf("failed = %d, want 2 (a 502 and a network error)", failed)
	}
	report := strings.Join(strings.Fields(out.String()), " ") // columns, not their padding
	for _, want := range []string{
		"suggestions 100 10.0 50.0 95.0 99.0 200:100",
		"signin 3 0.3 7.0 9.0 9.0 0:1 200:1 502:1",
		"all 103 10.3 49.0 95.0 99.0 0:1 200:101 502:1",
		"over 10.0 s; 5xx and network errors: 2",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "setup") {
		t.Errorf("setup requests reported:\n%s", out.String())
	}
}
