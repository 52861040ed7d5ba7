package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// sioClient is a raw socket.io client on one websocket (EIO=4, namespace
// "/"), written for the server properties: it sends exactly the packets a
// property asks for and records, in arrival order, every packet it receives
// after the CONNECT reply (see normSIOPacket for their form).
type sioClient struct {
	conn   *websocket.Conn
	sid    string   // the socket.io id from the CONNECT reply
	early  []string // packets received before the CONNECT reply (normSIOPacket form)
	nextID uint64

	mu      sync.Mutex
	got     []string      // guarded by mu
	readErr error         // guarded by mu
	changed chan struct{} // guarded by mu; closed and replaced on every change

	cancel    context.CancelFunc
	readDone  chan struct{} // closed when the reader goroutine returns
	closeOnce sync.Once
}

// dialSIO opens a websocket to endpoint, connects to "/" and starts reading.
func dialSIO(ctx context.Context, hc *http.Client, endpoint string) (*sioClient, error) {
	u := "ws" + strings.TrimPrefix(endpoint, "http") + "?EIO=4&transport=websocket"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	conn.SetReadLimit(16 << 20)
	typ, open, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || len(open) == 0 || open[0] != '0' {
		conn.CloseNow()
		return nil, fmt.Errorf("read the engine.io open packet: got %q (err %v)", open, err)
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("send CONNECT: %w", err)
	}
	// The CONNECT reply, with pings answered while waiting; anything else
	// before it is kept in early.
	var early []string
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			return nil, fmt.Errorf("wait for the CONNECT reply: %w", err)
		}
		if typ == websocket.MessageText && string(data) == "2" {
			if err := conn.Write(ctx, websocket.MessageText, []byte("3")); err != nil {
				conn.CloseNow()
				return nil, err
			}
			continue
		}
		if typ == websocket.MessageText && len(data) > 1 && data[0] == '4' && data[1] != '0' {
			early = append(early, normSIOPacket(string(data[1:])))
			continue
		}
		var reply struct {
			SID string `json:"sid"`
		}
		if typ != websocket.MessageText || !bytes.HasPrefix(data, []byte("40")) || json.Unmarshal(data[2:], &reply) != nil || reply.SID == "" {
			conn.CloseNow()
			return nil, fmt.Errorf("want the CONNECT reply 40{\"sid\":…}, got %q", data)
		}
		c := &sioClient{conn: conn, sid: reply.SID, early: early, changed: make(chan struct{}), readDone: make(chan struct{})}
		var rctx context.Context
		rctx, c.cancel = context.WithCancel(context.Background())
		go c.read(rctx) // stopped by close
		return c, nil
	}
}

func (c *sioClient) read(ctx context.Context) {
	defer close(c.readDone)
	for {
		typ, data, err := c.conn.Read(ctx)
		var entry string
		switch {
		case err != nil:
		case typ == websocket.MessageBinary:
			entry = fmt.Sprintf("binary %x", data)
		case string(data) == "2":
			err = c.conn.Write(ctx, websocket.MessageText, []byte("3"))
			if err == nil {
				continue
			}
		case string(data) == "6":
			continue
		case len(data) > 0 && data[0] == '4':
			entry = normSIOPacket(string(data[1:]))
		default:
			entry = fmt.Sprintf("engine.io %q", data)
		}
		c.mu.Lock()
		if err != nil {
			c.readErr = err
		} else {
			c.got = append(c.got, entry)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// normSIOPacket writes a socket.io packet in the form the server model uses:
// `event <JSON array>`, `ack <id> <JSON array>`, `disconnect`, or the raw
// packet for anything else, with JSON in canonical form.
func normSIOPacket(p string) string {
	if p == "" {
		return "socket.io \"\""
	}
	typ, rest := p[0], p[1:]
	if strings.HasPrefix(rest, "/") {
		return fmt.Sprintf("socket.io %q (not namespace /)", p)
	}
	switch typ {
	case '1':
		if rest == "" {
			return "disconnect"
		}
	case '2', '3':
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		js := canonicalJSON(rest[i:])
		if typ == '2' {
			if i > 0 {
				return fmt.Sprintf("event with ack id %s %s", rest[:i], js)
			}
			return "event " + js
		}
		if i > 0 {
			return fmt.Sprintf("ack %s %s", rest[:i], js)
		}
	}
	return fmt.Sprintf("socket.io %q", p)
}

// canonicalJSON re-encodes a JSON document so that equal values compare
// equal as strings; invalid JSON is quoted as it is.
func canonicalJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return fmt.Sprintf("(invalid JSON %q)", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(%q: %v)", s, err)
	}
	return string(b)
}

// emit sends EVENT [event, args...] with a new ack id and returns the id.
func (c *sioClient) emit(ctx context.Context, event string, args ...any) (uint64, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return 0, err
	}
	id := c.nextID
	c.nextID++
	msg := "42" + strconv.FormatUint(id, 10) + string(data)
	return id, c.conn.Write(ctx, websocket.MessageText, []byte(msg))
}

// sendRaw sends one text frame.
func (c *sioClient) sendRaw(ctx context.Context, s string) error {
	return c.conn.Write(ctx, websocket.MessageText, []byte(s))
}

// waitFor waits until an entry starting with prefix has arrived and returns
// everything received.
func (c *sioClient) waitFor(ctx context.Context, prefix string) ([]string, error) {
	for {
		c.mu.Lock()
		got, err, ch := append([]string(nil), c.got...), c.readErr, c.changed
		c.mu.Unlock()
		for _, g := range got {
			if strings.HasPrefix(g, prefix) {
				return got, nil
			}
		}
		if err != nil {
			return got, fmt.Errorf("read: %w", err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return got, fmt.Errorf("no %q: %w", prefix, ctx.Err())
		}
	}
}

// close drops the websocket (no close packet) and waits for the reader.
func (c *sioClient) close() {
	c.closeOnce.Do(func() {
		c.cancel()
		_ = c.conn.CloseNow()
		<-c.readDone
	})
}
