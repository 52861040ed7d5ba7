package main

import (
	"encoding/json"
	"sync"
	"time"
)

// payload is the object every load message carries: sender id, sequence number,
// send time (Unix ns, the tool's clock) and padding.
type payload struct {
	I int    `json:"i"`
	S int64  `json:"s"`
	T int64  `json:"t"`
	P string `json:"p,omitempty"`
}

// stream is what one receiver saw from one sender.
type stream struct {
	seen     []bool // seen[s]: sequence number s arrived
	max      int64  // highest sequence number so far (-1 none)
	distinct int64
}

// tracker checks one receiver's deliveries for loss, duplicates and reordering.
// Safe for concurrent use.
type tracker struct {
	mu        sync.Mutex
	streams   map[int]*stream
	dup       int64
	reorder   int64
	foreign   int64 // messages from a sender this receiver must not hear
	bad       int64 // undecodable or malformed payloads
	delivered int64
	lat       []int64 // ns, for messages sent at or after since
	since     int64   // Unix ns; 0 = record all
	allowed   func(sender int) bool
}

func newTracker(allowed func(int) bool) *tracker {
	return &tracker{streams: map[int]*stream{}, allowed: allowed}
}

// add records one delivery of raw (a payload object), received at now.
func (t *tracker) add(raw json.RawMessage, now time.Time) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil || p.S < 0 || p.S > 1<<31 {
		t.mu.Lock()
		t.bad++
		t.mu.Unlock()
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.allowed != nil && !t.allowed(p.I) {
		t.foreign++
		return
	}
	st := t.streams[p.I]
	if st == nil {
		st = &stream{max: -1}
		t.streams[p.I] = st
	}
	for int64(len(st.seen)) <= p.S {
		st.seen = append(st.seen, make([]bool, len(st.seen)+64)...)
	}
	if st.seen[p.S] {
		t.dup++
		return
	}
	st.seen[p.S] = true
	st.distinct++
	if p.S < st.max {
		t.reorder++
	} else {
		st.max = p.S
	}
	t.delivered++
	if p.T >= t.since {
		t.lat = append(t.lat, now.UnixNano()-p.T)
	}
}

// count returns the number of distinct deliveries so far.
func (t *tracker) count() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delivered
}

// lost returns how many of sent[i] messages of each sender i (sequence numbers
// 0..sent[i]-1) never arrived.
func (t *tracker) lost(sent map[int]int64) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for id, s := range sent {
		st := t.streams[id]
		if st == nil {
			n += s
			continue
		}
		for q := int64(0); q < s; q++ {
			if q >= int64(len(st.seen)) || !st.seen[q] {
				n++
			}
		}
	}
	return n
}
