package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runEcho runs -n closed loops of echo calls with an ack.
func runEcho(ctx context.Context, r *runner, rep *report) error {
	conns, _, failed, _ := r.connectAll(ctx, r.cfg.n, func(int) func(string, []json.RawMessage) {
		return func(string, []json.RawMessage) {}
	})
	defer closeAll(conns)
	rep.Failed = failed
	echoLoops(ctx, r, rep, conns)
	return nil
}

// echoCaller is one client of the echo scenario, over either transport.
type echoCaller interface {
	comparable
	call(ctx context.Context, event string, args ...[]byte) ([]json.RawMessage, error)
	strayAcks() int64 // acks for an id not waited on (answered twice, or after -timeout)
}

func (c *conn) strayAcks() int64     { return c.acks.stray.Load() }
func (c *pollConn) strayAcks() int64 { return c.acks.stray.Load() }

// echoLoops runs one closed loop of echo calls with an ack per connected client (nil
// entries failed to connect) until -count calls, -d or ctx, and fills rep. Every ack must
// carry the call's own sender id and sequence number (else bad), arrive within -timeout
// (else lost) and arrive once (else a stray ack, counted as duplicate).
func echoLoops[C echoCaller](ctx context.Context, r *runner, rep *report, conns []C) {
	var none C
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		lat              []int64
		sent, acks, lost atomic.Int64
		bad, errs        atomic.Int64
	)
	since := time.Now().Add(r.cfg.warmup)
	var stop <-chan time.Time
	if r.cfg.d > 0 {
		t := time.NewTimer(r.cfg.d)
		defer t.Stop()
		stop = t.C
	}
	stopped := make(chan struct{})
	for i, c := range conns {
		if c == none {
			continue
		}
		rep.Connected++
		wg.Add(1)
		// Ends at -count calls, when stopped closes, or ctx ends; echoLoops waits for it.
		go func() {
			defer wg.Done()
			var mine []int64
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for seq := int64(0); r.cfg.count <= 0 || seq < r.cfg.count; seq++ {
				select {
				case <-stopped:
					return
				case <-ctx.Done():
					return
				default:
				}
				t0 := time.Now()
				cctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
				sent.Add(1)
				args, err := c.call(cctx, "echo", r.message(i, seq))
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						sent.Add(-1)
						return
					}
					lost.Add(1)
					r.logf("echo", "client %d seq %d: no ack: %v", i, seq, err)
					if err == errClosed {
						errs.Add(1)
						return
					}
					continue
				}
				now := time.Now()
				acks.Add(1)
				var p payload
				if len(args) == 0 || json.Unmarshal(args[0], &p) != nil || p.I != i || p.S != seq {
					bad.Add(1)
					r.logf("bad", "client %d seq %d: ack does not echo the call: %.80s", i, seq, fmt.Sprint(args))
				}
				if !t0.Before(since) {
					mine = append(mine, now.Sub(t0).Nanoseconds())
				}
			}
		}()
	}
	// Closes stopped at -d (or when every loop has ended by itself).
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	select {
	case <-stop:
	case <-all:
	case <-ctx.Done():
	}
	close(stopped)
	<-all
	window := time.Since(since).Seconds()
	var stray int64
	for _, c := range conns {
		if c != none {
			stray += c.strayAcks()
		}
	}
	rep.Sent, rep.Acks, rep.Lost, rep.Bad, rep.Errors, rep.Dup = sent.Load(), acks.Load(), lost.Load(), bad.Load(), errs.Load(), stray
	rep.AcksPerS = rate(int64(len(lat)), window)
	rep.setLatency(lat)
}
