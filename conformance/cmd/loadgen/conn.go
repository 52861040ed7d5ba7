package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// errClosed is returned when a connection ends while waiting on it.
var errClosed = errors.New("loadgen: connection closed")

// conn is one socket.io client on namespace "/" over a plain WebSocket, speaking
// Engine.IO 4 + Socket.IO 5 (or Engine.IO 3 + Socket.IO 4 with -eio 3). It uses no
// socket.io client library, so every server under test pays the same client cost.
type conn struct {
	ws      *websocket.Conn
	eio     int
	onEvent func(event string, args []json.RawMessage) // called on the read goroutine

	acks ackTable

	done    chan struct{} // closed when the read goroutine returns
	stop    chan struct{} // closed by close
	stopped sync.Once
	pingers sync.WaitGroup
}

// wsURLs turns the comma-separated -url bases and -path into WebSocket handshake
// addresses.
func wsURLs(bases, path string, eio int) ([]string, error) {
	var out []string
	for _, b := range strings.Split(bases, ",") {
		u, err := wsURL(strings.TrimSpace(b), path, eio)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// wsURL turns the -url base and -path into the WebSocket handshake address.
func wsURL(base, path string, eio int) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("loadgen: -url %q: %w", base, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("loadgen: -url %q: scheme must be http, https, ws or wss", base)
	}
	u.Path = path
	u.RawQuery = "EIO=" + strconv.Itoa(eio) + "&transport=websocket"
	return u.String(), nil
}

// dial opens the WebSocket, reads the Engine.IO open packet and connects to "/"
// (EIO 4 sends "40"; an EIO 3 server connects "/" by itself). It returns once the
// server's CONNECT has arrived. onEvent receives every event packet afterwards.
func dial(ctx context.Context, addr string, eio int, onEvent func(string, []json.RawMessage)) (*conn, error) {
	ws, _, err := websocket.Dial(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: dial %s: %w", addr, err)
	}
	ws.SetReadLimit(16 << 20)
	c := &conn{ws: ws, eio: eio, onEvent: onEvent,
		done: make(chan struct{}), stop: make(chan struct{})}
	fail := func(err error) (*conn, error) {
		_ = ws.CloseNow()
		return nil, err
	}
	open, err := readOpen(ctx, ws)
	if err != nil {
		return fail(err)
	}
	var hs struct {
		PingInterval int `json:"pingInterval"`
	}
	if err := json.Unmarshal(open[1:], &hs); err != nil {
		return fail(fmt.Errorf("loadgen: open packet %q: %w", trunc(open), err))
	}
	if eio == 4 {
		if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
			return fail(fmt.Errorf("loadgen: send CONNECT: %w", err))
		}
	}
	if err := awaitConnect(ctx, ws); err != nil {
		return fail(err)
	}
	// Stopped by close (CloseNow makes Read fail); close waits on c.done.
	go c.readLoop()
	if eio == 3 && hs.PingInterval > 0 {
		c.pingers.Add(1)
		// EIO 3 clients ping; stopped by close (c.stop); close waits on c.pingers.
		go c.pingLoop(time.Duration(hs.PingInterval) * time.Millisecond)
	}
	return c, nil
}

func trunc(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func (c *conn) pingLoop(every time.Duration) {
	defer c.pingers.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_ = c.ws.Write(ctx, websocket.MessageText, []byte("2"))
			cancel()
		}
	}
}

func (c *conn) readLoop() {
	defer close(c.done)
	defer c.acks.fail()
	ctx := context.Background()
	for {
		typ, m, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText || len(m) == 0 {
			continue
		}
		switch m[0] {
		case '2': // EIO 4 ping
			_ = c.ws.Write(ctx, websocket.MessageText, []byte("3"))
		case '1': // engine close
			return
		case '4':
			if len(m) < 2 {
				continue
			}
			switch m[1] {
			case '2':
				c.handleEvent(m[2:])
			case '3':
				c.acks.resolve(m[2:])
			case '1': // DISCONNECT
				return
			}
		}
	}
}

// splitID splits a leading ack id from the JSON array; "/" namespaces are not used.
func splitID(b []byte) (uint64, bool, []byte) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false, b
	}
	id, err := strconv.ParseUint(string(b[:i]), 10, 64)
	return id, err == nil, b[i:]
}

func (c *conn) handleEvent(b []byte) {
	_, _, body := splitID(b)
	var arr []json.RawMessage
	if err := json.Unmarshal(body, &arr); err != nil || len(arr) == 0 {
		c.onEvent("", nil) // reported as a bad packet
		return
	}
	var name string
	if err := json.Unmarshal(arr[0], &name); err != nil {
		c.onEvent("", nil)
		return
	}
	c.onEvent(name, arr[1:])
}

// encode builds the text of an EVENT packet: 42[<id>]["event",args...].
func encode(id string, event string, args ...[]byte) []byte {
	var b strings.Builder
	b.WriteString("42")
	b.WriteString(id)
	b.WriteString(`["`)
	b.WriteString(event)
	b.WriteByte('"')
	for _, a := range args {
		b.WriteByte(',')
		b.Write(a)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// emit sends an event without an ack.
func (c *conn) emit(ctx context.Context, event string, args ...[]byte) error {
	return c.ws.Write(ctx, websocket.MessageText, encode("", event, args...))
}

// call sends an event with an ack id and waits for the ack's arguments until ctx ends.
func (c *conn) call(ctx context.Context, event string, args ...[]byte) ([]json.RawMessage, error) {
	id, ch, err := c.acks.add()
	if err != nil {
		return nil, err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, encode(strconv.FormatUint(id, 10), event, args...)); err != nil {
		c.acks.forget(id)
		return nil, err
	}
	return c.acks.wait(ctx, id, ch)
}

// close ends the connection and waits for its goroutines.
func (c *conn) close() {
	c.stopped.Do(func() {
		close(c.stop)
		_ = c.ws.CloseNow()
	})
	<-c.done
	c.pingers.Wait()
}

// readOpen reads the Engine.IO open packet ("0{...}") and returns it.
func readOpen(ctx context.Context, ws *websocket.Conn) ([]byte, error) {
	_, open, err := ws.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("loadgen: read the open packet: %w", err)
	}
	if len(open) == 0 || open[0] != '0' {
		return nil, fmt.Errorf("loadgen: expected the Engine.IO open packet (0{...}), got %q", trunc(open))
	}
	return open, nil
}

// awaitConnect reads until the server's CONNECT for "/" ("40..."), answering EIO 4
// pings meanwhile; a CONNECT_ERROR or anything else is an error.
func awaitConnect(ctx context.Context, ws *websocket.Conn) error {
	for {
		_, m, err := ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("loadgen: waiting for CONNECT: %w", err)
		}
		switch {
		case string(m) == "2":
			if err := ws.Write(ctx, websocket.MessageText, []byte("3")); err != nil {
				return err
			}
		case bytes.HasPrefix(m, []byte("40")):
			return nil
		case bytes.HasPrefix(m, []byte("44")):
			return fmt.Errorf("loadgen: server refused namespace \"/\": %s", trunc(m))
		default:
			return fmt.Errorf("loadgen: expected CONNECT (40...), got %q", trunc(m))
		}
	}
}
