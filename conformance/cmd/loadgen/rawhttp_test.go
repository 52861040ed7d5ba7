package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func endpointOf(t *testing.T, base string) pollEndpoint {
	t.Helper()
	ep, err := pollURL(base, "/socket.io/")
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func TestPollURL(t *testing.T) {
	for _, c := range []struct{ base, dial, host, target string }{
		{"http://127.0.0.1:3000", "127.0.0.1:3000", "127.0.0.1:3000", "/socket.io/?EIO=4&transport=polling"},
		{"ws://example.com", "example.com:80", "example.com", "/socket.io/?EIO=4&transport=polling"},
		{"https://[::1]", "[::1]:443", "[::1]", "/socket.io/?EIO=4&transport=polling"},
	} {
		ep := endpointOf(t, c.base)
		if ep.dialAddr != c.dial || ep.host != c.host || ep.target != c.target || ep.tls != strings.HasPrefix(c.base, "https") {
			t.Errorf("%s: %+v", c.base, ep)
		}
	}
	for _, bad := range []string{"ftp://x", "http://", "::"} {
		if _, err := pollURL(bad, "/"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestHTTPConnBodies reads the body forms a polling server may use: Content-Length,
// chunked, and a body that ends with the connection; a non-200 status is an error.
func TestHTTPConnBodies(t *testing.T) {
	var requests atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Query().Get("form") {
		case "length":
			w.Header().Set("Content-Length", "5")
			_, _ = w.Write([]byte("hello"))
		case "chunked":
			_, _ = w.Write([]byte("chu"))
			w.(http.Flusher).Flush() // no Content-Length: chunked
			_, _ = w.Write([]byte("nked:" + string(body)))
		case "close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		default:
			http.Error(w, "no such form", http.StatusBadRequest)
		}
	}))
	defer hs.Close()
	h := newHTTPConn(&net.Dialer{}, endpointOf(t, hs.URL))
	defer h.close()
	ctx := t.Context()
	if b, err := pollDo(ctx, h, "GET", "/?form=length", nil); err != nil || string(b) != "hello" {
		t.Fatalf("length: %q %v", b, err)
	}
	first := h.nc
	if b, err := pollDo(ctx, h, "POST", "/?form=chunked", []byte("x")); err != nil || string(b) != "chunked:x" {
		t.Fatalf("chunked: %q %v", b, err)
	}
	if h.nc != first {
		t.Fatal("the connection was not reused")
	}
	if b, err := pollDo(ctx, h, "GET", "/?form=close", nil); err != nil || string(b) != "bye" || h.nc != nil {
		t.Fatalf("close: %q %v, conn kept: %v", b, err, h.nc != nil)
	}
	if b, err := pollDo(ctx, h, "GET", "/?form=length", nil); err != nil || string(b) != "hello" {
		t.Fatalf("after close: %q %v", b, err)
	}
	if _, err := pollDo(ctx, h, "GET", "/?form=nope", nil); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("400: %v", err)
	}
	if n := requests.Load(); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
}

// TestHTTPConnRedial: a server that closes a keep-alive connection between requests
// (Node's keepAliveTimeout) costs a new connection, not a failed request.
func TestHTTPConnRedial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { // stopped by ln.Close; the test waits on done
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			// One request per connection, then close without saying so.
			br := bufio.NewReader(nc)
			for {
				line, err := br.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			_, _ = nc.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			_ = nc.Close()
		}
	}()
	defer func() { _ = ln.Close(); <-done }()
	h := newHTTPConn(&net.Dialer{}, endpointOf(t, "http://"+ln.Addr().String()))
	defer h.close()
	for i := range 3 {
		time.Sleep(20 * time.Millisecond) // let the close arrive
		if b, err := pollDo(t.Context(), h, "GET", "/", nil); err != nil || string(b) != "ok" {
			t.Fatalf("request %d: %q %v", i, b, err)
		}
	}
}

// TestHTTPConnCancel: the end of the request's context interrupts a pending GET.
func TestHTTPConnCancel(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hs.Close()
	defer close(release)
	h := newHTTPConn(&net.Dialer{}, endpointOf(t, hs.URL))
	defer h.close()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { _, err := pollDo(ctx, h, "GET", "/", nil); errc <- err }() // ends with cancel
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pending GET did not end when its context did")
	}
}
