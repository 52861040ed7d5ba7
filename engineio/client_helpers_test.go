package engineio

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// servePipe serves h over an in-memory pipeListener (so that the test can run inside a
// synctest bubble) and returns an HTTP client that reaches it at http://pipe/. Everything is
// shut down at cleanup.
func servePipe(t *testing.T, h http.Handler) *http.Client {
	t.Helper()
	l := newPipeListener()
	hs := &http.Server{Handler: h}
	var wg sync.WaitGroup
	wg.Go(func() { _ = hs.Serve(l) }) // stopped by hs.Close at cleanup
	tr := &http.Transport{DialContext: l.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = hs.Close()
		wg.Wait()
	})
	return &http.Client{Transport: tr}
}

// clientEvents records what a ClientSocket's handlers see.
type clientEvents struct {
	msgs     chan Message
	upgrades chan string
	closes   chan closeEvent
}

func newClientEvents() *clientEvents {
	return &clientEvents{
		msgs:     make(chan Message, 256),
		upgrades: make(chan string, 4),
		closes:   make(chan closeEvent, 4),
	}
}

// opts fills the handlers of o (a new DialOptions when nil).
func (e *clientEvents) opts(o *DialOptions) *DialOptions {
	if o == nil {
		o = &DialOptions{}
	}
	o.OnMessage = func(m Message) { e.msgs <- m }
	o.OnUpgrade = func(tr string) { e.upgrades <- tr }
	o.OnClose = func(reason string, cause error) { e.closes <- closeEvent{reason: reason, cause: cause} }
	return o
}

// fakeEngine is a scripted engine.io server for hostile-input tests. The handshake request
// (no sid) gets status/handshake; later GETs get the bodies sent on gets (or block until
// the request ends); POST bodies go to posts. A websocket request gets the handshake as a
// text frame, then the frames sent on frames; the frames it reads go to wsIn.
type fakeEngine struct {
	status    int    // of the handshake answer; 0 means 200
	handshake string // body or first frame
	silent    bool   // never answer the handshake
	ctype     string // Content-Type of GET answers after the handshake, if set

	gets   chan string
	posts  chan string
	frames chan fakeFrame
	wsIn   chan string
	reqs   chan *http.Request // every request, as received
}

type fakeFrame struct {
	data   string
	binary bool
}

func newFakeEngine(handshake string) *fakeEngine {
	return &fakeEngine{
		handshake: handshake,
		gets:      make(chan string, 16),
		posts:     make(chan string, 64),
		frames:    make(chan fakeFrame, 16),
		wsIn:      make(chan string, 64),
		reqs:      make(chan *http.Request, 64),
	}
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case f.reqs <- r:
	default:
	}
	q := r.URL.Query()
	if q.Get("transport") == "websocket" {
		f.serveWebsocket(w, r)
		return
	}
	switch {
	case r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		f.posts <- string(b)
		_, _ = io.WriteString(w, "ok")
	case q.Get("sid") == "":
		if f.silent {
			<-r.Context().Done()
			return
		}
		if f.status != 0 {
			w.WriteHeader(f.status)
		}
		_, _ = io.WriteString(w, f.handshake)
	default:
		if f.ctype != "" {
			w.Header().Set("Content-Type", f.ctype)
		}
		select {
		case body := <-f.gets:
			_, _ = io.WriteString(w, body)
		case <-r.Context().Done():
		}
	}
}

func (f *fakeEngine) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { // stopped by cancel: the read fails
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				cancel()
				return
			}
			select {
			case f.wsIn <- string(b):
			default:
			}
		}
	})
	if f.silent {
		<-ctx.Done()
		return
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(f.handshake)); err != nil {
		return
	}
	for {
		select {
		case fr := <-f.frames:
			typ := websocket.MessageText
			if fr.binary {
				typ = websocket.MessageBinary
			}
			if err := c.Write(ctx, typ, []byte(fr.data)); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// query returns the query of the next request the fake received.
func (f *fakeEngine) nextRequest(t *testing.T) *http.Request {
	t.Helper()
	select {
	case r := <-f.reqs:
		return r
	default:
		t.Fatal("no request recorded")
		return nil
	}
}

func queryOf(r *http.Request) url.Values { return r.URL.Query() }

// waitClose waits for the socket's close event. Inside a synctest bubble, fake time runs
// while it waits, and a close that never comes is reported as a deadlock.
func (e *clientEvents) waitClose(t *testing.T) closeEvent {
	t.Helper()
	return <-e.closes
}

// waitMsg waits for the next message (see waitClose).
func (e *clientEvents) waitMsg(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-e.msgs:
		return m
	case c := <-e.closes:
		t.Fatalf("closed (%s: %v) while waiting for a message", c.reason, c.cause)
		return Message{}
	}
}
