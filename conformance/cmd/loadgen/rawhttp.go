package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// pollEndpoint is where a polling client sends its requests.
type pollEndpoint struct {
	dialAddr string // host:port to dial
	host     string // Host header (and TLS server name, without the port)
	tls      bool
	target   string // request target: path?EIO=4&transport=polling (no sid)
}

// pollURL turns a -url base and -path into the polling endpoint (without sid).
func pollURL(base, path string) (pollEndpoint, error) {
	u, err := url.Parse(base)
	if err != nil {
		return pollEndpoint{}, fmt.Errorf("loadgen: -url %q: %w", base, err)
	}
	ep := pollEndpoint{host: u.Host}
	port := u.Port()
	switch u.Scheme {
	case "http", "ws":
		if port == "" {
			port = "80"
		}
	case "https", "wss":
		ep.tls = true
		if port == "" {
			port = "443"
		}
	default:
		return pollEndpoint{}, fmt.Errorf("loadgen: -url %q: scheme must be http, https, ws or wss", base)
	}
	if u.Hostname() == "" {
		return pollEndpoint{}, fmt.Errorf("loadgen: -url %q has no host", base)
	}
	ep.dialAddr = net.JoinHostPort(u.Hostname(), port)
	ep.target = (&url.URL{Path: path, RawQuery: "EIO=4&transport=polling"}).RequestURI()
	return ep, nil
}

// httpConn is one HTTP/1.1 keep-alive connection that runs one request at a time.
//
// Why not net/http's client: a polling echo costs two requests per ack, and net/http's
// client spends more CPU per request (a Request and its headers, a persistent
// connection's read and write goroutines and their channel handoffs) than the servers
// under test spend answering it. On a 2-core machine shared by tool and server, the
// tool's cost then decides acks/s for both servers (session 3: ~65 µs of tool CPU per
// ack against 48–56 µs of server CPU). This client writes the request from a buffer in
// one write and parses only what a polling response needs (status, Content-Length or
// chunked body, Connection: close).
type httpConn struct {
	d    *net.Dialer
	ep   pollEndpoint
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte

	bound  context.Context // the context whose end interrupts nc (see bind)
	unbind func() bool
}

func newHTTPConn(d *net.Dialer, ep pollEndpoint) *httpConn {
	return &httpConn{d: d, ep: ep}
}

// close closes the connection; the next request dials again.
func (h *httpConn) close() {
	if h.unbind != nil {
		h.unbind()
		h.unbind, h.bound = nil, nil
	}
	if h.nc != nil {
		_ = h.nc.Close()
		h.nc = nil
	}
}

// bind makes the end of ctx interrupt the connection's reads and writes. A client
// runs all its requests of one connection with the same long-lived context, so this
// registers once per connection, not once per request.
func (h *httpConn) bind(ctx context.Context) {
	if h.bound == ctx {
		return
	}
	if h.unbind != nil {
		h.unbind()
	}
	nc := h.nc
	h.bound = ctx
	h.unbind = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
}

// detach ends bind's hold: the end of the bound context no longer interrupts the
// connection. If it already did, the connection is closed (the next request dials).
func (h *httpConn) detach() {
	if h.unbind == nil {
		return
	}
	stopped := h.unbind()
	h.unbind, h.bound = nil, nil
	if !stopped {
		h.close()
	}
}

func (h *httpConn) dial(ctx context.Context) error {
	nc, err := h.d.DialContext(ctx, "tcp", h.ep.dialAddr)
	if err != nil {
		return err
	}
	if h.ep.tls {
		name, _, _ := net.SplitHostPort(h.ep.dialAddr)
		tc := tls.Client(nc, &tls.Config{ServerName: name})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return err
		}
		nc = tc
	}
	h.nc = nc
	if h.br == nil {
		h.br = bufio.NewReaderSize(nc, 4096)
	} else {
		h.br.Reset(nc)
	}
	return nil
}

// do sends one request (method GET or POST, target relative to the endpoint) and
// returns the status code and body of the response. A request on a reused
// connection that the server had closed meanwhile (the write fails, or the response
// ends before its first byte) is sent again once on a new connection.
func (h *httpConn) do(ctx context.Context, method, target string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := h.nc != nil
		if !reused {
			if err := h.dial(ctx); err != nil {
				return 0, nil, err
			}
		}
		h.bind(ctx)
		code, resp, started, err := h.roundTrip(method, target, body)
		if err == nil {
			return code, resp, nil
		}
		h.close()
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if reused && !started && attempt == 0 && isConnGone(err) {
			continue
		}
		return 0, nil, err
	}
}

func isConnGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// roundTrip writes the request and reads the response; started reports whether any
// byte of the response arrived.
func (h *httpConn) roundTrip(method, target string, body []byte) (code int, resp []byte, started bool, err error) {
	b := h.wbuf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, h.ep.host...)
	b = append(b, "\r\nUser-Agent: loadgen\r\n"...)
	if body != nil {
		b = append(b, "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	h.wbuf = b
	if _, err := h.nc.Write(b); err != nil {
		return 0, nil, false, err
	}

	line, err := h.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, len(line) > 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, true, fmt.Errorf("malformed status line %q", trunc(line))
	}
	code, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, true, fmt.Errorf("malformed status line %q", trunc(line))
	}
	length, chunked, closeAfter := -1, false, false
	for {
		line, err = h.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, true, fmt.Errorf("reading response headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || n > 16<<20 {
				return 0, nil, true, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case code == 204 || code == 304 || (code >= 100 && code < 200):
		resp = nil
	case chunked:
		resp, err = h.readChunked()
	case length >= 0:
		resp = make([]byte, length)
		_, err = io.ReadFull(h.br, resp)
	default:
		resp, err = io.ReadAll(io.LimitReader(h.br, 16<<20))
		closeAfter = true
	}
	if err != nil {
		return 0, nil, true, fmt.Errorf("reading response body: %w", err)
	}
	if closeAfter {
		h.close()
	}
	return code, resp, true, nil
}

// readChunked reads a chunked body (trailers are skipped).
func (h *httpConn) readChunked() ([]byte, error) {
	var out []byte
	for {
		line, err := h.br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte{';'})
		n, err := strconv.ParseUint(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || len(out)+int(n) > 16<<20 {
			return nil, fmt.Errorf("bad chunk size %q", trunc(line))
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err = h.br.ReadSlice('\n')
				if err != nil {
					return nil, err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return out, nil
				}
			}
		}
		start := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(h.br, out[start:]); err != nil {
			return nil, err
		}
		if _, err := h.br.Discard(2); err != nil { // the chunk's CRLF
			return nil, err
		}
	}
}
