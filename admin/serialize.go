package admin

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// serializedSocket is a socket as the UI reads it (all_sockets, socket_connected).
// Node: serialize(socket, nsp).
type serializedSocket struct {
	ID        string          `json:"id"`
	ClientID  string          `json:"clientId,omitempty"`
	Transport string          `json:"transport,omitempty"`
	Nsp       string          `json:"nsp"`
	Data      json.RawMessage `json:"data"`
	Handshake any             `json:"handshake"`
	Rooms     []string        `json:"rooms"`
}

// serializedHandshake is socket.handshake without auth, as Node's admin sends it:
// headers with lower-case names and string values, the query as an object.
type serializedHandshake struct {
	Address string            `json:"address"`
	Headers map[string]string `json:"headers"`
	Query   map[string]any    `json:"query"`
	Issued  int64             `json:"issued"`
	Secure  bool              `json:"secure"`
	Time    string            `json:"time"`
	URL     string            `json:"url"`
	XDomain bool              `json:"xdomain"`
}

// socketUpdate is socket_updated's payload: the fields that changed.
type socketUpdate struct {
	ID        string          `json:"id"`
	Nsp       string          `json:"nsp"`
	Transport string          `json:"transport,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// jsTime formats t as JavaScript's Date.prototype.toISOString does, which is how Node's
// admin sends its timestamps (a Date through JSON.stringify).
func jsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// jsDateString formats t roughly as JavaScript's Date.prototype.toString, which is
// socket.handshake.time in Node.
func jsDateString(t time.Time) string { return t.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)") }

// clientID is the engine connection's id as the UI shows it: its first 12 characters.
func clientID(conn socketio.EngineConn) string {
	id := conn.ID()
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// serializeData encodes a socket's data for the UI; no data is {} (Node's default
// socket.data), and data that JSON cannot encode is reported as {}.
func serializeData(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// serializeLocal describes a socket of this server.
func serializeLocal(s *socketio.Socket) serializedSocket {
	var host string
	if r := s.Request(); r != nil {
		host = r.Host
	}
	return serializedSocket{
		ID:        s.ID(),
		ClientID:  clientID(s.Conn()),
		Transport: s.Conn().Transport(),
		Nsp:       s.Namespace().Name(),
		Data:      serializeData(s.Data()),
		Handshake: serializeHandshake(s.Handshake(), host),
		Rooms:     s.Rooms(),
	}
}

// serializeHandshake converts h the way Node's admin reports socket.handshake.
func serializeHandshake(h *socketio.Handshake, host string) serializedHandshake {
	out := serializedHandshake{
		Address: address(h),
		Headers: headers(h.Headers, host),
		Query:   query(h.Query),
		Issued:  h.Issued,
		Secure:  h.Secure,
		Time:    jsDateString(h.Time),
		URL:     h.URL,
		XDomain: h.XDomain,
	}
	return out
}

// address is the client's address as Node's admin picks it: cf-connecting-ip, then
// x-forwarded-for, then the peer's IP.
func address(h *socketio.Handshake) string {
	if v := h.Headers.Get("Cf-Connecting-Ip"); v != "" {
		return v
	}
	if v := h.Headers.Get("X-Forwarded-For"); v != "" {
		return v
	}
	if host, _, err := net.SplitHostPort(h.Address); err == nil {
		return host
	}
	return h.Address
}

// headers converts Go's header map into Node's: lower-case names, repeated values joined
// with ", " (cookies with "; "), and the host header, which net/http keeps apart.
func headers(h http.Header, host string) map[string]string {
	out := make(map[string]string, len(h)+1)
	if host != "" {
		out["host"] = host
	}
	for k, vs := range h {
		sep := ", "
		if strings.EqualFold(k, "Cookie") {
			sep = "; "
		}
		out[strings.ToLower(k)] = strings.Join(vs, sep)
	}
	return out
}

// query converts a query into Node's parsed form: a string per key, an array when the
// key repeats.
func query(q url.Values) map[string]any {
	out := make(map[string]any, len(q))
	for k, vs := range q {
		if len(vs) == 1 {
			out[k] = vs[0]
		} else {
			out[k] = vs
		}
	}
	return out
}

// fetchAllSockets describes the sockets of every namespace, cluster-wide when the
// adapter can (FetchSockets); sockets of other servers lack clientId and transport.
// Node: fetchAllSockets.
func fetchAllSockets(ctx context.Context, io *socketio.Server) []serializedSocket {
	out := []serializedSocket{}
	for _, n := range io.Namespaces() {
		remote, err := n.FetchSockets(ctx)
		if err != nil { // fall back to this server's sockets
			for _, s := range n.Sockets() {
				out = append(out, serializeLocal(s))
			}
			continue
		}
		for _, r := range remote {
			if s, ok := n.Socket(r.ID); ok {
				out = append(out, serializeLocal(s))
				continue
			}
			out = append(out, serializedSocket{
				ID:        r.ID,
				Nsp:       n.Name(),
				Data:      serializeData(r.Data),
				Handshake: r.Handshake,
				Rooms:     r.Rooms,
			})
		}
	}
	return out
}
