package client

import (
	"log/slog"
	"runtime/debug"
	"sync"
)

// dispatcher runs a Manager's user callbacks (event handlers, acks, lifecycle events) one
// at a time, in the order they were posted, on one goroutine. That goroutine starts when
// work is posted and exits when the queue is empty, so an idle Manager holds none.
type dispatcher struct {
	log *slog.Logger

	mu      sync.Mutex
	queue   []func()
	running bool
	idle    *sync.Cond // signalled when running becomes false
}

func newDispatcher(log *slog.Logger) *dispatcher {
	d := &dispatcher{log: log}
	d.idle = sync.NewCond(&d.mu)
	return d
}

// post queues fn. It never blocks.
func (d *dispatcher) post(fn func()) {
	d.mu.Lock()
	d.queue = append(d.queue, fn)
	if !d.running {
		d.running = true
		go d.run() // stops itself when the queue is empty
	}
	d.mu.Unlock()
}

func (d *dispatcher) run() {
	for {
		d.mu.Lock()
		if len(d.queue) == 0 {
			d.running = false
			d.queue = nil
			d.idle.Broadcast()
			d.mu.Unlock()
			return
		}
		fn := d.queue[0]
		d.queue[0] = nil
		d.queue = d.queue[1:]
		d.mu.Unlock()
		d.safe(fn)
	}
}

// safe runs fn, logging a panic instead of crashing the program: a panicking handler
// must not stop the callbacks of every socket of the Manager.
func (d *dispatcher) safe(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("panic in a client callback", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// wait blocks until the queue is empty and the goroutine has exited. It must not be
// called from a callback.
func (d *dispatcher) wait() {
	d.mu.Lock()
	for d.running {
		d.idle.Wait()
	}
	d.mu.Unlock()
}
