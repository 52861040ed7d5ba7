package reliability

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// waitLimit bounds every wait for an event. It is not a speed assertion: a healthy run
// never comes near it.
const waitLimit = 10 * time.Second

// closeInfo is what the engine reported when a connection closed.
type closeInfo struct {
	reason string
	cause  error
}

// server is our socket.io server on 127.0.0.1:0. On "/", "message" is echoed back as
// "message-back".
type server struct {
	t *testing.T // the test the helpers report to; see sub
	*core
}

// core is the state of a server shared by the tests that use it.
type core struct {
	io   *socketio.Server
	host string // 127.0.0.1:PORT
	http *http.Client

	mu     sync.Mutex
	closes map[string]closeInfo     // by engine id
	done   map[string]chan struct{} // by engine id; closed once closes has the entry
	// tcpEnded, by client address, is closed when the server is done with that TCP
	// connection (handlers returned, connection closed or hijacked).
	tcpEnded map[string]chan struct{}
	// disconnects holds the socket.io disconnect reasons of the sockets on "/", by
	// engine id.
	disconnects map[string]string
}

func newServer(t *testing.T, opts *socketio.Options) *server {
	t.Helper()
	io, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, core: &core{
		io:     io,
		http:   &http.Client{Transport: &http.Transport{}},
		closes: map[string]closeInfo{},
		done:   map[string]chan struct{}{},

		tcpEnded:    map[string]chan struct{}{},
		disconnects: map[string]string{},
	}}
	// Replaces NewServer's binding to see every engine close reason.
	io.Engine().OnConnection(func(c *engineio.Socket) {
		io.ServeConn(&watchedConn{Socket: c, s: s})
	})
	io.OnConnection(func(sock *socketio.Socket) {
		sid := sock.Conn().ID()
		sock.OnDisconnect(func(reason socketio.DisconnectReason) {
			s.mu.Lock()
			s.disconnects[sid] = reason
			s.mu.Unlock()
		})
		sock.On("message", func(args socketio.Args) {
			out := make([]any, args.Len())
			for i := range out {
				out[i] = json.RawMessage(args.Raw(i))
			}
			_ = sock.Emit("message-back", out...)
		})
	})
	ts := httptest.NewUnstartedServer(io)
	ts.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			s.mu.Lock()
			ch := s.tcpEndedLocked(c.RemoteAddr().String())
			s.mu.Unlock()
			close(ch)
		}
	}
	ts.Start()
	s.host = ts.Listener.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := io.Close(ctx); err != nil {
			t.Errorf("server close: %v", err)
		}
		ts.CloseClientConnections()
		ts.Close()
		s.http.Transport.(*http.Transport).CloseIdleConnections()
	})
	return s
}

// sub returns the server with its helpers reporting to t (a subtest).
func (s *server) sub(t *testing.T) *server { return &server{t: t, core: s.core} }

// watchedConn reports the engine's close reason to the server after socketio handled it.
type watchedConn struct {
	*engineio.Socket
	s *server
}

func (c *watchedConn) OnClose(fn func(reason string, cause error)) {
	c.Socket.OnClose(func(reason string, cause error) {
		// socket.io first: once waitClose returns, its "disconnect" listeners have run.
		fn(reason, cause)
		c.s.mu.Lock()
		c.s.closes[c.ID()] = closeInfo{reason, cause}
		ch := c.s.doneLocked(c.ID())
		c.s.mu.Unlock()
		close(ch)
	})
}

func (s *core) doneLocked(sid string) chan struct{} {
	ch, ok := s.done[sid]
	if !ok {
		ch = make(chan struct{})
		s.done[sid] = ch
	}
	return ch
}

func (s *core) tcpEndedLocked(addr string) chan struct{} {
	ch, ok := s.tcpEnded[addr]
	if !ok {
		ch = make(chan struct{})
		s.tcpEnded[addr] = ch
	}
	return ch
}

// waitTCPEnded waits until the HTTP server is done with the connection from c: its
// handlers have returned and it is closed (or hijacked).
func (s *server) waitTCPEnded(c net.Conn) {
	s.t.Helper()
	s.mu.Lock()
	ch := s.tcpEndedLocked(c.LocalAddr().String())
	s.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		s.t.Fatalf("the server still serves the connection from %s after %v", c.LocalAddr(), waitLimit)
	}
}

// waitClose waits until the engine connection sid has closed and returns how.
func (s *server) waitClose(sid string) closeInfo {
	s.t.Helper()
	s.mu.Lock()
	ch := s.doneLocked(sid)
	s.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		s.t.Fatalf("connection %s still open after %v", sid, waitLimit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closes[sid]
}

// wantClose waits until sid has closed with the given engine reason.
func (s *server) wantClose(sid, reason string) closeInfo {
	s.t.Helper()
	got := s.waitClose(sid)
	if got.reason != reason {
		s.t.Errorf("connection %s closed with %q (cause %v), want %q", sid, got.reason, got.cause, reason)
	}
	return got
}

// disconnectReason returns the socket.io disconnect reason of the socket on "/" of the
// engine connection sid ("" if none was reported).
func (s *core) disconnectReason(sid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disconnects[sid]
}

// closedCount returns how many connections closed with reason.
func (s *core) closedCount(reason string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.closes {
		if c.reason == reason {
			n++
		}
	}
	return n
}

func (s *server) url(query string) string {
	return "http://" + s.host + socketio.DefaultPath + "?" + query
}

// openPolling makes a polling handshake and returns the session id.
func (s *server) openPolling() string {
	s.t.Helper()
	body := s.get(s.url("EIO=4&transport=polling"))
	var open struct{ SID string }
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil || open.SID == "" {
		s.t.Fatalf("polling handshake answered %q", body)
	}
	return open.SID
}

func (s *server) get(url string) string {
	s.t.Helper()
	resp, err := s.http.Get(url)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// post sends body to session sid and returns the status code.
func (s *server) post(sid string, body io.Reader) int {
	s.t.Helper()
	resp, err := s.http.Post(s.url("EIO=4&transport=polling&sid="+sid), "text/plain;charset=UTF-8", body)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// wsClient is a well-behaved websocket client: a pump answers pings and hands every
// other text message to msgs; binary messages too, marked.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	sid  string
	msgs chan string
	n    int
}

// dialWS opens a websocket session and, unless nsp is "", connects to nsp ("/").
func (s *server) dialWS(nsp string) *wsClient {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+s.host+socketio.DefaultPath+"?EIO=4&transport=websocket", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	conn.SetReadLimit(-1)
	_, open, err := conn.Read(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	var o struct{ SID string }
	if open[0] != '0' || json.Unmarshal(open[1:], &o) != nil {
		s.t.Fatalf("websocket handshake: %q", open)
	}
	c := &wsClient{t: s.t, conn: conn, sid: o.SID, msgs: make(chan string, 64)}
	// Stopped when the connection ends: the cleanup below closes it.
	go c.pump()
	s.t.Cleanup(func() { _ = conn.CloseNow() })
	if nsp != "" {
		c.send("40" + strings.TrimPrefix(nsp+",", "/,"))
		if got := c.next(); !strings.HasPrefix(got, "40") || !strings.Contains(got, `"sid"`) {
			s.t.Fatalf("CONNECT to %s answered %q", nsp, got)
		}
	}
	return c
}

func (c *wsClient) pump() {
	defer close(c.msgs)
	for {
		typ, b, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageText && string(b) == "2" {
			_ = c.conn.Write(context.Background(), websocket.MessageText, []byte("3"))
			continue
		}
		if typ == websocket.MessageBinary {
			b = append([]byte("<binary>"), b...)
		}
		c.msgs <- string(b)
	}
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("send %q: %v", msg, err)
	}
}

func (c *wsClient) sendBinary(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		c.t.Fatalf("send binary: %v", err)
	}
}

// next returns the next message other than a ping.
func (c *wsClient) next() string {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection %s closed while a message was expected", c.sid)
		}
		return m
	case <-time.After(waitLimit):
		c.t.Fatalf("no message on %s after %v", c.sid, waitLimit)
	}
	return ""
}

// waitGone waits until the server has ended the connection (the pump saw the end).
func (c *wsClient) waitGone() {
	c.t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return
			}
		case <-deadline:
			c.t.Fatalf("connection %s still open after %v", c.sid, waitLimit)
		}
	}
}

// works has the server echo a message, proving the connection is alive.
func (c *wsClient) works() {
	c.t.Helper()
	c.n++
	msg := fmt.Sprintf(`["message","still here %d"]`, c.n)
	c.send("42" + msg)
	want := "42" + strings.Replace(msg, `"message"`, `"message-back"`, 1)
	if got := c.next(); got != want {
		c.t.Fatalf("well-behaved client %s got %q, want %q", c.sid, got, want)
	}
}

// rawWS is a websocket opened by hand on a net.Conn: frames are written as built,
// so malformed frames and stalled readers are possible.
type rawWS struct {
	t    *testing.T
	conn *net.TCPConn
	br   *bufio.Reader
	sid  string
}

// dialRaw opens a websocket session by hand; rcvBuf > 0 sets SO_RCVBUF before connecting.
func (s *server) dialRaw(rcvBuf int) *rawWS {
	s.t.Helper()
	conn := dialTCP(s.t, s.host, rcvBuf)
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(conn, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		socketio.DefaultPath, s.host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		s.t.Fatalf("websocket handshake: %s", resp.Status)
	}
	r := &rawWS{t: s.t, conn: conn, br: br}
	open := r.read()
	var o struct{ SID string }
	if open[0] != '0' || json.Unmarshal([]byte(open[1:]), &o) != nil {
		s.t.Fatalf("websocket open packet: %q", open)
	}
	r.sid = o.SID
	return r
}

func dialTCP(t *testing.T, host string, rcvBuf int) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: waitLimit}
	if rcvBuf > 0 {
		d.Control = setRcvBuf(rcvBuf)
	}
	c, err := d.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

// frame writes one masked client frame: fin, the rsv bits (0-7, shifted into place),
// opcode and payload.
func (r *rawWS) frame(fin bool, rsv, opcode byte, payload []byte) {
	r.t.Helper()
	if err := r.tryFrame(fin, rsv, opcode, payload); err != nil {
		r.t.Fatalf("write frame: %v", err)
	}
}

// tryFrame is frame, returning the write error (the server may have closed already).
func (r *rawWS) tryFrame(fin bool, rsv, opcode byte, payload []byte) error {
	b0 := rsv<<4 | opcode
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := []byte{1, 2, 3, 4}
	hdr = append(hdr, mask...)
	out := append(hdr, payload...)
	for i := range payload {
		out[len(hdr)+i] ^= mask[i%4]
	}
	_, err := r.conn.Write(out)
	return err
}

func (r *rawWS) text(s string) { r.frame(true, 0, 1, []byte(s)) }

// read returns the payload of the next data frame (server frames are unmasked).
func (r *rawWS) read() string {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(waitLimit))
	defer r.conn.SetReadDeadline(time.Time{})
	for {
		op, payload, err := r.readFrame()
		if err != nil {
			r.t.Fatalf("read frame: %v", err)
		}
		if op == 1 || op == 2 {
			return string(payload)
		}
	}
}

func (r *rawWS) readFrame() (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r.br, p)
	return h[0] & 0x0f, p, err
}

// waitEOF reads until the server ends the TCP connection.
func (r *rawWS) waitEOF() {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(waitLimit))
	_, err := io.Copy(io.Discard, r.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.t.Fatalf("server did not end the connection %s within %v", r.sid, waitLimit)
	}
}
