package main

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
)

// ackTable matches the server's ACK packets to the calls waiting for them; both
// transports' connections use one.
type ackTable struct {
	mu      sync.Mutex
	waiting map[uint64]chan []json.RawMessage // guarded by mu
	nextID  uint64                            // guarded by mu
	ended   bool                              // guarded by mu: no more acks will come
	stray   atomic.Int64                      // acks for an id not waited on (answered twice, or after -timeout)
}

// add reserves the next ack id and the channel its answer will arrive on; errClosed
// once the connection has ended.
func (t *ackTable) add() (uint64, chan []json.RawMessage, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return 0, nil, errClosed
	}
	if t.waiting == nil {
		t.waiting = map[uint64]chan []json.RawMessage{}
	}
	id := t.nextID
	t.nextID++
	ch := make(chan []json.RawMessage, 1)
	t.waiting[id] = ch
	return id, ch, nil
}

// wait returns the answer of call id, errClosed if the connection ended first, or
// ctx's error (the id is then forgotten: a late answer counts as stray).
func (t *ackTable) wait(ctx context.Context, id uint64, ch chan []json.RawMessage) ([]json.RawMessage, error) {
	select {
	case a, ok := <-ch:
		if !ok {
			return nil, errClosed
		}
		return a, nil
	case <-ctx.Done():
		t.forget(id)
		return nil, ctx.Err()
	}
}

func (t *ackTable) forget(id uint64) {
	t.mu.Lock()
	delete(t.waiting, id)
	t.mu.Unlock()
}

// resolve hands an ACK packet's body (after "43") to its waiting call.
func (t *ackTable) resolve(b []byte) {
	id, ok, body := splitID(b)
	if !ok {
		return
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(body, &arr); err != nil {
		arr = nil
	}
	t.mu.Lock()
	ch := t.waiting[id]
	delete(t.waiting, id)
	t.mu.Unlock()
	if ch != nil {
		ch <- arr
	} else {
		t.stray.Add(1)
	}
}

// fail ends the table: every waiting call gets errClosed, later calls too.
func (t *ackTable) fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended = true
	for id, ch := range t.waiting {
		close(ch)
		delete(t.waiting, id)
	}
}

// isEnded reports whether fail has run.
func (t *ackTable) isEnded() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ended
}
