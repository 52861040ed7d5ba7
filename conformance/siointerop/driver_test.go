package siointerop

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

// waitLimit bounds every wait for something the other side does. It is far
// above what any step takes; reaching it means the step will never happen.
const waitLimit = 15 * time.Second

// clientEvent is one line of sio-client.js.
type clientEvent struct {
	C         string            `json:"c"`
	Event     string            `json:"event"`
	ID        string            `json:"id"`
	EngineID  string            `json:"engineId"`
	Transport string            `json:"transport"`
	Recovered bool              `json:"recovered"`
	Message   string            `json:"message"`
	Data      json.RawMessage   `json:"data"`
	Reason    string            `json:"reason"`
	Name      string            `json:"name"`
	Args      []json.RawMessage `json:"args"`
	Token     *int              `json:"token"`
	Req       string            `json:"req"`
	Err       string            `json:"err"`
	Attempt   int               `json:"attempt"`
}

func (e clientEvent) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// mailbox keeps the events of one client in arrival order until a test takes
// them.
type mailbox struct {
	mu     sync.Mutex
	events []clientEvent
	notify chan struct{} // closed and replaced on every push
}

func newMailbox() *mailbox { return &mailbox{notify: make(chan struct{})} }

func (m *mailbox) push(e clientEvent) {
	m.mu.Lock()
	m.events = append(m.events, e)
	close(m.notify)
	m.notify = make(chan struct{})
	m.mu.Unlock()
}

// take removes and returns the first event that match accepts, or returns
// the channel that is closed on the next push.
func (m *mailbox) take(match func(clientEvent) bool) (clientEvent, bool, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.events {
		if match(e) {
			m.events = append(m.events[:i:i], m.events[i+1:]...)
			return e, true, nil
		}
	}
	return clientEvent{}, false, m.notify
}

func (m *mailbox) snapshot() []clientEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]clientEvent(nil), m.events...)
}

// driver is one sio-client.js process (one client version) shared by the
// scenarios of a transport group; it routes each output line to the mailbox of
// the client it names.
type driver struct {
	version int // 4 (socket.io-client 4.8) or 2 (socket.io-client 2.5)
	p       *nodeenv.Process

	mu    sync.Mutex
	boxes map[string]*mailbox // by client name; guarded by mu
}

// startDriver starts sio-client.js for version, owned by t: the process and
// the reader goroutine end in t's cleanup.
func startDriver(t *testing.T, version int) *driver {
	t.Helper()
	d := &driver{version: version, boxes: map[string]*mailbox{}}
	d.p = nodeenv.Start(t, "sio-client.js", &nodeenv.Options{Args: []string{fmt.Sprint(version)}})
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	var ready clientEvent
	if err := d.p.ReadJSON(ctx, &ready); err != nil || ready.Event != "ready" {
		t.Fatalf("sio-client.js did not start: %v (%+v)", err, ready)
	}
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	// Reader goroutine: owned by d, stopped by the cleanup below (which runs
	// before nodeenv's, registered earlier) or when the process exits.
	go func() {
		defer close(done)
		d.read(rctx)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	return d
}

func (d *driver) read(ctx context.Context) {
	for {
		line, err := d.p.ReadLine(ctx)
		if err != nil {
			// Wake every waiter: they see the process is gone.
			d.mu.Lock()
			for _, b := range d.boxes {
				b.push(clientEvent{Event: "fail", Message: "sio-client.js stopped: " + err.Error()})
			}
			d.mu.Unlock()
			return
		}
		var e clientEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			e = clientEvent{Event: "fail", Message: fmt.Sprintf("unparsable line %q: %v", line, err)}
		}
		d.box(e.C).push(e)
	}
}

func (d *driver) box(name string) *mailbox {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.boxes[name]
	if b == nil {
		b = newMailbox()
		d.boxes[name] = b
	}
	return b
}

func (d *driver) command(t testing.TB, cmd map[string]any) {
	t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := d.p.WriteLine(ctx, b); err != nil {
		t.Fatalf("command %s: %v", b, err)
	}
}

// client is one official client (one socket, on its own Manager or sharing
// another client's) as the test drives it.
type client struct {
	t    testing.TB
	d    *driver
	name string
	box  *mailbox

	engineID string // the engine id of the last "open" taken by world.waitOpen
}

// cmd sends a command about this client.
func (c *client) cmd(op string, fields map[string]any) {
	c.t.Helper()
	m := map[string]any{"op": op, "c": c.name}
	for k, v := range fields {
		m[k] = v
	}
	c.d.command(c.t, m)
}

// sync returns once the script has carried out every earlier command.
func (c *client) sync() {
	c.t.Helper()
	id := fmt.Sprint(syncCount.Add(1))
	c.cmd("sync", map[string]any{"id": id})
	c.want("sync "+id, func(e clientEvent) bool { return e.Event == "sync" && e.ID == id })
}

var syncCount atomic.Int64

// want returns the first event (in arrival order) that match accepts, waiting
// up to waitLimit; what does not match stays for later calls.
func (c *client) want(what string, match func(clientEvent) bool) clientEvent {
	c.t.Helper()
	e, err := c.wait(waitLimit, match)
	if err != nil {
		c.t.Fatalf("client %s: waiting for %s: %v", c.name, what, err)
	}
	return e
}

var errNoEvent = errors.New("no such event")

func (c *client) wait(limit time.Duration, match func(clientEvent) bool) (clientEvent, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		e, ok, notify := c.box.take(func(e clientEvent) bool { return match(e) || e.Event == "fail" })
		if ok {
			if e.Event == "fail" && !match(e) {
				return e, fmt.Errorf("the client script failed: %s", e.Message)
			}
			return e, nil
		}
		select {
		case <-notify:
		case <-timer.C:
			return clientEvent{}, fmt.Errorf("%w within %v; events not taken: %v", errNoEvent, limit, c.box.snapshot())
		case <-c.t.Context().Done():
			return clientEvent{}, c.t.Context().Err()
		}
	}
}

// wantKind waits for the next event of kind ("connect", "disconnect", ...).
func (c *client) wantKind(kind string) clientEvent {
	c.t.Helper()
	return c.want(fmt.Sprintf("a %q event", kind), func(e clientEvent) bool { return e.Event == kind })
}

// wantEvent waits for the server's event name.
func (c *client) wantEvent(name string) clientEvent {
	c.t.Helper()
	return c.want(fmt.Sprintf("server event %q", name), func(e clientEvent) bool { return e.Event == "event" && e.Name == name })
}

// eventsUntil returns the server events received before the next event
// named marker, in order, and takes them all.
func (c *client) eventsUntil(marker string) []clientEvent {
	c.t.Helper()
	var got []clientEvent
	for {
		e := c.want(fmt.Sprintf("server events up to %q", marker), func(e clientEvent) bool { return e.Event == "event" })
		if e.Name == marker {
			return got
		}
		got = append(got, e)
	}
}

// emit makes the client emit name with args (see jsArgs for binary).
func (c *client) emit(name string, args ...any) {
	c.t.Helper()
	c.cmd("emit", map[string]any{"name": name, "args": jsArgs(args)})
}

// emitAck emits with an ack callback; the answer comes as an "ackReply" event
// with req.
func (c *client) emitAck(req, name string, args ...any) {
	c.t.Helper()
	c.cmd("emit", map[string]any{"name": name, "args": jsArgs(args), "req": req})
}

// ack answers the server's ack request of event e.
func (c *client) ack(e clientEvent, args ...any) {
	c.t.Helper()
	if e.Token == nil {
		c.t.Fatalf("client %s: event %v carries no ack request", c.name, e)
	}
	c.d.command(c.t, map[string]any{"op": "ack", "token": *e.Token, "args": jsArgs(args)})
}

// jsArgs turns Go values into the script's JSON: []byte becomes {"$bin":…} at
// any depth (in []any and map[string]any).
func jsArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = toJS(a)
	}
	return out
}

func toJS(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]any{"$bin": base64.StdEncoding.EncodeToString(v)}
	case []any:
		return jsArgs(v)
	case map[string]any:
		o := make(map[string]any, len(v))
		for k, x := range v {
			o[k] = toJS(x)
		}
		return o
	}
	return v
}

// fromJS decodes the script's JSON into Go values as Args.Values gives them:
// numbers as float64, {"$bin":…} as []byte.
func fromJS(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("client value %s: %v", raw, err)
	}
	return restoreBin(t, v)
}

func fromJSArgs(t testing.TB, raws []json.RawMessage) []any {
	t.Helper()
	out := make([]any, len(raws))
	for i, r := range raws {
		out[i] = fromJS(t, r)
	}
	return out
}

func restoreBin(t testing.TB, v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = restoreBin(t, v[i])
		}
	case map[string]any:
		if b, ok := v["$bin"].(string); ok && len(v) == 1 {
			data, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				t.Fatalf("bad $bin %q: %v", b, err)
			}
			return data
		}
		for k := range v {
			v[k] = restoreBin(t, v[k])
		}
	}
	return v
}
