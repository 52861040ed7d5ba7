package engineio

import "net/http"

// trimRequest returns the part of the handshake request r that a Socket keeps for its
// whole life (Socket.Request): what describes the client. Keeping r itself would also keep
// its context, body and net/http's per-request state alive, about 1 KB per idle
// connection. The header map and URL are shared with r, which net/http no longer touches
// once the handler has the request.
func trimRequest(r *http.Request) *http.Request {
	return &http.Request{
		Method:     r.Method,
		URL:        r.URL,
		Proto:      r.Proto,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Header:     r.Header,
		Body:       http.NoBody,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		RequestURI: r.RequestURI,
		TLS:        r.TLS,
	}
}
