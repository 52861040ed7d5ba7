package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// acceptWebSocket completes the WebSocket handshake. On the first request of a session
// (handshake) the cookie goes on the 101 response.
func (s *Server) acceptWebSocket(w http.ResponseWriter, r *http.Request, id string, handshake bool) (*wsserver.Conn, error) {
	if handshake {
		s.setCookie(w.Header(), id)
	}
	opts := wsserver.Options{ReadLimit: s.opts.MaxHTTPBufferSize}
	if d := s.opts.PerMessageDeflate; d != nil {
		opts.Deflate = &wsserver.DeflateOptions{Threshold: d.Threshold}
	}
	conn, err := wsserver.Accept(w, r, opts)
	if err != nil {
		s.debug("websocket accept failed", "component", "engine:ws", "sid", id, "err", err)
		return nil, err
	}
	return conn, nil
}

// readLoop reads the socket's websocket until it fails, then closes the socket. It runs on
// its own goroutine, the socket's only reader; it also returns when the websocket parks
// (see startReader), and the poller starts it again.
func (c *Socket) readLoop(conn *wsserver.Conn) {
	for c.readOne(conn) {
	}
}

// readOne reads and handles one message; false means the reader must end (the
// connection parked, failed or closed).
func (c *Socket) readOne(conn *wsserver.Conn) bool {
	data, binary, err := conn.ReadMessage()
	if err == wsserver.ErrParked {
		return false
	}
	if err != nil {
		if isCloseError(err) {
			c.closeWith(ReasonTransportClose, err, closeNow)
		} else {
			c.closeWith(ReasonTransportError, err, closeNow)
		}
		return false
	}
	c.srv.stats.bytesIn.Add(uint64(len(data)))
	p, err := DecodeFrame(data, binary, int(c.protocol))
	if err != nil {
		c.closeWith(ReasonParseError, fmt.Errorf("engineio: websocket frame from %s: %w", c.id, err), closeNow)
		return false
	}
	c.srv.stats.packetIn(p.Type)
	c.onPacket(p)
	return true
}

// startWriteLoop starts the socket's writer goroutine; the caller set c.writing. It stops
// by itself when the queue is empty; Server.Shutdown waits for it.
func (c *Socket) startWriteLoop() {
	c.srv.flush.writers.Add(1)
	c.srv.wg.Go(c.writeLoop)
}

// writeLoop drains the queue to the websocket until the queue is empty, with blocking
// writes; it is started (see startWriteLoop) when a write without blocking could not do
// (a flusher round or an inline write that did not finish, a connection without
// CanTryWrite, a close). Each round encodes all queued packets as consecutive frames into
// one buffer and writes it at once. After the socket closed it ends the connection (close
// handshake when wsGraceful).
func (c *Socket) writeLoop() {
	first := true // the first round also finishes an inline write's rest
	for {
		c.mu.Lock()
		batch := c.takeQueueLocked()
		pending := c.wsPending
		c.wsPending = nil
		conn, closed, graceful, b64 := c.ws, c.state == stateClosed, c.wsGraceful, c.wsB64
		if len(batch) == 0 && pending == nil && !first {
			c.writing = false
			c.mu.Unlock()
			if closed {
				if graceful {
					_ = conn.Close(wsserver.StatusNormalClosure, "")
				} else {
					_ = conn.CloseNow()
				}
			}
			return
		}
		first = false
		c.mu.Unlock()
		// After a close frame went out (the peer's close answered, or a protocol error),
		// the reader ends the socket with the right reason; what is queued is dropped.
		if err := c.writeBatch(conn, batch, pending, b64); err != nil && !errors.Is(err, wsserver.ErrCloseSent) {
			c.closeWith(ReasonTransportError, fmt.Errorf("engineio: websocket write to %s: %w", c.id, err), closeNow)
		}
	}
}

// writeBatch writes pending (frames an inline write left) and batch as frames in one
// buffer, with one write.
func (c *Socket) writeBatch(conn *wsserver.Conn, batch []queued, pending []byte, b64 bool) error {
	proto := int(c.protocol)
	bp := getFrameBuf()
	buf := append((*bp)[:0], pending...)
	for _, q := range batch {
		buf, _ = appendWSFrame(conn, buf, q.Packet, proto, b64, !q.noCompress)
	}
	err := conn.Write(buf)
	putFrameBuf(bp, buf)
	if err != nil {
		return err
	}
	c.countBatch(batch, b64)
	return nil
}

// countBatch counts the packets of a batch that was written.
func (c *Socket) countBatch(batch []queued, b64 bool) {
	proto := int(c.protocol)
	for _, q := range batch {
		n, _ := wsPayloadLen(q.Packet, proto, b64)
		c.srv.stats.countOut(q.Type, n)
	}
}

// flushRound is a flusher's turn at c (see flusher.go): c.writing is set and c was on the
// flush list. It writes what is queued, as one buffer of frames, without blocking. When
// that is all and nothing new queued meanwhile, c has no writer again; when more queued,
// c goes back on the list. Anything else (a write the connection did not take whole, a
// closed socket, an error) goes to c's own writer goroutine, which may block: the flusher
// moves on to the next socket.
func (c *Socket) flushRound() {
	c.mu.Lock()
	if c.state == stateClosed {
		// The writer ends the connection (close handshake or not).
		c.startWriteLoop()
		c.mu.Unlock()
		return
	}
	batch := c.takeQueueLocked()
	pending := c.wsPending
	c.wsPending = nil
	conn, b64 := c.ws, c.wsB64
	c.mu.Unlock()

	proto := int(c.protocol)
	bp := getFrameBuf()
	buf := append((*bp)[:0], pending...)
	for _, q := range batch {
		buf, _ = appendWSFrame(conn, buf, q.Packet, proto, b64, !q.noCompress)
	}
	ok, flushed, err := true, true, error(nil)
	if len(buf) > 0 {
		ok, flushed, err = conn.TryWrite(buf)
	}
	switch {
	case errors.Is(err, wsserver.ErrCloseSent):
		// The connection is closing; its reader ends the socket with the right reason and
		// what is queued is dropped, as writeLoop does.
		ok, flushed, err = true, true, nil
	case err == nil:
		// Taken by the connection (written, or kept by it, or kept in wsPending below):
		// counted now, as sendInline does; pending was counted when it was queued.
		c.countBatch(batch, b64)
	}
	if err != nil {
		putFrameBuf(bp, buf)
		// c.writing stays set: the writer goroutine closes the socket off the flusher
		// (OnClose is user code), then ends the connection.
		c.srv.flush.writers.Add(1)
		c.srv.wg.Go(func() {
			c.closeWith(ReasonTransportError, fmt.Errorf("engineio: websocket write to %s: %w", c.id, err), closeNow)
			c.writeLoop()
		})
		return
	}
	c.mu.Lock()
	if !ok {
		c.wsPending = bytes.Clone(buf)
	}
	putFrameBuf(bp, buf)
	switch {
	case !ok || !flushed || c.state == stateClosed:
		c.startWriteLoop()
	case len(c.queue) > 0:
		c.srv.pushFlush(c)
	default:
		c.writing = false
	}
	c.mu.Unlock()
}

// sendInline writes msgs on the sender's goroutine without blocking; the caller set
// c.writing (the socket's write ownership) and found nothing queued. What the connection
// does not take at once is finished by writeLoop, so a sender never waits for a slow
// client and packets stay in order.
func (c *Socket) sendInline(conn *wsserver.Conn, msgs []Message, b64, compress bool) {
	proto := int(c.protocol)
	bp := getFrameBuf()
	buf := (*bp)[:0]
	for _, m := range msgs {
		buf, _ = appendWSFrame(conn, buf, Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary}, proto, b64, compress)
	}
	ok, flushed, err := conn.TryWrite(buf)
	dropped := errors.Is(err, wsserver.ErrCloseSent)
	if dropped {
		// The connection is closing; its reader ends the socket with the right reason.
		ok, flushed, err = true, true, nil
	}
	if err == nil && !dropped {
		for _, m := range msgs {
			n, _ := wsPayloadLen(Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary}, proto, b64)
			c.srv.stats.countOut(PacketMessage, n)
		}
	}
	c.mu.Lock()
	if err != nil {
		// c.writing stays set: the socket is closing. The close runs off the sender's
		// goroutine, as an overflow's does; Server.Shutdown waits for it.
		c.mu.Unlock()
		putFrameBuf(bp, buf)
		c.srv.wg.Go(func() {
			c.closeWith(ReasonTransportError, fmt.Errorf("engineio: websocket write to %s: %w", c.id, err), closeNow)
		})
		return
	}
	if !ok {
		c.wsPending = bytes.Clone(buf)
	}
	putFrameBuf(bp, buf)
	if !ok || !flushed || len(c.queue) > 0 || c.state == stateClosed {
		c.startWriteLoop()
	} else {
		c.writing = false
	}
	c.mu.Unlock()
}

// wsPayloadLen returns the length of p's websocket frame payload and its opcode (see
// AppendFrame; with b64, binary packets go as base64 text).
func wsPayloadLen(p Packet, protocol int, b64 bool) (n int, op byte) {
	switch {
	case !p.Binary:
		return 1 + len(p.Data), wsserver.OpText
	case b64:
		n = 1 + base64.StdEncoding.EncodedLen(len(p.Data))
		op = wsserver.OpText
	default:
		n, op = len(p.Data), wsserver.OpBinary
	}
	if protocol == ProtocolV3 {
		n++
	}
	return n, op
}

// appendWSFrame appends p as one complete websocket frame, header and payload, and
// returns the payload length. With compress, conn may deflate it (permessage-deflate).
func appendWSFrame(conn *wsserver.Conn, dst []byte, p Packet, protocol int, b64, compress bool) ([]byte, int) {
	n, op := wsPayloadLen(p, protocol, b64)
	if compress && conn.Compresses(n) {
		var payload []byte
		if b64 && p.Binary {
			payload = AppendText(make([]byte, 0, n), p, protocol)
		} else {
			payload, _ = AppendFrame(make([]byte, 0, n), p, protocol)
		}
		return conn.AppendMessage(dst, op, payload), n
	}
	dst = wsserver.AppendHeader(dst, op, n)
	if b64 && p.Binary {
		return AppendText(dst, p, protocol), n
	}
	dst, _ = AppendFrame(dst, p, protocol)
	return dst, n
}

// frameBufs holds the buffers batches are encoded into. A buffer that grew past
// maxPooledFrameBuf is dropped rather than kept.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledFrameBuf = 64 << 10

func getFrameBuf() *[]byte { return frameBufs.Get().(*[]byte) }

func putFrameBuf(bp *[]byte, buf []byte) {
	if cap(buf) > maxPooledFrameBuf {
		return
	}
	*bp = buf[:0]
	frameBufs.Put(bp)
}
