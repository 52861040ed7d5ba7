package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// waitLimit bounds every wait for the server in these tests: reaching it is a failure,
// not a pause.
const waitLimit = 10 * time.Second

// peer is a chat user speaking raw Engine.IO v4 / socket.io v5 over a websocket, as the
// official client does.
type peer struct {
	t    *testing.T
	name string
	ws   *websocket.Conn
}

// event is one EVENT or ACK packet received.
type event struct {
	name string            // the event name, or "ack <id>" for an acknowledgement
	args []json.RawMessage // the arguments after the name
}

// dialPeer opens the websocket, checks the Engine.IO handshake and connects to "/".
func dialPeer(t *testing.T, baseURL, name string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, u, err)
	}
	p := &peer{t: t, name: name, ws: ws}
	t.Cleanup(func() { _ = ws.CloseNow() })
	if open := p.read(); !strings.HasPrefix(open, `0{"sid":`) {
		t.Fatalf("%s: open packet = %q, want 0{\"sid\":...}", name, open)
	}
	p.write("40")
	if connect := p.read(); !strings.HasPrefix(connect, `40{"sid":`) {
		t.Fatalf("%s: connect reply = %q, want 40{\"sid\":...}", name, connect)
	}
	return p
}

func (p *peer) write(msg string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), waitLimit)
	defer cancel()
	if err := p.ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		p.t.Fatalf("%s: write %q: %v", p.name, msg, err)
	}
}

// read returns the next Engine.IO packet, answering pings on the way.
func (p *peer) read() string {
	p.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(p.t.Context(), waitLimit)
		_, data, err := p.ws.Read(ctx)
		cancel()
		if err != nil {
			p.t.Fatalf("%s: read: %v", p.name, err)
		}
		if string(data) == "2" {
			p.write("3")
			continue
		}
		return string(data)
	}
}

// emit sends an event; with ackID >= 0 it asks for an acknowledgement with that id.
func (p *peer) emit(ackID int, name string, args ...any) {
	p.t.Helper()
	data, err := json.Marshal(append([]any{name}, args...))
	if err != nil {
		p.t.Fatal(err)
	}
	id := ""
	if ackID >= 0 {
		id = strconv.Itoa(ackID)
	}
	p.write("42" + id + string(data))
}

// next returns the next event or acknowledgement.
func (p *peer) next() event {
	p.t.Helper()
	msg := p.read()
	kind, rest := "", ""
	switch {
	case strings.HasPrefix(msg, "42"):
		kind, rest = "event", msg[2:]
	case strings.HasPrefix(msg, "43"):
		kind, rest = "ack", msg[2:]
	default:
		p.t.Fatalf("%s: unexpected packet %q", p.name, msg)
	}
	i := strings.IndexByte(rest, '[')
	if i < 0 {
		p.t.Fatalf("%s: packet without arguments: %q", p.name, msg)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(rest[i:]), &arr); err != nil {
		p.t.Fatalf("%s: packet %q: %v", p.name, msg, err)
	}
	if kind == "ack" {
		return event{name: "ack " + rest[:i], args: arr}
	}
	var name string
	if len(arr) == 0 || json.Unmarshal(arr[0], &name) != nil {
		p.t.Fatalf("%s: event without a name: %q", p.name, msg)
	}
	return event{name: name, args: arr[1:]}
}

// waitFor reads until the event (or "ack <id>") called name arrives; it returns that
// event's first argument decoded into v and the names of the events read before it.
func (p *peer) waitFor(name string, v any) (skipped []string) {
	p.t.Helper()
	for {
		ev := p.next()
		if ev.name != name {
			skipped = append(skipped, ev.name)
			continue
		}
		if v != nil {
			if len(ev.args) == 0 {
				p.t.Fatalf("%s: %s without arguments", p.name, name)
			}
			if err := json.Unmarshal(ev.args[0], v); err != nil {
				p.t.Fatalf("%s: %s %s: %v", p.name, name, ev.args[0], err)
			}
		}
		return skipped
	}
}

// notIn fails when skipped contains any of names.
func (p *peer) notIn(skipped []string, names ...string) {
	p.t.Helper()
	for _, s := range skipped {
		for _, n := range names {
			if s == n {
				p.t.Errorf("%s received %q, which was not for them (events read: %v)", p.name, n, skipped)
			}
		}
	}
}

// login picks a nickname and returns the "login" reply.
func (p *peer) login() loginReply {
	p.t.Helper()
	p.emit(-1, "add user", p.name)
	var r loginReply
	p.waitFor("login", &r)
	return r
}

// join switches room and returns the answer, and the events read before it.
func (p *peer) join(ackID int, room string) (joinReply, []string) {
	p.t.Helper()
	p.emit(ackID, "join", room)
	var r joinReply
	skipped := p.waitFor(fmt.Sprintf("ack %d", ackID), &r)
	return r, skipped
}

// expectClosed reads until the server closes the connection; it fails on a timeout.
func (p *peer) expectClosed() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), waitLimit)
	defer cancel()
	for {
		_, data, err := p.ws.Read(ctx)
		if err == nil {
			if !strings.HasPrefix(string(data), "4") && string(data) != "2" {
				p.t.Errorf("%s: unexpected packet %q while waiting for the close", p.name, data)
			}
			continue
		}
		if ctx.Err() != nil {
			p.t.Fatalf("%s: the server did not close the connection: %v", p.name, err)
		}
		return
	}
}

// pollingPeer is a user on the polling transport that never polls: whatever the server
// sends it stays in its queue.
type pollingPeer struct {
	t      *testing.T
	client *http.Client
	url    string // with the sid
}

func dialPolling(t *testing.T, baseURL string, client *http.Client) *pollingPeer {
	t.Helper()
	res, err := client.Get(baseURL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil || !bytes.HasPrefix(body, []byte("0{")) {
		t.Fatalf("polling handshake: %q, %v", body, err)
	}
	var open struct{ SID string }
	if err := json.Unmarshal(body[1:], &open); err != nil {
		t.Fatal(err)
	}
	return &pollingPeer{t: t, client: client, url: baseURL + "/socket.io/?EIO=4&transport=polling&sid=" + open.SID}
}

// post sends one payload.
func (p *pollingPeer) post(payload string) {
	p.t.Helper()
	res, err := p.client.Post(p.url, "text/plain;charset=UTF-8", strings.NewReader(payload))
	if err != nil {
		p.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("POST %q: %s", payload, res.Status)
	}
}
