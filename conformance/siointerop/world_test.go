package siointerop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// mode is how the clients reach the server.
type mode struct {
	name       string
	transports []string
	upgrade    bool
	final      string // the transport the scenarios run on
}

var modes = []mode{
	{"polling", []string{"polling"}, false, "polling"},
	{"websocket", []string{"websocket"}, false, "websocket"},
	{"upgrade", []string{"polling", "websocket"}, true, "websocket"},
}

// srvSocket is a server-side socket as a scenario sees it: the events it
// received and its disconnect reason.
type srvSocket struct {
	*socketio.Socket
	events chan srvEvent // every incoming event (OnAny)
	reason chan string   // the disconnect reason, once
}

type srvEvent struct {
	name string
	args socketio.Args
}

// world is one scenario: a fresh server on 127.0.0.1, its namespaces, and the
// official clients the scenario opens on the group's driver.
type world struct {
	t    *testing.T
	d    *driver
	mode mode
	srv  *socketio.Server
	url  string

	mu      sync.Mutex
	sockets map[string]chan *srvSocket // by namespace; guarded by mu
}

var worldCount atomic.Int64

// watched lists the namespaces whose connections the world records.
var watched = []string{"/", "/admin", "/private"}

// newWorld starts a server with opts (nil: defaults); setup runs before it
// serves (middlewares, handlers). The server is closed in t's cleanup.
func newWorld(t *testing.T, d *driver, m mode, opts *socketio.Options, setup func(srv *socketio.Server)) *world {
	t.Helper()
	srv, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	w := &world{t: t, d: d, mode: m, srv: srv, sockets: map[string]chan *srvSocket{}}
	for _, name := range watched {
		ch := make(chan *srvSocket, 64)
		w.sockets[name] = ch
		srv.Of(name).OnConnection(func(s *socketio.Socket) {
			ss := &srvSocket{Socket: s, events: make(chan srvEvent, 256), reason: make(chan string, 1)}
			s.OnAny(func(event string, args socketio.Args) {
				select {
				case ss.events <- srvEvent{event, args}:
				default:
					t.Errorf("server socket %s: too many events", s.ID())
				}
			})
			s.OnDisconnect(func(reason socketio.DisconnectReason) { ss.reason <- reason })
			// "echo" sends its arguments back as an "echo" event, "echoAck"
			// as the acknowledgement.
			s.On("echo", func(args socketio.Args) { _ = s.Emit("echo", args.Values()...) })
			s.On("echoAck", func(args socketio.Args, ack func(...any)) { ack(args.Values()...) })
			ch <- ss
		})
	}
	if setup != nil {
		setup(srv)
	}
	ts := httptest.NewServer(srv)
	w.url = ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil && !errors.Is(err, socketio.ErrServerClosed) {
			t.Errorf("server Close: %v", err)
		}
		ts.Close()
	})
	return w
}

// open connects a new client (its own Manager) to nsp with opts merged over the
// mode's transports; name is unique in the world.
func (w *world) open(name, nsp string, opts map[string]any) *client {
	w.t.Helper()
	return w.openURL(name, w.url+nsp, opts)
}

func (w *world) openURL(name, url string, opts map[string]any) *client {
	w.t.Helper()
	c := w.newClient(name)
	o := map[string]any{
		"transports":   w.mode.transports,
		"upgrade":      w.mode.upgrade,
		"reconnection": false,
	}
	for k, v := range opts {
		o[k] = v
	}
	c.cmd("socket", map[string]any{"url": url, "opts": o})
	return c
}

// openOn opens a socket for nsp on the Manager of client on (multiplexed).
func (w *world) openOn(name string, on *client, nsp string, opts map[string]any) *client {
	w.t.Helper()
	c := w.newClient(name)
	if opts == nil {
		opts = map[string]any{}
	}
	c.cmd("socket", map[string]any{"on": on.name, "nsp": nsp, "opts": opts})
	return c
}

func (w *world) newClient(name string) *client {
	full := fmt.Sprintf("w%d.%s", worldCount.Add(1), name)
	return &client{t: w.t, d: w.d, name: full, box: w.d.box(full)}
}

// waitOpen waits until the client's engine is open (and upgraded in upgrade
// mode) and checks the transport.
func (w *world) waitOpen(c *client) clientEvent {
	w.t.Helper()
	open := c.wantKind("open")
	c.engineID = open.EngineID
	first := w.mode.transports[0]
	if open.Transport != first {
		w.t.Errorf("client %s opened with %q, want %q", c.name, open.Transport, first)
	}
	if w.mode.upgrade {
		if up := c.wantKind("upgrade"); up.Transport != "websocket" {
			w.t.Fatalf("client %s upgraded to %q, want websocket", c.name, up.Transport)
		}
	}
	return open
}

// connect waits for the client's connect event and the server socket of nsp,
// and checks that both agree.
func (w *world) connect(c *client, nsp string) (clientEvent, *srvSocket) {
	w.t.Helper()
	ce := c.wantKind("connect")
	ss := w.nextSocket(nsp)
	if ss.ID() != ce.ID {
		w.t.Errorf("client %s connected to %s as %q, server socket %q", c.name, nsp, ce.ID, ss.ID())
	}
	return ce, ss
}

// dial opens a client on nsp and waits until it is connected, on the mode's
// final transport.
func (w *world) dial(name, nsp string, opts map[string]any) (*client, *srvSocket) {
	w.t.Helper()
	c := w.open(name, nsp, opts)
	w.waitOpen(c)
	_, ss := w.connect(c, nsp)
	w.waitTransport(ss)
	return c, ss
}

// waitTransport waits until the server side of ss runs on the mode's final
// transport (after an upgrade, the server may finish it after the client).
func (w *world) waitTransport(ss *srvSocket) {
	w.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for ss.Conn().Transport() != w.mode.final {
		if time.Now().After(deadline) {
			w.t.Fatalf("server socket %s on %q, want %q", ss.ID(), ss.Conn().Transport(), w.mode.final)
		}
		time.Sleep(5 * time.Millisecond) // polling a state we cannot wait on
	}
}

func (w *world) nextSocket(nsp string) *srvSocket {
	w.t.Helper()
	w.mu.Lock()
	ch := w.sockets[nsp]
	w.mu.Unlock()
	select {
	case ss := <-ch:
		return ss
	case <-time.After(waitLimit):
		w.t.Fatalf("no server connection on %s within %v", nsp, waitLimit)
		return nil
	}
}

// noSocket fails if a connection on nsp was recorded.
func (w *world) noSocket(nsp string) {
	w.t.Helper()
	select {
	case ss := <-w.sockets[nsp]:
		w.t.Errorf("unexpected server connection on %s: %s", nsp, ss.ID())
	default:
	}
}

// wantServerEvent waits for the next event the server socket received.
func (w *world) wantServerEvent(ss *srvSocket, name string) srvEvent {
	w.t.Helper()
	select {
	case e := <-ss.events:
		if e.name != name {
			w.t.Fatalf("server socket %s got event %q (%s), want %q", ss.ID(), e.name, mustJSON(e.args), name)
		}
		return e
	case <-time.After(waitLimit):
		w.t.Fatalf("server socket %s: no event %q within %v", ss.ID(), name, waitLimit)
		return srvEvent{}
	}
}

// wantReason waits for the server socket's disconnect reason and wants one of
// reasons.
func (w *world) wantReason(ss *srvSocket, reasons ...string) string {
	w.t.Helper()
	select {
	case r := <-ss.reason:
		if !slices.Contains(reasons, r) {
			w.t.Errorf("server socket %s disconnected with %q, want %q", ss.ID(), r, reasons)
		}
		return r
	case <-time.After(waitLimit):
		w.t.Fatalf("server socket %s: no disconnect within %v", ss.ID(), waitLimit)
		return ""
	}
}

// wantDisconnect waits for the client's disconnect and wants one of reasons.
func wantDisconnect(t testing.TB, c *client, reasons ...string) {
	t.Helper()
	if e := c.wantKind("disconnect"); !slices.Contains(reasons, e.Reason) {
		t.Errorf("client %s disconnected with %q, want %q", c.name, e.Reason, reasons)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v (%v)", v, err)
	}
	return string(b)
}
