package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// roomName is the room of client i.
func roomName(i, rooms int) string { return fmt.Sprintf("room-%d", i%rooms) }

// runRooms: -n clients over -rooms rooms; client k < rooms sends to room k.
func runRooms(ctx context.Context, r *runner, rep *report) error {
	K := r.cfg.rooms
	rep.Rooms = K
	since := time.Now().Add(r.cfg.warmup).UnixNano()
	f := &fanout{trackers: make([]*tracker, r.cfg.n)}
	for i := range f.trackers {
		own := i % K
		f.trackers[i] = newTracker(func(s int) bool { return s == own })
		f.trackers[i].since = since
	}
	conns, _, failed, _ := r.connectAll(ctx, r.cfg.n, func(i int) func(string, []json.RawMessage) {
		t, room := f.trackers[i], roomName(i, K)
		return func(ev string, args []json.RawMessage) {
			if ev != "room" && ev != "" {
				return
			}
			var got string
			if len(args) < 2 || json.Unmarshal(args[0], &got) != nil {
				t.mu.Lock()
				t.bad++
				t.mu.Unlock()
				return
			}
			if got != room {
				t.mu.Lock()
				t.foreign++
				t.mu.Unlock()
				return
			}
			t.add(args[1], time.Now())
		}
	})
	defer closeAll(conns)
	rep.Failed = failed
	for k := range K {
		if conns[k] == nil {
			return fmt.Errorf("the sender of %s could not connect", roomName(k, K))
		}
	}
	// Join every room and wait for the acks before anyone sends.
	var wg sync.WaitGroup
	var joinErr atomic.Value
	for i, c := range conns {
		if c == nil {
			continue
		}
		rep.Connected++
		wg.Add(1)
		// Ends with the join ack or -timeout; runRooms waits for it.
		go func() {
			defer wg.Done()
			jctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
			defer cancel()
			room, _ := json.Marshal(roomName(i, K))
			if _, err := c.call(jctx, "join", room); err != nil {
				joinErr.CompareAndSwap(nil, fmt.Errorf("client %d: no ack for join %s (the server must acknowledge join): %w", i, room, err))
			}
		}()
	}
	wg.Wait()
	if err, _ := joinErr.Load().(error); err != nil {
		return err
	}
	sentBy := make([]int64, K)
	var errs atomic.Int64
	var longest time.Duration
	var mu sync.Mutex
	for k := range K {
		wg.Add(1)
		// Ends at -count, -d or ctx; runRooms waits for it.
		go func() {
			defer wg.Done()
			room, _ := json.Marshal(roomName(k, K))
			s, d := r.pace(ctx, func(seq int64) {
				if err := conns[k].emit(ctx, "room", room, r.message(k, seq)); err != nil {
					errs.Add(1)
					r.logf("send", "room %s seq %d: %v", room, seq, err)
				}
			})
			sentBy[k] = s
			mu.Lock()
			longest = max(longest, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	var want int64
	for i, c := range conns {
		if c != nil {
			want += sentBy[i%K]
		}
	}
	for _, s := range sentBy {
		rep.Sent += s
	}
	rep.Errors = errs.Load()
	rep.SentPerS = rate(rep.Sent, longest.Seconds())
	r.drain(ctx, want, f.total)
	f.collect(rep, func(i int) map[int]int64 {
		if conns[i] == nil {
			return nil
		}
		return map[int]int64{i % K: sentBy[i%K]}
	}, longest.Seconds())
	return nil
}
