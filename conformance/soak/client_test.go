package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

var errClosed = errors.New("soak: connection closed")

// wsClient is a minimal raw socket.io v5 client on "/" over WebSocket.
type wsClient struct {
	ws      *websocket.Conn
	onEvent func(args []json.RawMessage) // read goroutine; args[0] is the event name

	mu     sync.Mutex
	acks   map[uint64]chan []json.RawMessage
	nextID uint64
	ended  bool
	stray  int // acks for ids nobody waits on (answered twice)
	done   chan struct{}
}

// dialClient connects to url with hc (the run's own client, so that the dial
// bookkeeping of its Transport goes away with the run).
func dialClient(ctx context.Context, hc *http.Client, url string, onEvent func([]json.RawMessage)) (*wsClient, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &wsClient{ws: ws, onEvent: onEvent, acks: map[uint64]chan []json.RawMessage{}, done: make(chan struct{})}
	if _, m, err := ws.Read(ctx); err != nil || len(m) == 0 || m[0] != '0' {
		_ = ws.CloseNow()
		return nil, errors.Join(errors.New("soak: no open packet"), err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		_ = ws.CloseNow()
		return nil, err
	}
	for {
		_, m, err := ws.Read(ctx)
		if err != nil {
			_ = ws.CloseNow()
			return nil, err
		}
		if bytes.HasPrefix(m, []byte("40")) {
			break
		}
		if string(m) == "2" {
			_ = ws.Write(ctx, websocket.MessageText, []byte("3"))
			continue
		}
		_ = ws.CloseNow()
		return nil, errors.New("soak: expected CONNECT, got " + string(m))
	}
	// Stopped by close (CloseNow makes Read fail); close waits on c.done.
	go c.readLoop()
	return c, nil
}

func (c *wsClient) readLoop() {
	defer close(c.done)
	defer func() {
		c.mu.Lock()
		c.ended = true
		for id, ch := range c.acks {
			close(ch)
			delete(c.acks, id)
		}
		c.mu.Unlock()
	}()
	ctx := context.Background()
	for {
		_, m, err := c.ws.Read(ctx)
		if err != nil || len(m) == 0 {
			return
		}
		switch {
		case m[0] == '2':
			_ = c.ws.Write(ctx, websocket.MessageText, []byte("3"))
		case bytes.HasPrefix(m, []byte("42")):
			var arr []json.RawMessage
			if json.Unmarshal(m[2:], &arr) == nil && len(arr) > 0 {
				c.onEvent(arr)
			}
		case bytes.HasPrefix(m, []byte("43")):
			b := m[2:]
			i := 0
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
			id, _ := strconv.ParseUint(string(b[:i]), 10, 64)
			var arr []json.RawMessage
			_ = json.Unmarshal(b[i:], &arr)
			c.mu.Lock()
			ch := c.acks[id]
			delete(c.acks, id)
			if ch == nil {
				c.stray++
			}
			c.mu.Unlock()
			if ch != nil {
				ch <- arr
			}
		case m[0] == '1', bytes.HasPrefix(m, []byte("41")):
			return
		}
	}
}

// call emits event with args and an ack id, and waits for the ack.
func (c *wsClient) call(ctx context.Context, args ...any) ([]json.RawMessage, error) {
	body, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	ch := make(chan []json.RawMessage, 1)
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return nil, errClosed
	}
	id := c.nextID
	c.nextID++
	c.acks[id] = ch
	c.mu.Unlock()
	msg := append([]byte("42"+strconv.FormatUint(id, 10)), body...)
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case a, ok := <-ch:
		if !ok {
			return nil, errClosed
		}
		return a, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

func (c *wsClient) forget(id uint64) {
	c.mu.Lock()
	delete(c.acks, id)
	c.mu.Unlock()
}

func (c *wsClient) close() {
	_ = c.ws.CloseNow()
	<-c.done
}
