package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// fanout is the shared part of broadcast and rooms: receivers with trackers.
type fanout struct {
	trackers []*tracker
}

func (f *fanout) total() int64 {
	var n int64
	for _, t := range f.trackers {
		n += t.count()
	}
	return n
}

// collect fills the delivery counts of rep; sent(i) gives, for receiver i, what
// each sender it must hear has sent.
func (f *fanout) collect(rep *report, sent func(i int) map[int]int64, window float64) {
	var lat []int64
	for i, t := range f.trackers {
		t.mu.Lock()
		rep.Dup += t.dup
		rep.Reorder += t.reorder
		rep.Foreign += t.foreign
		rep.Bad += t.bad
		rep.Delivered += t.delivered
		lat = append(lat, t.lat...)
		t.mu.Unlock()
		want := sent(i)
		for _, s := range want {
			rep.Expected += s
		}
		rep.Lost += t.lost(want)
	}
	rep.DeliveredPS = rate(rep.Delivered, window)
	rep.setLatency(lat)
}

// runBroadcast: -n receivers and one sender (which receives too) on `bcast`.
func runBroadcast(ctx context.Context, r *runner, rep *report) error {
	n := r.cfg.n + 1 // connection n is the sender
	since := time.Now().Add(r.cfg.warmup).UnixNano()
	f := &fanout{trackers: make([]*tracker, n)}
	for i := range f.trackers {
		f.trackers[i] = newTracker(func(s int) bool { return s == 0 })
		f.trackers[i].since = since
	}
	conns, _, failed, _ := r.connectAll(ctx, n, func(i int) func(string, []json.RawMessage) {
		t := f.trackers[i]
		return func(ev string, args []json.RawMessage) {
			switch {
			case ev == "bcast" && len(args) > 0:
				t.add(args[0], time.Now())
			case ev == "" || ev == "bcast":
				t.mu.Lock()
				t.bad++
				t.mu.Unlock()
			}
		}
	})
	defer closeAll(conns)
	rep.Failed = failed
	sender := conns[n-1]
	if sender == nil {
		return fmt.Errorf("the sender could not connect")
	}
	for i, c := range conns {
		if c == nil {
			f.trackers[i] = newTracker(nil) // a receiver that never connected expects nothing
		} else {
			rep.Connected++
		}
	}
	var errs int64
	sent, dur := r.pace(ctx, func(seq int64) {
		if err := sender.emit(ctx, "bcast", r.message(0, seq)); err != nil {
			errs++
			r.logf("send", "bcast seq %d: %v", seq, err)
		}
	})
	rep.Sent, rep.Errors = sent, errs
	rep.SentPerS = rate(sent, dur.Seconds())
	r.drain(ctx, sent*rep.Connected, f.total)
	rep.Clients = r.cfg.n
	f.collect(rep, func(i int) map[int]int64 {
		if conns[i] == nil {
			return nil
		}
		return map[int]int64{0: sent}
	}, dur.Seconds())
	return nil
}
