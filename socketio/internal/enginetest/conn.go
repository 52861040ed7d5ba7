// Package enginetest provides an in-memory engine connection for socketio's tests.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"

	"github.com/gosockio/gosockio/engineio"
)

// Conn is an in-memory engine connection: what the server sends is recorded, what the
// test delivers reaches the server's OnMessage callback on the caller's goroutine.
// Like engineio.Socket, OnClose runs after the current callback when Close is called
// from inside one.
type Conn struct {
	id    string
	proto int
	req   *http.Request

	// deliverMu serializes callbacks, as the engine's read path does.
	deliverMu sync.Mutex

	mu          sync.Mutex
	onMessage   func(engineio.Message)
	onClose     func(string, error)
	sent        []engineio.Message
	sentOpts    []engineio.SendOptions
	read        int
	closed      bool
	reason      string
	inCallback  bool
	closePend   bool
	changed     chan struct{} // closed and replaced on every send or close
	writable    bool
	maxQueued   int // 0: unbounded
	unread      int
	overflowErr error
}

// New returns a connection with engine id id and Engine.IO protocol 3 or 4.
func New(id string, protocol int) *Conn {
	r := httptest.NewRequest(http.MethodGet, "/socket.io/?EIO="+fmt.Sprint(protocol)+"&transport=websocket&token=q1", nil)
	r.Header.Set("X-Test", "yes")
	return &Conn{id: id, proto: protocol, req: r, changed: make(chan struct{}), writable: true}
}

// SetWritable makes volatile sends fail with ErrDropped when false.
func (c *Conn) SetWritable(w bool) { c.mu.Lock(); c.writable = w; c.mu.Unlock() }

// SetMaxQueued bounds the unread messages: a non-volatile send over the bound closes the
// connection ("transport error") and returns an error wrapping ErrQueueFull.
func (c *Conn) SetMaxQueued(n int) { c.mu.Lock(); c.maxQueued = n; c.mu.Unlock() }

func (c *Conn) ID() string             { return c.id }
func (c *Conn) Request() *http.Request { return c.req }
func (c *Conn) Transport() string      { return "websocket" }
func (c *Conn) Protocol() int          { return c.proto }
func (c *Conn) RemoteAddr() string     { return "192.0.2.1:1234" }

func (c *Conn) OnMessage(fn func(engineio.Message)) { c.mu.Lock(); c.onMessage = fn; c.mu.Unlock() }
func (c *Conn) OnClose(fn func(string, error))      { c.mu.Lock(); c.onClose = fn; c.mu.Unlock() }

func (c *Conn) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Send records msgs.
func (c *Conn) Send(msgs []engineio.Message, opts engineio.SendOptions) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return engineio.ErrClosed
	}
	if opts.Volatile && !c.writable {
		c.mu.Unlock()
		return engineio.ErrDropped
	}
	if c.maxQueued > 0 && c.unread+len(msgs) > c.maxQueued {
		c.mu.Unlock()
		if opts.Volatile {
			return engineio.ErrDropped
		}
		err := fmt.Errorf("%w: test bound %d", engineio.ErrQueueFull, c.maxQueued)
		c.closeWith("transport error", err)
		return err
	}
	for _, m := range msgs {
		c.sent = append(c.sent, engineio.Message{Data: slices.Clone(m.Data), Binary: m.Binary})
		c.sentOpts = append(c.sentOpts, opts)
	}
	c.unread += len(msgs)
	c.signalLocked()
	c.mu.Unlock()
	return nil
}

// Close closes with reason "forced close".
func (c *Conn) Close() error {
	c.closeWith("forced close", nil)
	return nil
}

// CloseFromPeer simulates the transport going away with reason (for example
// "transport close").
func (c *Conn) CloseFromPeer(reason string) { c.closeWith(reason, nil) }

func (c *Conn) closeWith(reason string, cause error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason = true, reason
	c.signalLocked()
	if c.inCallback {
		c.closePend = true
		c.mu.Unlock()
		return
	}
	fn := c.onClose
	c.mu.Unlock()
	if fn != nil {
		fn(reason, cause)
	}
}

// Closed reports whether the connection is closed, and the reason.
func (c *Conn) Closed() (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed, c.reason
}

// Deliver feeds a text message to the server.
func (c *Conn) Deliver(text string) { c.deliver(engineio.Message{Data: []byte(text)}) }

// DeliverBinary feeds a binary message to the server.
func (c *Conn) DeliverBinary(b []byte) { c.deliver(engineio.Message{Data: b, Binary: true}) }

func (c *Conn) deliver(m engineio.Message) {
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	c.mu.Lock()
	fn := c.onMessage
	if c.closed || fn == nil {
		c.mu.Unlock()
		return
	}
	c.inCallback = true
	c.mu.Unlock()
	fn(m)
	c.mu.Lock()
	c.inCallback = false
	pend := c.closePend
	c.closePend = false
	onClose, reason := c.onClose, c.reason
	c.mu.Unlock()
	if pend && onClose != nil {
		onClose(reason, nil)
	}
}

// ErrNoMessage is returned by Next when ctx ends before a message is sent.
var ErrNoMessage = errors.New("enginetest: no message sent")

// Next returns the next message the server sent, waiting until ctx ends.
func (c *Conn) Next(ctx context.Context) (engineio.Message, error) {
	for {
		c.mu.Lock()
		if c.read < len(c.sent) {
			m := c.sent[c.read]
			c.read++
			c.unread--
			c.mu.Unlock()
			return m, nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return engineio.Message{}, fmt.Errorf("%w: %w", ErrNoMessage, ctx.Err())
		}
	}
}

// LastSendOptions returns the options of the last message sent.
func (c *Conn) LastSendOptions() engineio.SendOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sentOpts) == 0 {
		return engineio.SendOptions{}
	}
	return c.sentOpts[len(c.sentOpts)-1]
}

// Pending returns the messages sent and not yet read by Next, and marks them read.
func (c *Conn) Pending() []engineio.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.sent[c.read:])
	c.unread -= len(out)
	c.read = len(c.sent)
	return out
}
