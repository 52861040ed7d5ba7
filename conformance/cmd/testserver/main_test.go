package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRun serves on the port from $PORT, answers an EIO=4 WebSocket handshake at
// /socket.io/ with the suite's timers, connects a client to "/" with an auth
// payload and gets it back in an "auth" event, and returns nil once its context ends.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "PORT" {
			return "0"
		}
		return ""
	}
	// Stopped by cancel below; the test waits for it.
	go func() { done <- run(ctx, getenv, pw); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read the listening line: %v", err)
	}
	const prefix = "listening on http://127.0.0.1:"
	if !strings.HasPrefix(line, prefix) || !strings.HasSuffix(line, "/socket.io/\n") {
		t.Fatalf("first line = %q, want %q, a port and /socket.io/", line, prefix)
	}
	url := "ws" + strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), "http")
	go io.Copy(io.Discard, pr) // Ends when run closes pw.

	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	c, _, err := websocket.Dial(wctx, url+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	read := func() string {
		t.Helper()
		for {
			_, b, err := c.Read(wctx)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(b) != "2" { // a ping, when the machine is slow
				return string(b)
			}
			if err := c.Write(wctx, websocket.MessageText, []byte("3")); err != nil {
				t.Fatalf("pong: %v", err)
			}
		}
	}
	if open := read(); !strings.HasPrefix(open, "0{") || !strings.Contains(open, `"pingInterval":300`) ||
		!strings.Contains(open, `"pingTimeout":200`) || !strings.Contains(open, `"maxPayload":1000000`) {
		t.Fatalf("open packet = %q, want pingInterval 300, pingTimeout 200, maxPayload 1000000", open)
	}
	if err := c.Write(wctx, websocket.MessageText, []byte(`40{"token":"t"}`)); err != nil {
		t.Fatal(err)
	}
	if got := read(); !strings.HasPrefix(got, `40{"sid":`) {
		t.Fatalf("CONNECT reply = %q, want 40{\"sid\":...}", got)
	}
	if got, want := read(), `42["auth",{"token":"t"}]`; got != want {
		t.Fatalf("after CONNECT got %q, want %q", got, want)
	}
	c.Close(websocket.StatusNormalClosure, "")

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}
