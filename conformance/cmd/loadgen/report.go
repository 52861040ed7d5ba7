package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// report is the one JSON line a run prints. Counts that do not apply to a scenario
// are left out.
type report struct {
	Scenario    string   `json:"scenario"`
	OK          bool     `json:"ok"`
	Failures    []string `json:"failures,omitempty"`
	Clients     int      `json:"clients"`
	Rooms       int      `json:"rooms,omitempty"`
	ElapsedS    float64  `json:"elapsed_s"`
	Connected   int64    `json:"connected"`
	Failed      int64    `json:"failed_connects"`
	ConnectRate float64  `json:"connect_rate,omitempty"`
	ConnP50     float64  `json:"connect_p50_ms,omitempty"`
	ConnP99     float64  `json:"connect_p99_ms,omitempty"`

	Sent        int64   `json:"sent,omitempty"`
	SentPerS    float64 `json:"sent_per_s,omitempty"`
	Expected    int64   `json:"expected,omitempty"`
	Delivered   int64   `json:"delivered,omitempty"`
	DeliveredPS float64 `json:"delivered_per_s,omitempty"`
	Acks        int64   `json:"acks,omitempty"`
	AcksPerS    float64 `json:"acks_per_s,omitempty"`
	LatP50      float64 `json:"lat_p50_ms,omitempty"`
	LatP90      float64 `json:"lat_p90_ms,omitempty"`
	LatP99      float64 `json:"lat_p99_ms,omitempty"`
	LatP999     float64 `json:"lat_p999_ms,omitempty"`
	LatMax      float64 `json:"lat_max_ms,omitempty"`

	Lost    int64 `json:"lost"`
	Dup     int64 `json:"duplicates"`
	Reorder int64 `json:"reordered"`
	Foreign int64 `json:"foreign"`
	Bad     int64 `json:"bad_packets"`
	Errors  int64 `json:"send_errors"`

	RSSBeforeKB int64   `json:"server_rss_before_kb,omitempty"`
	RSSAfterKB  int64   `json:"server_rss_after_kb,omitempty"`
	CPUS        float64 `json:"server_cpu_s,omitempty"`
	CPUPct      float64 `json:"server_cpu_pct,omitempty"`
}

// setLatency fills the latency percentiles from ns samples (sorted in place).
func (r *report) setLatency(ns []int64) {
	if len(ns) == 0 {
		return
	}
	slices.Sort(ns)
	r.LatP50 = pctMS(ns, 0.50)
	r.LatP90 = pctMS(ns, 0.90)
	r.LatP99 = pctMS(ns, 0.99)
	r.LatP999 = pctMS(ns, 0.999)
	r.LatMax = ms(ns[len(ns)-1])
}

// pctMS is the nearest-rank percentile of sorted ns samples, in ms.
func pctMS(sorted []int64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return ms(sorted[i])
}

func ms(ns int64) float64 { return math.Round(float64(ns)/1e3) / 1e3 }

func rate(n int64, s float64) float64 {
	if s <= 0 {
		return 0
	}
	return math.Round(float64(n)/s*10) / 10
}

// judge sets OK and Failures from the counts: any loss, duplicate, reordering,
// misrouted or malformed message, or failed connection fails the run.
func (r *report) judge() {
	add := func(n int64, what string) {
		if n > 0 {
			r.Failures = append(r.Failures, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(r.Failed, "failed connections")
	add(r.Lost, "lost messages")
	add(r.Dup, "duplicate messages")
	add(r.Reorder, "reordered messages")
	add(r.Foreign, "messages from another room")
	add(r.Bad, "malformed packets")
	add(r.Errors, "send errors")
	r.OK = len(r.Failures) == 0
}

func (r *report) write(stdout, stderr io.Writer) {
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	if !r.OK {
		fmt.Fprintf(stderr, "loadgen: %s FAILED: %s\n", r.Scenario, strings.Join(r.Failures, ", "))
	}
}
