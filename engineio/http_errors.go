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

// reject answers a request with e and logs why (Node: the "connection_error" event).
func (s *Server) reject(w http.ResponseWriter, r *http.Request, e *httpError, args ...any) {
	s.debug("request refused", append([]any{"component", "engine", "code", e.code, "message", e.message, "method", r.Method, "url", r.URL.String()}, args...)...)
	writeError(w, e)
}
