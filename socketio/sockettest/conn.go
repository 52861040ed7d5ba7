package sockettest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

var _ socketio.EngineConn = (*Conn)(nil)

// ErrNoMessage is returned (wrapped) by Next when no message is coming: the context
// ended (the error also matches ctx.Err()), or the connection is closed and every message
// the server sent has been read (the error also matches engineio.ErrClosed).
var ErrNoMessage = errors.New("sockettest: no message from the server")

// ConnOptions configures NewConn. The zero value gives a socket.io 3/4 client on a
// WebSocket.
type ConnOptions struct {
	// ID is the engine session id (Node: the engine.io socket's id). With protocol 3 it
	// is also the id of the socket in the main namespace. Default "sockettest" followed
	// by a number unique in the process.
	ID string
	// Protocol is the Engine.IO protocol revision: 4 (socket.io 3/4 clients, socket.io
	// protocol v5) or 3 (socket.io 1/2 clients, protocol v4). Default 4.
	Protocol int
	// Request is the handshake request: the socket's Handshake (headers, query, address)
	// comes from it, and RemoteAddr returns its RemoteAddr. Default
	// httptest.NewRequest("GET", "/socket.io/?EIO=<Protocol>&transport=websocket", nil),
	// whose RemoteAddr is "192.0.2.1:1234".
	Request *http.Request
}

var connSeq atomic.Int64

// Conn is an in-memory engine connection, a socketio.EngineConn: what the server sends
// is recorded and read with Next or Pending; what the test delivers with Deliver and
// DeliverBinary reaches the server's OnMessage callback on the caller's goroutine.
// Deliveries run one at a time, as on an engine's read path, and a Close made from
// inside a callback is reported to OnClose after that callback returns, as
// engineio.Socket does. All methods are safe for concurrent use.
type Conn struct {
	id    string
	proto int
	req   *http.Request

	// deliverMu serializes callbacks, as the engine's read path does.
	deliverMu sync.Mutex

	mu         sync.Mutex // guards the fields below
	onMessage  func(engineio.Message)
	onClose    func(string, error)
	sent       []engineio.Message
	sentOpts   []engineio.SendOptions
	read       int // sent[:read] were returned by Next or Pending
	closed     bool
	reason     string
	cause      error
	inCallback bool
	closePend  bool          // closed inside a callback: report after it
	changed    chan struct{} // closed and replaced on every send or close
	writable   bool
	maxQueued  int // 0: unbounded
	unread     int
}

// NewConn returns an open connection configured by opts (nil means all defaults). Serve
// it with socketio.Server.ServeConn. It panics when opts.Protocol is neither 0, 3 nor 4,
// as httptest.NewRequest panics on a bad request: that is a mistake in the test.
func NewConn(opts *ConnOptions) *Conn {
	var o ConnOptions
	if opts != nil {
		o = *opts
	}
	switch o.Protocol {
	case 0:
		o.Protocol = 4
	case 3, 4:
	default:
		panic(fmt.Sprintf("sockettest: ConnOptions.Protocol is %d; use 4 (socket.io 3/4 clients) or 3 (socket.io 1/2 clients)", o.Protocol))
	}
	if o.ID == "" {
		o.ID = "sockettest" + strconv.FormatInt(connSeq.Add(1), 10)
	}
	if o.Request == nil {
		o.Request = httptest.NewRequest(http.MethodGet, "/socket.io/?EIO="+strconv.Itoa(o.Protocol)+"&transport=websocket", nil)
	}
	return &Conn{id: o.ID, proto: o.Protocol, req: o.Request, changed: make(chan struct{}), writable: true}
}

// SetWritable sets whether the connection is ready to write. While it is not, a
// volatile send fails with engineio.ErrDropped and is not recorded, as on an engine
// connection whose transport is busy. Non-volatile sends are recorded either way. A new
// Conn is writable.
func (c *Conn) SetWritable(w bool) { c.mu.Lock(); c.writable = w; c.mu.Unlock() }

// SetMaxQueued bounds the messages sent and not yet read by Next or Pending, like the
// engine's write queue (0, the default, means no bound). A send that would exceed the
// bound records nothing: a volatile one fails with engineio.ErrDropped; any other closes
// the connection with reason "transport error" and returns an error wrapping
// engineio.ErrQueueFull, which OnClose receives as its cause.
func (c *Conn) SetMaxQueued(n int) { c.mu.Lock(); c.maxQueued = n; c.mu.Unlock() }

// ID returns the engine session id (ConnOptions.ID).
func (c *Conn) ID() string { return c.id }

// Request returns the handshake request (ConnOptions.Request).
func (c *Conn) Request() *http.Request { return c.req }

// Transport returns "websocket".
func (c *Conn) Transport() string { return "websocket" }

// Protocol returns the Engine.IO protocol revision, 4 or 3 (ConnOptions.Protocol).
func (c *Conn) Protocol() int { return c.proto }

// RemoteAddr returns the handshake request's RemoteAddr, as engineio.Socket does.
func (c *Conn) RemoteAddr() string { return c.req.RemoteAddr }

// OnMessage sets the callback that Deliver and DeliverBinary call; socketio.Server sets
// it in ServeConn.
func (c *Conn) OnMessage(fn func(engineio.Message)) { c.mu.Lock(); c.onMessage = fn; c.mu.Unlock() }

// OnClose sets the callback called once when the connection closes, with the reason
// ("forced close" after Close, "transport error" after an overflow, the reason given to
// CloseFromPeer) and the cause, if any.
func (c *Conn) OnClose(fn func(reason string, cause error)) {
	c.mu.Lock()
	c.onClose = fn
	c.mu.Unlock()
}

func (c *Conn) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Send records copies of msgs, to be read with Next or Pending, and remembers opts (see
// LastSendOptions). After Close it returns engineio.ErrClosed; see SetWritable and
// SetMaxQueued for the other errors. It never blocks.
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
		err := fmt.Errorf("sockettest: %w: %d messages unread, SetMaxQueued bound is %d", engineio.ErrQueueFull, c.unread, c.maxQueued)
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

// Close closes the connection with reason "forced close", as the server does to a
// client it disconnects. It always returns nil; closing twice does nothing.
func (c *Conn) Close() error {
	c.closeWith("forced close", nil)
	return nil
}

// CloseFromPeer simulates the transport going away with reason, one of Node's engine
// close reasons such as "transport close" or "ping timeout".
func (c *Conn) CloseFromPeer(reason string) { c.closeWith(reason, nil) }

func (c *Conn) closeWith(reason string, cause error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason, c.cause = true, reason, cause
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

// Deliver feeds a text message (a socket.io packet such as "0" or `2["chat","hi"]`) to
// the server's OnMessage callback and returns after it. It does nothing when the
// connection is closed or not served yet.
func (c *Conn) Deliver(text string) { c.deliver(engineio.Message{Data: []byte(text)}) }

// DeliverBinary feeds a binary message (an attachment of a binary packet) to the
// server, as Deliver does.
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
	onClose, reason, cause := c.onClose, c.reason, c.cause
	c.mu.Unlock()
	if pend && onClose != nil {
		onClose(reason, cause)
	}
}

// Next returns the next message the server sent, waiting until one is sent or ctx
// ends. Once the connection is closed and every message has been read, it returns an
// error at once. Its errors match ErrNoMessage.
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
		if c.closed {
			reason := c.reason
			c.mu.Unlock()
			return engineio.Message{}, fmt.Errorf("%w: %w (%s) and every message was read", ErrNoMessage, engineio.ErrClosed, reason)
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

// Pending returns the messages sent and not yet read by Next, and marks them read. It
// does not wait.
func (c *Conn) Pending() []engineio.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.sent[c.read:])
	c.unread -= len(out)
	c.read = len(c.sent)
	return out
}

// LastSendOptions returns the options of the last message sent, or the zero
// SendOptions when nothing was sent.
func (c *Conn) LastSendOptions() engineio.SendOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sentOpts) == 0 {
		return engineio.SendOptions{}
	}
	return c.sentOpts[len(c.sentOpts)-1]
}

// Connect joins namespace nsp ("/", "/chat") as a socket.io 3/4 client does: it
// delivers a CONNECT packet with auth (a JSON object, or "" for none) and waits until
// ctx ends for the server's answer, which must be the next message sent. It returns the
// socket id, or, when the server refuses (a middleware error, an unknown namespace), an
// error wrapping a *socketio.ConnectError with the server's message and data.
//
// Connect needs a protocol 4 Conn: with protocol 3 the server connects "/" by itself
// (read its "0" with Next) and the socket id is the engine id.
func (c *Conn) Connect(ctx context.Context, nsp, auth string) (string, error) {
	if c.proto != 4 {
		return "", fmt.Errorf("sockettest: Connect speaks socket.io protocol v5 and needs a protocol 4 Conn, this one has protocol %d: there the server connects \"/\" by itself, other namespaces are joined with Deliver(\"0/name,\"), and the answers are read with Next", c.proto)
	}
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	c.Deliver("0" + prefix + auth)
	m, err := c.Next(ctx)
	if err != nil {
		return "", fmt.Errorf("sockettest: CONNECT to %s: no answer: %w", nsp, err)
	}
	answer := string(m.Data)
	if rest, ok := strings.CutPrefix(answer, "0"+prefix); ok && !m.Binary {
		var r struct {
			SID string `json:"sid"`
		}
		if json.Unmarshal([]byte(rest), &r) == nil && r.SID != "" {
			return r.SID, nil
		}
	}
	if rest, ok := strings.CutPrefix(answer, "4"+prefix); ok && !m.Binary {
		var r struct {
			Message string `json:"message"`
			Data    any    `json:"data"`
		}
		if json.Unmarshal([]byte(rest), &r) == nil {
			return "", fmt.Errorf("sockettest: CONNECT to %s refused: %w", nsp, &socketio.ConnectError{Message: r.Message, Data: r.Data})
		}
	}
	return "", fmt.Errorf("sockettest: CONNECT to %s: the server answered %q, want CONNECT with a sid or CONNECT_ERROR; read what was sent before with Next or Pending first", nsp, answer)
}
