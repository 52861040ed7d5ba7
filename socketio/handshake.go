package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Handshake describes how a socket connected. Node: socket.handshake.
type Handshake struct {
	// Headers of the engine's handshake request: the same map as Socket.Request().Header,
	// shared by the sockets of the connection (one copy per connection, not per socket);
	// treat it as read-only.
	Headers http.Header `json:"headers"`
	// Time the socket was created.
	Time time.Time `json:"time"`
	// Address of the peer.
	Address string `json:"address"`
	// XDomain: the request carried an Origin header.
	XDomain bool `json:"xdomain"`
	// Secure: the request came over TLS.
	Secure bool `json:"secure"`
	// Issued is Time in milliseconds since the Unix epoch.
	Issued int64 `json:"issued"`
	// URL is the request URI of the handshake request.
	URL string `json:"url"`
	// Query is the handshake request's query; for a v4 client (socket.io 2.x) that
	// connected to a namespace with a query ("/admin?token=abc"), the namespace query's
	// keys replace the request's same-named keys, as socket.io 2.x does.
	Query url.Values `json:"query"`
	// Auth is the CONNECT packet's payload (v5), or the namespace query (v4 clients).
	Auth map[string]any `json:"auth"`
}

// DecodeAuth decodes Auth into v (a pointer to a struct or map), as encoding/json does.
func (h *Handshake) DecodeAuth(v any) error {
	b, err := json.Marshal(h.Auth)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// hsArgs is what a socket keeps to build its Handshake when it is first asked for: most
// sockets are never asked, and the Handshake (with its parsed query) is a few hundred
// bytes per idle connection.
type hsArgs struct {
	time    time.Time
	auth    map[string]any
	nsQuery url.Values
}

func newHsArgs(auth map[string]any, nsQuery url.Values) hsArgs {
	return hsArgs{time: time.Now(), auth: auth, nsQuery: nsQuery}
}

func (a hsArgs) build(conn EngineConn) *Handshake {
	return buildHandshake(conn, a.time, a.auth, a.nsQuery)
}

// buildHandshake describes conn at time now; nsQuery (v4 only, else nil) is merged over
// the request query, its keys winning. Node 2.x: Object.assign({}, requestQuery, query).
func buildHandshake(conn EngineConn, now time.Time, auth map[string]any, nsQuery url.Values) *Handshake {
	h := &Handshake{
		Time:    now,
		Issued:  now.UnixMilli(),
		Address: conn.RemoteAddr(),
		Auth:    auth,
		Headers: http.Header{},
		Query:   url.Values{},
	}
	if h.Auth == nil {
		h.Auth = map[string]any{}
	}
	if r := conn.Request(); r != nil {
		if r.Header != nil {
			h.Headers = r.Header
		}
		h.XDomain = r.Header.Get("Origin") != ""
		h.Secure = r.TLS != nil
		h.URL = r.URL.RequestURI()
		h.Query = r.URL.Query()
	}
	for k, v := range nsQuery {
		h.Query[k] = slices.Clone(v)
	}
	return h
}

// connectReply is the CONNECT answer's payload, {"sid":...} with ,"pid":... when pid is
// set (fields in Node's order), written by hand: the parser copies a json.RawMessage
// after a quick syntax check, where a struct would go through encoding/json's reflection
// on every connection.
func connectReply(sid, pid string) json.RawMessage {
	b := make([]byte, 0, len(`{"sid":"","pid":""}`)+len(sid)+len(pid))
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, sid)
	if pid != "" {
		b = append(b, `,"pid":`...)
		b = appendJSONString(b, pid)
	}
	return append(b, '}')
}

// appendJSONString appends s as encoding/json writes it: ids (base64url) as they are,
// anything else through encoding/json (which also escapes <, > and &).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always marshals
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
