package main

import (
	"context"
	"encoding/json"
	"time"
)

// runConnect opens -n connections, holds them for -hold and closes them.
func runConnect(ctx context.Context, r *runner, rep *report) error {
	start := time.Now()
	conns, lat, failed, last := r.connectAll(ctx, r.cfg.n, func(int) func(string, []json.RawMessage) {
		return func(string, []json.RawMessage) {}
	})
	defer closeAll(conns)
	rep.Connected = int64(len(lat))
	rep.Failed = failed
	if len(lat) > 0 {
		rep.ConnectRate = rate(int64(len(lat)), last.Sub(start).Seconds())
		var tmp report
		tmp.setLatency(lat)
		rep.ConnP50, rep.ConnP99 = tmp.LatP50, tmp.LatP99
	}
	if r.cfg.hold > 0 {
		t := time.NewTimer(r.cfg.hold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return nil
}
