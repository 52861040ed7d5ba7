package main

import (
	"context"
)

// runPollingEcho is the echo scenario over HTTP long-polling (-transport polling):
// -n clients each run a closed loop of `echo` calls with an ack, each call a POST
// and its ack the answer to the client's pending GET. The checks are those of
// runEcho: every ack must carry the call's own sender id and sequence number (else
// bad), arrive within -timeout (else lost) and arrive once (else duplicate).
func runPollingEcho(ctx context.Context, r *runner, rep *report) error {
	addrs, err := r.pollAddrs()
	if err != nil {
		return err
	}
	conns, failed := r.connectPolling(ctx, r.cfg.n, r.pollDialers(), addrs)
	defer closePolling(conns)
	rep.Failed = failed
	echoLoops(ctx, r, rep, conns)
	return nil
}
