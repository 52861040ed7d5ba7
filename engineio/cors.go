package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// applyCORS sets the CORS headers of r's response (the cors package's behaviour, as Node's
// engine.io uses it) and answers a preflight request; it reports whether r was answered.
// A request from an origin that is not in Origins gets every header but
// Access-Control-Allow-Origin (Vary: Origin included: the answer depends on the origin),
// and its preflight is answered too, as cors does with an origin list. One that
// AllowOrigin refuses gets no CORS headers and goes on as usual, as cors does when its
// origin function answers false.
func (s *Server) applyCORS(w http.ResponseWriter, r *http.Request) bool {
	c := s.opts.CORS
	origin := r.Header.Get("Origin")
	allowOrigin, ok := corsOrigin(c, origin)
	if !ok && c.AllowOrigin != nil {
		return false
	}
	h := w.Header()
	if ok {
		h.Set("Access-Control-Allow-Origin", allowOrigin)
	}
	if allowOrigin != "*" {
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
	}
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(c.Methods, ","))
	if len(c.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// corsOrigin returns the Access-Control-Allow-Origin value for origin, or ok false when the
// origin is not allowed. A wildcard is never combined with credentials: the origin is echoed.
func corsOrigin(c *CORSOptions, origin string) (string, bool) {
	if c.AllowOrigin != nil {
		if origin == "" || !c.AllowOrigin(origin) {
			return "", false
		}
		return origin, true
	}
	if len(c.Origins) == 0 || slices.Contains(c.Origins, "*") {
		if c.Credentials {
			if origin == "" {
				return "", false
			}
			return origin, true
		}
		return "*", true
	}
	if origin != "" && slices.Contains(c.Origins, origin) {
		return origin, true
	}
	return "", false
}

// forbidden is the answer to a request AllowRequest refused with err: 403
// {"code":4,"message":<err's text>}, or Node's "Forbidden" when the text is empty.
func forbidden(err error) *httpError {
	msg := err.Error()
	if msg == "" {
		msg = "Forbidden"
	}
	return &httpError{code: 4, message: msg}
}
