package wsserver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// Options configure a Conn. The zero value accepts messages of any size.
type Options struct {
	// ReadLimit is the largest message accepted, in bytes (all fragments together). A frame
	// whose header announces more is refused at once, before its payload is read, with
	// status 1009. 0 means no limit.
	ReadLimit int64
	// Deflate, when set, accepts permessage-deflate from clients that offer it (see
	// DeflateOptions). Nil: no extension is negotiated.
	Deflate *DeflateOptions
}

// CloseError is the close frame the peer sent. Code is StatusNoStatus when the frame was
// empty.
type CloseError struct {
	Code   int
	Reason string
}

// Error describes the close frame.
func (e *CloseError) Error() string {
	return fmt.Sprintf("wsserver: peer closed the websocket: status %d %q", e.Code, e.Reason)
}

// ProtocolError is a rule of RFC 6455 that the peer broke; the connection was closed with
// status Code (1002 protocol error, 1007 invalid payload, 1009 message too big).
type ProtocolError struct {
	Code int
	Msg  string
}

// Error describes the violation.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("wsserver: websocket closed with status %d: %s", e.Code, e.Msg)
}

// ErrCloseSent is returned by writes after the close frame was sent.
var ErrCloseSent = errors.New("wsserver: websocket close frame already sent")

const (
	poolBufSize = 4096 // read buffer taken from bufPool when data is ready
	ownBufSize  = 512  // read buffer of a connection without raw access (TLS, pipes)
	// closeTimeout bounds the wait for the peer's close frame after ours.
	closeTimeout = 5 * time.Second
	// failTimeout bounds the wait for the peer's close frame after a protocol error.
	failTimeout = time.Second
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, poolBufSize); return &b }}

// Conn is the server side of one websocket. One goroutine reads (ReadMessage); writes
// (Write, TryWrite, Close) are serialized by the Conn and may come from any goroutine,
// but the caller keeps data frames in order (one writer of data at a time).
//
// An idle Conn over a *net.TCPConn holds no read buffer: it waits for readability in the
// runtime's poller and takes a pooled buffer only when bytes are there.
type Conn struct {
	nc    net.Conn
	rc    syscall.RawConn // nil: read and write through nc
	limit int64

	// Reader state (the reading goroutine only).
	rbuf   *[]byte // unread input is (*rbuf)[r:w]; pooled when rc != nil, nil when empty
	r, w   int
	msg    []byte // fragments of the message being assembled
	msgOp  byte   // its opcode
	inFrag bool   // a fragmented message is in progress
	msgZ   bool   // the message is compressed (RSV1 on its first frame)

	deflate   bool // permessage-deflate was negotiated
	threshold int  // smallest message compressed

	park parking // parking while idle (EnablePark)

	wmu       sync.Mutex
	closeSent bool   // guarded by wmu
	pending   []byte // unwritten tail of a TryWrite, written before anything else; guarded by wmu
}

func newConn(nc net.Conn, early []byte, opts Options) *Conn {
	c := &Conn{nc: nc, limit: opts.ReadLimit}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
		}
	}
	if c.rc == nil {
		b := make([]byte, max(ownBufSize, len(early)))
		c.rbuf = &b
	} else if len(early) > 0 {
		if len(early) <= poolBufSize {
			c.rbuf = bufPool.Get().(*[]byte)
		} else {
			b := make([]byte, len(early))
			c.rbuf = &b
		}
	}
	if len(early) > 0 {
		c.w = copy(*c.rbuf, early)
	}
	return c
}

// NewConn returns a Conn over nc, a connection whose opening handshake is done; early
// holds bytes already read from it after the handshake (they are copied).
func NewConn(nc net.Conn, early []byte, opts Options) *Conn { return newConn(nc, early, opts) }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// CanTryWrite reports whether TryWrite can write without blocking (the connection gives
// raw access to its socket). When false, TryWrite never writes.
func (c *Conn) CanTryWrite() bool { return c.rc != nil }

// ReadMessage returns the next data message: its bytes (owned by the caller) and whether it
// is binary. It answers pings and the close handshake itself. On error the connection is
// closed: a *CloseError when the peer closed, a *ProtocolError when the peer broke the
// protocol (the close frame with its status was sent first), or the network error.
func (c *Conn) ReadMessage() (data []byte, binary bool, err error) {
	for {
		if c.rbuf == nil || c.r == c.w {
			// Wait for input here, few frames deep, so that an idle connection's goroutine
			// parks on a small stack (and holds no buffer: see readMore), or the
			// connection parks without a goroutine (EnablePark).
			if c.park.poller != nil && !c.inFrag {
				parked, err := c.waitInput()
				if parked {
					return nil, false, ErrParked
				}
				if err != nil {
					return nil, false, c.readFailed(err)
				}
			} else if err := c.fill(); err != nil {
				return nil, false, c.readFailed(err)
			}
		}
		data, binary, done, err := c.readFrame()
		if err != nil {
			return nil, false, c.readFailed(err)
		}
		if done {
			return data, binary, nil
		}
	}
}

// readFrame reads one frame; done is true when it completed a data message.
func (c *Conn) readFrame() (data []byte, binary, done bool, err error) {
	fin, op, n, key, err := c.readHeader()
	if err != nil {
		return nil, false, false, err
	}
	if op >= OpClose {
		return nil, false, false, c.readControl(op, int(n), key)
	}
	if !c.inFrag {
		c.msgOp = op
	}
	if fin && !c.inFrag && !c.msgZ {
		data = make([]byte, n)
		if err := c.readPayload(data, key); err != nil {
			return nil, false, false, err
		}
	} else {
		off := len(c.msg)
		c.msg = slices.Grow(c.msg, int(n))[:off+int(n)]
		if err := c.readPayload(c.msg[off:], key); err != nil {
			return nil, false, false, err
		}
		c.inFrag = !fin
		if !fin {
			return nil, false, false, nil
		}
		data, c.msg = c.msg, nil
		if c.msgZ {
			if data, err = inflate(data, c.limit); err != nil {
				return nil, false, false, err
			}
		}
	}
	if c.msgOp == OpText && !utf8.Valid(data) {
		return nil, false, false, &ProtocolError{StatusInvalidPayload, "text message is not valid UTF-8"}
	}
	return data, c.msgOp == OpBinary, true, nil
}

// readControl reads the payload of a control frame and acts on it: a ping is answered, a
// pong ignored, a close ends the connection (see onClose).
func (c *Conn) readControl(op byte, n int, key [4]byte) error {
	var cb [maxControlPayload]byte
	p := cb[:n]
	if err := c.readPayload(p, key); err != nil {
		return err
	}
	switch op {
	case OpPing:
		c.wmu.Lock()
		defer c.wmu.Unlock()
		if c.closeSent {
			return nil
		}
		return c.writeLocked(AppendFrame(make([]byte, 0, 2+len(p)), OpPong, p))
	case OpPong:
		return nil
	}
	return c.onClose(p)
}

// readHeader reads and checks one frame header (RFC 6455 section 5.2) as Node's ws does.
func (c *Conn) readHeader() (fin bool, op byte, n int64, key [4]byte, err error) {
	if err = c.ensure(2); err != nil {
		if errors.Is(err, io.EOF) && c.w > c.r {
			err = io.ErrUnexpectedEOF
		}
		return
	}
	b := (*c.rbuf)[c.r:c.w]
	fin, op = b[0]&0x80 != 0, b[0]&0x0F
	l7 := int64(b[1] & 0x7F)
	dataStart := (op == OpText || op == OpBinary) && !c.inFrag
	switch {
	case b[0]&0x40 != 0 && !c.deflate:
		err = &ProtocolError{StatusProtocolError, "RSV1 set without a negotiated extension"}
	case b[0]&0x40 != 0 && !dataStart:
		err = &ProtocolError{StatusProtocolError, "RSV1 set on a frame other than the first of a message"}
	case b[0]&0x30 != 0:
		err = &ProtocolError{StatusProtocolError, "RSV2 and RSV3 must be clear"}
	case op == OpContinuation && !c.inFrag:
		err = &ProtocolError{StatusProtocolError, "continuation frame without a fragmented message"}
	case (op == OpText || op == OpBinary) && c.inFrag:
		err = &ProtocolError{StatusProtocolError, "new data frame inside a fragmented message"}
	case op >= OpClose && op <= OpPong && !fin:
		err = &ProtocolError{StatusProtocolError, "fragmented control frame"}
	case op >= OpClose && op <= OpPong && l7 > maxControlPayload:
		err = &ProtocolError{StatusProtocolError, "control frame payload over 125 bytes"}
	case op > OpBinary && (op < OpClose || op > OpPong):
		err = &ProtocolError{StatusProtocolError, fmt.Sprintf("reserved opcode %#x", op)}
	case b[1]&0x80 == 0:
		err = &ProtocolError{StatusProtocolError, "client frame not masked"}
	}
	if err != nil {
		return
	}
	need := 2 + 4
	switch l7 {
	case 126:
		need += 2
	case 127:
		need += 8
	}
	if err = c.ensure(need); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return
	}
	b = (*c.rbuf)[c.r:c.w]
	var size uint64
	switch l7 {
	case 126:
		size = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		size = binary.BigEndian.Uint64(b[2:])
	default:
		size = uint64(l7)
	}
	if size > 1<<53-1 { // Node's ws: lengths above 2^53-1 are refused, whatever the limit
		err = &ProtocolError{StatusMessageTooBig, fmt.Sprintf("frame of %d bytes", size)}
		return
	}
	if op < OpClose && c.limit > 0 && uint64(len(c.msg))+size > uint64(c.limit) {
		err = &ProtocolError{StatusMessageTooBig, fmt.Sprintf("message of %d bytes or more, over the limit of %d", uint64(len(c.msg))+size, c.limit)}
		return
	}
	copy(key[:], b[need-4:need])
	c.r += need
	if dataStart {
		c.msgZ = b[0]&0x40 != 0
	}
	return fin, op, int64(size), key, nil
}

// onClose handles the peer's close frame with payload p: it answers (echoing the status
// code, as Node's ws does) unless our close frame went first, and closes the connection.
func (c *Conn) onClose(p []byte) error {
	code, reason := StatusNoStatus, ""
	switch {
	case len(p) == 1:
		return &ProtocolError{StatusProtocolError, "close frame with a 1-byte payload"}
	case len(p) >= 2:
		code = int(binary.BigEndian.Uint16(p))
		if !validCloseCode(code) {
			return &ProtocolError{StatusProtocolError, fmt.Sprintf("invalid close status code %d", code)}
		}
		if !utf8.Valid(p[2:]) {
			return &ProtocolError{StatusInvalidPayload, "close reason is not valid UTF-8"}
		}
		reason = string(p[2:])
	}
	c.wmu.Lock()
	if !c.closeSent {
		c.closeSent = true
		reply := code
		if code == StatusNoStatus {
			reply = 0
		}
		_ = c.writeLocked(AppendClose(nil, reply, ""))
	}
	c.wmu.Unlock()
	return &CloseError{Code: code, Reason: reason}
}

// readFailed ends the connection after a read error and returns err. After a protocol
// error it first sends the close frame with the error's status and waits a little for the
// peer's answering close frame, so that the peer reads ours rather than a reset.
func (c *Conn) readFailed(err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		c.wmu.Lock()
		sent := c.closeSent
		c.closeSent = true
		var werr error
		if !sent {
			werr = c.writeLocked(AppendClose(nil, pe.Code, pe.Msg))
		}
		c.wmu.Unlock()
		if werr == nil {
			if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
				_ = cw.CloseWrite()
			}
			c.setCloseDeadline(time.Now().Add(failTimeout))
			c.drain()
		}
	}
	c.park.pmu.Lock()
	c.park.closing = true
	c.park.pmu.Unlock()
	_ = c.nc.Close()
	c.release()
	c.msg = nil
	return err
}

// drain reads and drops frames until the peer's close frame, the end of the stream or the
// read deadline (a frame too long to skip makes it drop bytes until one of the latter).
func (c *Conn) drain() {
	for {
		if c.ensure(2) != nil {
			return
		}
		b := (*c.rbuf)[c.r:c.w]
		op, l7 := b[0]&0x0F, b[1]&0x7F
		need := 2
		if b[1]&0x80 != 0 {
			need += 4
		}
		switch l7 {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if c.ensure(need) != nil {
			return
		}
		b = (*c.rbuf)[c.r:c.w]
		size := uint64(l7)
		switch l7 {
		case 126:
			size = uint64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			size = binary.BigEndian.Uint64(b[2:])
		}
		c.r += need
		if op == OpClose {
			return
		}
		if size > uint64(max(c.limit, 1<<16)) {
			// Not a frame to skip (the one refused for its length, or garbage): drop
			// everything until the peer ends the stream or the deadline.
			size = math.MaxUint64
		}
		for size > 0 {
			if c.r == c.w {
				if c.readMore() != nil {
					return
				}
			}
			k := uint64(c.w - c.r)
			if k > size {
				k = size
			}
			c.r += int(k)
			size -= k
		}
	}
}

// readPayload fills p with the payload bytes that follow and unmasks them: buffered bytes
// first, the rest read straight into p.
func (c *Conn) readPayload(p []byte, key [4]byte) error {
	k := 0
	if c.rbuf != nil {
		k = copy(p, (*c.rbuf)[c.r:c.w])
		c.r += k
		if c.r == c.w {
			c.release() // the rest is read straight into p: hold no buffer meanwhile
		}
	}
	for k < len(p) {
		n, err := c.readDirect(p[k:])
		k += n
		if n > 0 {
			c.park.reads++
		}
		if err != nil && k < len(p) {
			switch c.deadlineKind(err) {
			case deadlineIdle:
				c.clearIdle()
				continue
			case deadlineOld:
				continue
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	mask(p, key, 0)
	return nil
}

// ensure makes at least n (at most the buffer's size) unread bytes buffered.
func (c *Conn) ensure(n int) error {
	for c.rbuf == nil || c.w-c.r < n {
		if err := c.fill(); err != nil {
			return err
		}
	}
	return nil
}

// fill reads more input into the buffer inside a message: the idle deadline of a
// connection that parks (see waitInput) does not end a message being read.
func (c *Conn) fill() error {
	for {
		err := c.readMore()
		if err == nil {
			return nil
		}
		switch c.deadlineKind(err) {
		case deadlineIdle:
			c.clearIdle()
		case deadlineOld:
		default:
			return err
		}
	}
}

// readMore reads more input into the buffer. With nothing buffered and raw access, the
// buffer goes back to the pool first and a new one is taken only when data is ready.
func (c *Conn) readMore() error {
	if c.rc != nil && (c.rbuf == nil || c.r == c.w) {
		c.release()
		o := sysOps.Get().(*sysOp)
		o.takeBuf = true
		err := c.rc.Read(o.read)
		b, n, rerr := o.buf, o.n, o.err
		o.done()
		switch {
		case err != nil:
		case rerr != nil:
			err = os.NewSyscallError("read", rerr)
		case n <= 0:
			err = io.EOF
		}
		if err != nil {
			if b != nil {
				bufPool.Put(b)
			}
			return err
		}
		c.rbuf, c.r, c.w = b, 0, n
		c.park.reads++
		return nil
	}
	buf := *c.rbuf
	if c.r > 0 {
		c.w = copy(buf, buf[c.r:c.w])
		c.r = 0
	}
	n, err := c.readDirect(buf[c.w:])
	c.w += n
	if n > 0 {
		c.park.reads++
		return nil
	}
	return err
}

// readDirect reads into p: through the raw socket (waiting for readability without a
// buffer) or through the net.Conn.
func (c *Conn) readDirect(p []byte) (int, error) {
	if c.rc == nil {
		return c.nc.Read(p)
	}
	o := sysOps.Get().(*sysOp)
	o.p = p
	err := c.rc.Read(o.read)
	n, rerr := o.n, o.err
	o.done()
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, os.NewSyscallError("read", rerr)
	case n <= 0:
		return 0, io.EOF
	}
	return n, nil
}

// sysOp is one raw read or write: the callback handed to syscall.RawConn and its results.
// They are pooled: a closure would be a heap allocation per call.
type sysOp struct {
	p           []byte  // read into or write from
	takeBuf     bool    // read into a buffer taken from bufPool once data is ready
	buf         *[]byte // that buffer
	n           int
	err         error
	read, write func(uintptr) bool // o.doRead, o.doWrite
}

var sysOps = sync.Pool{New: func() any {
	o := &sysOp{}
	o.read, o.write = o.doRead, o.doWrite
	return o
}}

// doRead reads once; EAGAIN returns the buffer (if taken) and asks RawConn to wait.
func (o *sysOp) doRead(fd uintptr) bool {
	p := o.p
	if o.takeBuf {
		o.buf = bufPool.Get().(*[]byte)
		p = *o.buf
	}
	o.n, o.err = readFD(fd, p)
	if o.err == syscall.EAGAIN {
		if o.takeBuf {
			bufPool.Put(o.buf)
			o.buf = nil
		}
		return false
	}
	return true
}

// doWrite writes once and never waits: EAGAIN or a short count is the caller's to handle.
func (o *sysOp) doWrite(fd uintptr) bool {
	for {
		o.n, o.err = syscall.Write(int(fd), o.p)
		if o.err != syscall.EINTR {
			return true
		}
	}
}

func (o *sysOp) done() {
	o.p, o.takeBuf, o.buf, o.n, o.err = nil, false, nil, 0, nil
	sysOps.Put(o)
}

func readFD(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// release gives the read buffer back to the pool when nothing in it is unread.
func (c *Conn) release() {
	if c.rc == nil || c.rbuf == nil {
		return
	}
	if cap(*c.rbuf) == poolBufSize {
		bufPool.Put(c.rbuf)
	}
	c.rbuf, c.r, c.w = nil, 0, 0
}

// Write writes b, one or more complete frames (see AppendHeader), blocking until done. The
// rest of an earlier TryWrite goes first.
func (c *Conn) Write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return ErrCloseSent
	}
	return c.writeLocked(b)
}

// TryWrite writes b, one or more complete frames, without blocking; the connection must
// allow it (CanTryWrite). It returns ok=false when the Conn is busy writing (for instance
// answering a ping): nothing of b was written and the caller must send it with Write. With
// ok=true, b was taken: flushed reports whether it is all on the wire; if not, the Conn
// keeps the rest (copied) and the caller must call Write (b may be empty) to finish it.
func (c *Conn) TryWrite(b []byte) (ok, flushed bool, err error) {
	if c.rc == nil || !c.wmu.TryLock() {
		return false, false, nil
	}
	defer c.wmu.Unlock()
	if c.closeSent {
		return true, true, ErrCloseSent
	}
	if len(c.pending) > 0 {
		c.pending = append(c.pending, b...)
		return true, false, nil
	}
	o := sysOps.Get().(*sysOp)
	o.p = b
	err = c.rc.Write(o.write)
	n, werr := o.n, o.err
	o.done()
	if err == nil && werr != nil && werr != syscall.EAGAIN {
		err = os.NewSyscallError("write", werr)
	}
	if err != nil {
		return true, true, err
	}
	n = max(n, 0)
	if n == len(b) {
		return true, true, nil
	}
	c.pending = append([]byte(nil), b[n:]...)
	return true, false, nil
}

func (c *Conn) writeLocked(b []byte) error {
	if len(c.pending) > 0 {
		p := c.pending
		c.pending = nil
		if _, err := c.nc.Write(p); err != nil {
			return err
		}
	}
	if len(b) == 0 {
		return nil
	}
	_, err := c.nc.Write(b)
	return err
}

// Close starts the closing handshake: it sends a close frame with code and reason (after
// what is being written) unless one was sent already, and gives the peer closeTimeout to
// answer. The reading goroutine sees the answer and closes the connection; without one,
// Close does it itself (see CloseAndWait).
func (c *Conn) Close(code int, reason string) error {
	c.wmu.Lock()
	if c.closeSent {
		c.wmu.Unlock()
		return nil
	}
	c.closeSent = true
	err := c.writeLocked(AppendClose(nil, code, reason))
	c.wmu.Unlock()
	if err != nil {
		_ = c.closeParked()
		return err
	}
	c.setCloseDeadline(time.Now().Add(closeTimeout))
	// A parked connection gets its reader back, to read the peer's answer.
	c.unpark()
	return nil
}

// CloseAndWait runs the whole closing handshake on a Conn that nobody reads: Close, then
// read until the peer's close frame (or closeTimeout), then close the connection.
func (c *Conn) CloseAndWait(code int, reason string) error {
	err := c.Close(code, reason)
	for {
		if _, _, rerr := c.ReadMessage(); rerr != nil {
			break
		}
	}
	return err
}

// CloseNow closes the connection without a close frame.
func (c *Conn) CloseNow() error { return c.closeParked() }

// WriteMessage writes one unfragmented message, blocking until done.
func (c *Conn) WriteMessage(binary bool, p []byte) error {
	op := byte(OpText)
	if binary {
		op = OpBinary
	}
	return c.Write(c.AppendMessage(make([]byte, 0, HeaderLen(len(p))+len(p)), op, p))
}
