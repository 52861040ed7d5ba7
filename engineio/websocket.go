package engineio

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// acceptWebSocket completes the WebSocket handshake. On the first request of a session
// (handshake) the cookie goes on the 101 response.
func (s *Server) acceptWebSocket(w http.ResponseWriter, r *http.Request, id string, handshake bool) (*websocket.Conn, error) {
	if handshake {
		s.setCookie(w.Header(), id)
	}
	conn, err := websocket.Accept(smallBufHijacker{w}, r, &s.wsAccept)
	if err != nil {
		s.debug("websocket accept failed", "component", "engine:ws", "sid", id, "err", err)
		return nil, err
	}
	conn.SetReadLimit(s.opts.MaxHTTPBufferSize)
	return conn, nil
}

// readLoop reads the socket's websocket until it fails, then closes the socket. It runs on
// the request's goroutine, the socket's only reader.
func (c *Socket) readLoop(conn *websocket.Conn) {
	for {
		typ, data, err := conn.Read(context.Background())
		if err != nil {
			if isCloseError(err) {
				c.closeWith(ReasonTransportClose, err, closeNow)
			} else {
				c.closeWith(ReasonTransportError, err, closeNow)
			}
			return
		}
		c.srv.stats.bytesIn.Add(uint64(len(data)))
		p, err := DecodeFrame(data, typ == websocket.MessageBinary, int(c.protocol))
		if err != nil {
			c.closeWith(ReasonParseError, fmt.Errorf("engineio: websocket frame from %s: %w", c.id, err), closeNow)
			return
		}
		c.srv.stats.packetIn(p.Type)
		c.onPacket(p)
	}
}

// writeLoop drains the queue to the websocket, one frame per packet, until the queue is
// empty; it is started by flushLocked when there is something to write. After the socket
// closed it ends the connection (close handshake when wsGraceful).
func (c *Socket) writeLoop() {
	var buf []byte
	for {
		c.mu.Lock()
		batch := c.takeQueueLocked()
		conn, closed, graceful, b64 := c.ws, c.state == stateClosed, c.wsGraceful, c.wsB64
		if len(batch) == 0 {
			c.writing = false
			c.mu.Unlock()
			if closed {
				if graceful {
					_ = conn.Close(websocket.StatusNormalClosure, "")
				} else {
					_ = conn.CloseNow()
				}
			}
			return
		}
		c.mu.Unlock()
		for _, q := range batch {
			var bin bool
			if b64 && q.Binary {
				buf = AppendText(buf[:0], q.Packet, int(c.protocol))
			} else {
				buf, bin = AppendFrame(buf[:0], q.Packet, int(c.protocol))
			}
			typ := websocket.MessageText
			if bin {
				typ = websocket.MessageBinary
			}
			if err := conn.Write(context.Background(), typ, buf); err != nil {
				c.closeWith(ReasonTransportError, fmt.Errorf("engineio: websocket write to %s: %w", c.id, err), closeNow)
				break
			}
			c.srv.stats.countOut(q.Type, len(buf))
		}
		if cap(buf) > 64<<10 {
			buf = nil
		}
	}
}

// wsBufSize is the size of each of a websocket's read and write buffers. They live as long
// as the connection, idle or not, so they are smaller than net/http's 4 KiB; larger frames
// bypass them.
const wsBufSize = 512

// smallBufHijacker hands websocket.Accept the hijacked connection with wsBufSize buffers
// instead of net/http's.
type smallBufHijacker struct{ http.ResponseWriter }

func (h smallBufHijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// WriteHeaderNow forwards to writers that hold WriteHeader back until the handler returns
// (gin's): websocket.Accept calls it so that the 101 response goes out before the hijack.
func (h smallBufHijacker) WriteHeaderNow() {
	if w, ok := h.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		w.WriteHeaderNow()
	}
}

func (h smallBufHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	// Bytes the client sent right after the request stay buffered: websocket.Accept takes
	// Buffered() bytes from the reader it gets and then reads the connection directly.
	n := brw.Reader.Buffered()
	var br *bufio.Reader
	if n == 0 {
		br = bufio.NewReaderSize(conn, wsBufSize)
	} else {
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn), max(n, wsBufSize))
		if _, err := br.Peek(n); err != nil {
			_ = conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, wsBufSize)), nil
}
