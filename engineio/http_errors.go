package engineio

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// httpError is one of Node's engine.io HTTP error answers: {"code":N,"message":"…"}.
type httpError struct {
	code    int
	message string
}

// Node's Server.errors and Server.errorMessages.
var (
	errUnknownTransport    = &httpError{0, "Transport unknown"}
	errUnknownSID          = &httpError{1, "Session ID unknown"}
	errBadHandshakeMethod  = &httpError{2, "Bad handshake method"}
	errBadRequest          = &httpError{3, "Bad request"}
	errUnsupportedProtocol = &httpError{5, "Unsupported protocol version"}
)

func (e *httpError) Error() string { return "engineio: " + e.message }

// writeError writes the error answer: 403 for Forbidden (code 4), 400 otherwise, with a JSON
// body, as Node's abortRequest does.
func writeError(w http.ResponseWriter, e *httpError) {
	status := http.StatusBadRequest
	if e.code == 4 {
		status = http.StatusForbidden
	}
	msg, _ := json.Marshal(e.message)
	body := `{"code":` + strconv.Itoa(e.code) + `,"message":` + string(msg) + `}`
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeUpgradeError refuses a WebSocket upgrade request as Node's abortUpgrade does: always
// 400 Bad Request, the message as a text/html body, no other headers (no CORS headers:
// Node writes this answer straight to the socket), and the connection closed.
func writeUpgradeError(w http.ResponseWriter, e *httpError) {
	h := w.Header()
	clear(h)
	h.Set("Connection", "close")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(e.message)))
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(e.message))
}

// reject answers a request with e and logs why (Node: the "connection_error" event).
// A WebSocket upgrade request gets Node's upgrade refusal, any other the JSON answer.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, e *httpError, args ...any) {
	s.debug("request refused", append([]any{"component", "engine", "code", e.code, "message", e.message, "method", r.Method, "url", r.URL.String()}, args...)...)
	if isWebSocketRequest(r) {
		writeUpgradeError(w, e)
		return
	}
	writeError(w, e)
}
