package reliability

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// The CORS and AllowRequest configurations the tests serve, by name. corsNodeScript
// configures engine.io 6.6 (cors 2.8) the same way under the same names.
var corsConfigs = map[string]engineio.Options{
	// Node: cors: {origin: "*"}.
	"wildcard": {CORS: &engineio.CORSOptions{Origins: []string{"*"}}},
	// Node: cors: {origin: true, credentials: true}. Ours never sends the wildcard
	// with credentials; Node's {origin: "*", credentials: true} does (see
	// TestCORSMatchesNode).
	"credentials": {CORS: &engineio.CORSOptions{Origins: []string{"*"}, Credentials: true}},
	// Node: cors: {origin: [a, b], credentials, methods, allowedHeaders,
	// exposedHeaders, maxAge: 600}.
	"list": {CORS: &engineio.CORSOptions{
		Origins:        []string{"https://a.example", "https://b.example"},
		Credentials:    true,
		Methods:        []string{"GET", "POST"},
		AllowedHeaders: []string{"x-token", "content-type"},
		ExposedHeaders: []string{"x-served-by"},
		MaxAge:         10 * time.Minute,
	}},
	// Node: cors: {origin: ["https://a.example"]}: default methods, request headers
	// echoed.
	"list-defaults": {CORS: &engineio.CORSOptions{Origins: []string{"https://a.example"}}},
	// Node: cors: {origin: (origin, cb) => cb(null, /\.example$/.test(origin))}.
	"func": {CORS: &engineio.CORSOptions{AllowOrigin: func(o string) bool { return strings.HasSuffix(o, ".example") }}},
	// Node: cors: {origin: ["https://a.example"]}, allowRequest: X-Token must be "ok",
	// else cb("Thou shall not pass", false).
	"allow-request": {
		CORS: &engineio.CORSOptions{Origins: []string{"https://a.example"}},
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Token") != "ok" {
				return errors.New("Thou shall not pass")
			}
			return nil
		},
	},
	// Node: allowRequest: (req, cb) => cb(null, false): refused with no message.
	"allow-request-silent": {AllowRequest: func(*http.Request) error { return errors.New("") }},
}

// corsProbe is one request of the tests.
type corsProbe struct {
	name    string
	method  string
	query   string
	header  []string // name, value, ...
	upgrade bool     // a websocket handshake
}

var corsProbes = []corsProbe{
	{name: "handshake, listed origin", method: "GET", query: "EIO=4&transport=polling", header: []string{"Origin", "https://a.example"}},
	{name: "handshake, other origin", method: "GET", query: "EIO=4&transport=polling", header: []string{"Origin", "https://evil.test"}},
	{name: "handshake, no origin", method: "GET", query: "EIO=4&transport=polling"},
	{name: "handshake with token", method: "GET", query: "EIO=4&transport=polling", header: []string{"Origin", "https://a.example", "X-Token", "ok"}},
	{name: "preflight, listed origin", method: "OPTIONS", query: "EIO=4&transport=polling",
		header: []string{"Origin", "https://a.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-token"}},
	{name: "preflight, other origin", method: "OPTIONS", query: "EIO=4&transport=polling",
		header: []string{"Origin", "https://evil.test", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-token"}},
	{name: "error answer, listed origin", method: "GET", query: "EIO=4&transport=carrier-pigeon", header: []string{"Origin", "https://a.example"}},
	{name: "websocket, listed origin", method: "GET", query: "EIO=4&transport=websocket", header: []string{"Origin", "https://a.example"}, upgrade: true},
	{name: "websocket with token", method: "GET", query: "EIO=4&transport=websocket", header: []string{"Origin", "https://a.example", "X-Token", "ok"}, upgrade: true},
}

// corsAnswer is what a server answered to a probe: the status, the CORS headers
// (Vary as a sorted set of its tokens), and for errors the content type and body.
type corsAnswer struct {
	Status  int
	Headers map[string]string
	Type    string
	Body    string
}

var corsHeaderNames = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers", "Vary",
}

// probe sends p to the server at host (raw HTTP/1.1 on a new connection) and reads
// the answer's head, and its body unless it is a 101 or a handshake.
func (p corsProbe) send(t *testing.T, host string) corsAnswer {
	t.Helper()
	c := dialTCP(t, host, 0)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s?%s HTTP/1.1\r\nHost: %s\r\n", p.method, socketio.DefaultPath, p.query, host)
	for i := 0; i+1 < len(p.header); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", p.header[i], p.header[i+1])
	}
	if p.upgrade {
		key := make([]byte, 16)
		_, _ = rand.Read(key)
		fmt.Fprintf(&b, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
			base64.StdEncoding.EncodeToString(key))
	} else {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: p.method})
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	defer resp.Body.Close()
	a := corsAnswer{Status: resp.StatusCode, Headers: map[string]string{}}
	for _, h := range corsHeaderNames {
		vs := resp.Header.Values(h)
		if h == "Vary" {
			var tokens []string
			for _, v := range vs {
				for tok := range strings.SplitSeq(v, ",") {
					if tok = strings.TrimSpace(tok); tok != "" && !slices.Contains(tokens, tok) {
						tokens = append(tokens, tok)
					}
				}
			}
			slices.Sort(tokens)
			vs = []string{strings.Join(tokens, ", ")}
		}
		if v := strings.Join(vs, ", "); v != "" {
			a.Headers[h] = v
		}
	}
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(resp.Body)
		a.Type, a.Body = resp.Header.Get("Content-Type"), string(body)
	}
	return a
}

// startCORSServer serves our socket.io server with the engine options opts.
func startCORSServer(t *testing.T, opts engineio.Options) string {
	t.Helper()
	io, err := socketio.NewServer(&socketio.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = io.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts.Listener.Addr().String()
}

func corsWant(status int, headers ...string) corsAnswer {
	a := corsAnswer{Status: status, Headers: map[string]string{}}
	for i := 0; i+1 < len(headers); i += 2 {
		a.Headers[headers[i]] = headers[i+1]
	}
	return a
}

const (
	acao = "Access-Control-Allow-Origin"
	acac = "Access-Control-Allow-Credentials"
	acam = "Access-Control-Allow-Methods"
	acah = "Access-Control-Allow-Headers"
	acma = "Access-Control-Max-Age"
	aceh = "Access-Control-Expose-Headers"
)

// TestCORS drives our server over real HTTP with each CORS configuration and checks
// every CORS header of the answer, the cors package's behaviour as engine.io 6.6
// applies it (before it looks at the request, so error answers carry the headers
// too; a preflight is answered 204 with Content-Length 0):
//
//   - a wildcard is sent only without credentials; with credentials the request's
//     origin is echoed (Vary: Origin), and a request without Origin gets no
//     Access-Control-Allow-Origin at all;
//   - a listed origin is echoed, another one gets no Access-Control-Allow-Origin but
//     still Vary: Origin (the answer depends on the Origin header) and, when
//     configured, Allow-Credentials and Expose-Headers; its preflight is answered
//     (204) without Allow-Origin, which the browser refuses;
//   - a preflight lists Methods (default GET,HEAD,PUT,PATCH,POST,DELETE),
//     AllowedHeaders (default: the requested headers echoed, Vary:
//     Access-Control-Request-Headers), Max-Age in seconds;
//   - with AllowOrigin (Node: an origin function), a refused origin gets no CORS
//     header at all and its preflight goes on to engine.io, which refuses the OPTIONS
//     handshake (400 code 2), as Node's cors does when the function answers false.
func TestCORS(t *testing.T) {
	const methods = "GET,HEAD,PUT,PATCH,POST,DELETE"
	want := map[string]map[string]corsAnswer{
		"wildcard": {
			"handshake, listed origin": corsWant(200, acao, "*"),
			"handshake, other origin":  corsWant(200, acao, "*"),
			"handshake, no origin":     corsWant(200, acao, "*"),
			"preflight, other origin":  corsWant(204, acao, "*", acam, methods, acah, "x-token", "Vary", "Access-Control-Request-Headers"),
		},
		"credentials": {
			"handshake, other origin": corsWant(200, acao, "https://evil.test", acac, "true", "Vary", "Origin"),
			"handshake, no origin":    corsWant(200, acac, "true", "Vary", "Origin"),
			"preflight, other origin": corsWant(204, acao, "https://evil.test", acac, "true", acam, methods, acah, "x-token",
				"Vary", "Access-Control-Request-Headers, Origin"),
		},
		"list": {
			"handshake, listed origin":    corsWant(200, acao, "https://a.example", acac, "true", aceh, "x-served-by", "Vary", "Origin"),
			"handshake, other origin":     corsWant(200, acac, "true", aceh, "x-served-by", "Vary", "Origin"),
			"handshake, no origin":        corsWant(200, acac, "true", aceh, "x-served-by", "Vary", "Origin"),
			"error answer, listed origin": corsWant(400, acao, "https://a.example", acac, "true", aceh, "x-served-by", "Vary", "Origin"),
			"preflight, listed origin": corsWant(204, acao, "https://a.example", acac, "true", acam, "GET,POST",
				acah, "x-token,content-type", acma, "600", aceh, "x-served-by", "Vary", "Origin"),
			"preflight, other origin": corsWant(204, acac, "true", acam, "GET,POST",
				acah, "x-token,content-type", acma, "600", aceh, "x-served-by", "Vary", "Origin"),
		},
		"list-defaults": {
			"preflight, listed origin": corsWant(204, acao, "https://a.example", acam, methods, acah, "x-token",
				"Vary", "Access-Control-Request-Headers, Origin"),
		},
		"func": {
			"handshake, listed origin": corsWant(200, acao, "https://a.example", "Vary", "Origin"),
			"handshake, other origin":  corsWant(200),
			"handshake, no origin":     corsWant(200),
			"preflight, other origin":  corsWant(400),
		},
	}
	for name, probes := range want {
		t.Run(name, func(t *testing.T) {
			host := startCORSServer(t, corsConfigs[name])
			for _, p := range corsProbes {
				w, ok := probes[p.name]
				if !ok {
					continue
				}
				got := p.send(t, host)
				got.Type, got.Body = "", ""
				if !corsEqual(got, w) {
					t.Errorf("%s: got %+v, want %+v", p.name, got, w)
				}
			}
		})
	}
}

func corsEqual(a, b corsAnswer) bool {
	if a.Status != b.Status || a.Type != b.Type || a.Body != b.Body || len(a.Headers) != len(b.Headers) {
		return false
	}
	for k, v := range a.Headers {
		if b.Headers[k] != v {
			return false
		}
	}
	return true
}

// TestAllowRequest: Options.AllowRequest (Node: allowRequest; socketio.Options embeds
// it) sees every handshake, polling and websocket, with its headers and the client's
// address, and not the requests of an open session. Its error refuses the handshake
// with 403 {"code":4,"message":<error text>} (Node: abortRequest; "Forbidden" when
// the text is empty) and the CORS headers, and no session is made. A websocket
// handshake is refused the same way (Node differs: see TestCORSMatchesNode).
func TestAllowRequest(t *testing.T) {
	var mu sync.Mutex
	type seen struct{ remote, token, transport string }
	var calls []seen
	var opened int
	opts := corsConfigs["allow-request"]
	inner := opts.AllowRequest
	opts.AllowRequest = func(r *http.Request) error {
		mu.Lock()
		calls = append(calls, seen{r.RemoteAddr, r.Header.Get("X-Token"), r.URL.Query().Get("transport")})
		mu.Unlock()
		return inner(r)
	}
	srv, err := socketio.NewServer(&socketio.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	// Replaces NewServer's binding to count the engine sessions.
	srv.Engine().OnConnection(func(c *engineio.Socket) { mu.Lock(); opened++; mu.Unlock(); srv.ServeConn(c) })
	ts := httptest.NewServer(srv)
	hc := &http.Client{Transport: &http.Transport{}}
	// Registered first, so it runs after the cleanups closing the probes' connections.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = srv.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
		hc.CloseIdleConnections()
	})
	host := ts.Listener.Addr().String()

	// Node: abortRequest (403 JSON with CORS headers) for polling, abortUpgrade (400, the
	// message as text/html, nothing else) for a websocket handshake.
	refused := map[string]corsAnswer{
		"handshake, listed origin": {Status: 403, Type: "application/json", Body: `{"code":4,"message":"Thou shall not pass"}`,
			Headers: map[string]string{acao: "https://a.example", "Vary": "Origin"}},
		"websocket, listed origin": {Status: 400, Type: "text/html", Body: "Thou shall not pass", Headers: map[string]string{}},
	}
	for _, name := range []string{"handshake, listed origin", "websocket, listed origin"} {
		p := probeNamed(name)
		if got := p.send(t, host); !corsEqual(got, refused[name]) {
			t.Errorf("%s without token: got %+v, want %+v", name, got, refused[name])
		}
	}
	mu.Lock()
	if opened != 0 {
		t.Errorf("%d sessions opened by refused handshakes", opened)
	}
	mu.Unlock()

	// Accepted with the token, over both transports; AllowRequest sees the address of
	// the client's connection.
	c := dialTCP(t, host, 0)
	fmt.Fprintf(c, "GET %s?EIO=4&transport=polling HTTP/1.1\r\nHost: %s\r\nX-Token: ok\r\n\r\n", socketio.DefaultPath, host)
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var open struct{ SID string }
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "0") || json.Unmarshal(body[1:], &open) != nil {
		t.Fatalf("handshake with token: %d %q", resp.StatusCode, body)
	}
	if got := probeNamed("websocket with token").send(t, host); got.Status != http.StatusSwitchingProtocols {
		t.Errorf("websocket with token: %+v", got)
	}
	// Requests of the session are not handshakes: AllowRequest is not asked.
	r, err := hc.Post("http://"+host+socketio.DefaultPath+"?EIO=4&transport=polling&sid="+open.SID, "text/plain", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Errorf("POST to the session: %d", r.StatusCode)
	}

	mu.Lock()
	defer mu.Unlock()
	wantCalls := []seen{{"", "", "polling"}, {"", "", "websocket"}, {c.LocalAddr().String(), "ok", "polling"}, {"", "ok", "websocket"}}
	if len(calls) != len(wantCalls) {
		t.Fatalf("AllowRequest saw %+v, want 4 handshakes", calls)
	}
	for i, w := range wantCalls {
		got := calls[i]
		if _, _, err := net.SplitHostPort(got.remote); err != nil {
			t.Errorf("call %d: RemoteAddr %q: %v", i, got.remote, err)
		}
		if w.remote != "" && got.remote != w.remote {
			t.Errorf("call %d: RemoteAddr %q, want the client's %q", i, got.remote, w.remote)
		}
		if got.token != w.token || got.transport != w.transport {
			t.Errorf("call %d: saw %+v, want token %q transport %q", i, got, w.token, w.transport)
		}
	}
}

// TestAllowRequestEmptyMessage: an AllowRequest error with no text is answered with
// Node's default message, "Forbidden" (Node: cb(null, false)).
func TestAllowRequestEmptyMessage(t *testing.T) {
	host := startCORSServer(t, corsConfigs["allow-request-silent"])
	got := probeNamed("handshake, no origin").send(t, host)
	want := corsAnswer{Status: 403, Type: "application/json", Body: `{"code":4,"message":"Forbidden"}`, Headers: map[string]string{}}
	if !corsEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func probeNamed(name string) corsProbe {
	for _, p := range corsProbes {
		if p.name == name {
			return p
		}
	}
	panic("no probe " + name)
}

// corsNodeScript serves engine.io 6.6.12 once per configuration of corsConfigs, with
// the same names, and prints {"ports":{name:port}}; it exits when stdin closes. It is
// written to a temporary file and resolves the packages from conformance/node (its
// working directory).
const corsNodeScript = `"use strict";
const path = require("node:path");
const http = require("node:http");
const load = require("node:module").createRequire(path.join(process.cwd(), "cors-probe.js"));
const engine = load("engine.io");
const configs = {
  "wildcard": { cors: { origin: "*" } },
  "credentials": { cors: { origin: true, credentials: true } },
  "credentials-wildcard": { cors: { origin: "*", credentials: true } },
  "list": { cors: { origin: ["https://a.example", "https://b.example"], credentials: true,
    methods: ["GET", "POST"], allowedHeaders: ["x-token", "content-type"],
    exposedHeaders: ["x-served-by"], maxAge: 600 } },
  "list-defaults": { cors: { origin: ["https://a.example"] } },
  "func": { cors: { origin: (o, cb) => cb(null, /\.example$/.test(o || "")) } },
  "allow-request": { cors: { origin: ["https://a.example"] },
    allowRequest: (req, cb) => req.headers["x-token"] === "ok" ? cb(null, true) : cb("Thou shall not pass", false) },
  "allow-request-silent": { allowRequest: (req, cb) => cb(null, false) },
};
(async () => {
  const ports = {};
  for (const [name, opts] of Object.entries(configs)) {
    const srv = http.createServer();
    engine.attach(srv, { path: "/socket.io", ...opts }).on("connection", () => {});
    await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
    ports[name] = srv.address().port;
  }
  process.stdout.write(JSON.stringify({ ports }) + "\n");
})();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`

// TestCORSMatchesNode sends every probe to our server and to engine.io 6.6.12
// configured the same way, and compares the status, the CORS headers and, for
// errors, the body. One difference is deliberate and checked as such:
//
//   - Node's {origin: "*", credentials: true} sends Access-Control-Allow-Origin: *
//     with Allow-Credentials: true, which browsers refuse; ours echoes the origin
//     (what Node's {origin: true, credentials: true} does, which "credentials" is
//     compared with).
func TestCORSMatchesNode(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "cors-probe.js")
	if err := os.WriteFile(script, []byte(corsNodeScript), 0o644); err != nil {
		t.Fatal(err)
	}
	p := nodeenv.Start(t, script, nil)
	var hello struct{ Ports map[string]int }
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.ReadJSON(ctx, &hello); err != nil {
		t.Fatalf("engine.io servers: %v\n%s", err, p.Stderr())
	}
	node := func(name string) string { return fmt.Sprintf("127.0.0.1:%d", hello.Ports[name]) }

	names := make([]string, 0, len(corsConfigs))
	for name := range corsConfigs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ours := startCORSServer(t, corsConfigs[name])
			for _, pr := range corsProbes {
				got, want := pr.send(t, ours), pr.send(t, node(name))
				if !corsEqual(got, want) {
					t.Errorf("%s:\n ours %+v\n Node %+v", pr.name, got, want)
				}
			}
		})
	}
	t.Run("credentialed wildcard", func(t *testing.T) {
		pr := probeNamed("handshake, other origin")
		want := pr.send(t, node("credentials-wildcard"))
		if want.Headers[acao] != "*" || want.Headers[acac] != "true" {
			t.Errorf("Node's {origin: \"*\", credentials: true} answered %+v; this test expected the credentialed wildcard", want)
		}
		got := pr.send(t, startCORSServer(t, corsConfigs["credentials"]))
		if got.Headers[acao] == "*" {
			t.Errorf("ours sent a wildcard with credentials: %+v", got)
		}
	})
}
