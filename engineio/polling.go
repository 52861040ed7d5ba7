package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pollTransport is the state of a polling session: at most one GET and one POST in flight.
type pollTransport struct {
	wake      chan struct{} // non-nil while a GET waits for packets; closed to release it
	getActive bool          // a GET is in flight (waiting or writing)
	posting   bool          // a POST is in flight
	hasTail   bool          // the released GET appends tail (close or noop)
	tail      PacketType
	// getArrived, while a client close waits for a GET (awaitPollForClose), is closed when
	// one arrives.
	getArrived chan struct{}
	b64        bool // v3: the client asked for b64=1 (no XHR2 binary)
	jsonp      bool // JSONP polling (j= query parameter)
	jsonpIdx   int
}

// upgradeNoopDelay is how long a GET that arrives between the upgrade probe and the "5"
// packet waits before it is answered with noop.
const upgradeNoopDelay = 100 * time.Millisecond

var errPollOverlap = errors.New("engineio: a second GET arrived while one was pending (at most one GET per session)")

// servePoll answers a GET: it returns the queued packets at once or waits until there are
// some, the socket closes, or the client goes away.
func (s *Socket) servePoll(w http.ResponseWriter, r *http.Request, handshake bool) {
	s.mu.Lock()
	pt := s.poll
	if s.state == stateClosed || pt == nil {
		s.mu.Unlock()
		writeError(w, errUnknownSID)
		return
	}
	if pt.getActive {
		s.mu.Unlock()
		s.closeWith(ReasonTransportError, errPollOverlap, closeNow)
		writeError(w, errBadRequest)
		return
	}
	pt.getActive = true
	s.srv.debug("poll request", "component", "engine:polling", "sid", s.id, "queued", len(s.queue))
	closing := s.state == stateClosing
	// A GET that arrives after the upgrade probe waits at most upgradeNoopDelay for the
	// client's "5" (then it is refused, as any poll after the upgrade) and is otherwise
	// answered with noop (Node: the 100 ms upgrade check interval).
	duringProbe := !closing && len(s.queue) == 0 && s.upgrade == upgradeProbed
	if !closing && len(s.queue) == 0 && !pt.hasTail {
		wake := make(chan struct{})
		pt.wake = wake
		if pt.getArrived != nil {
			close(pt.getArrived)
			pt.getArrived = nil
		}
		s.mu.Unlock()
		var noop <-chan time.Time
		if duringProbe {
			t := time.NewTimer(upgradeNoopDelay)
			defer t.Stop()
			noop = t.C
		}
		select {
		case <-wake:
		case <-noop:
			s.mu.Lock()
			if pt.wake == wake {
				pt.wake = nil
				pt.hasTail, pt.tail = true, PacketNoop
			}
			s.mu.Unlock()
		case <-r.Context().Done():
			s.mu.Lock()
			if pt.wake == wake { // not released: the client gave up
				pt.wake = nil
				pt.getActive = false
				s.mu.Unlock()
				s.closeWith(ReasonTransportError, fmt.Errorf("engineio: poll connection closed prematurely: %w", r.Context().Err()), closeNow)
				return
			}
			s.mu.Unlock()
		}
		s.mu.Lock()
		closing = s.state == stateClosing
		if duringProbe && s.transport == transportWebSocket {
			pt.getActive, pt.hasTail = false, false
			s.mu.Unlock()
			s.srv.reject(w, r, errBadRequest, "reason", "poll after the upgrade", "sid", s.id)
			return
		}
	}
	batch := s.takeQueueLocked()
	if closing && len(batch) > 0 {
		// Node: the last packets go out alone and the next GET carries "1". A client
		// reads a payload's close packet before it acts on the messages before it
		// (socket.io-client 4 would report "transport close" for a DISCONNECT).
		closing = false
	}
	if closing {
		pt.hasTail, pt.tail = true, PacketClose
	}
	if pt.hasTail {
		batch = append(batch, queued{Packet: Packet{Type: pt.tail}})
		pt.hasTail = false
	}
	s.mu.Unlock()

	s.srv.debug("poll response", "component", "engine:polling", "sid", s.id, "packets", len(batch))
	s.writePayload(w, r, pt, batch, handshake)

	s.mu.Lock()
	pt.getActive = false
	s.mu.Unlock()
	if closing {
		s.closeWith(ReasonForcedClose, nil, closeNow)
	}
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writePayload encodes batch in the session's framing and writes it as the GET response.
func (s *Socket) writePayload(w http.ResponseWriter, r *http.Request, pt *pollTransport, batch []queued, handshake bool) {
	bp := bodyPool.Get().(*[]byte)
	body, ctype := s.encodePayload((*bp)[:0], pt, batch)
	s.srv.stats.packetsOutBatch(batch)
	s.srv.stats.bytesOut.Add(uint64(len(body)))
	compress := false
	for _, q := range batch {
		if !q.noCompress {
			compress = true
			break
		}
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-store")
	setIEHeader(h, r)
	if handshake {
		s.srv.setCookie(h, s.id)
	}
	if t := s.srv.opts.HTTPCompressionThreshold; compress && t >= 0 && len(body) >= t {
		if enc := acceptedEncoding(r.Header.Get("Accept-Encoding")); enc != "" {
			cp := bodyPool.Get().(*[]byte)
			zbody := compressBody((*cp)[:0], enc, body)
			h.Set("Content-Encoding", enc)
			h.Set("Content-Length", strconv.Itoa(len(zbody)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(zbody)
			*cp = zbody[:0]
			bodyPool.Put(cp)
			*bp = body[:0]
			bodyPool.Put(bp)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	if cap(body) <= 64<<10 {
		*bp = body[:0]
		bodyPool.Put(bp)
	}
}

// encodePayload appends the polling body of batch and returns it with its Content-Type.
func (s *Socket) encodePayload(dst []byte, pt *pollTransport, batch []queued) ([]byte, string) {
	const text = "text/plain; charset=UTF-8"
	if s.protocol == ProtocolV4 {
		for i, q := range batch {
			if i > 0 {
				dst = append(dst, RecordSeparator)
			}
			dst = AppendText(dst, q.Packet, ProtocolV4)
		}
		if pt.jsonp {
			return wrapJSONP(dst, pt.jsonpIdx), text
		}
		return dst, text
	}
	binary := false
	if !pt.b64 && !pt.jsonp {
		for _, q := range batch {
			if q.Binary {
				binary = true
				break
			}
		}
	}
	if binary {
		for _, q := range batch {
			dst = AppendPayloadV3Binary(dst, []Packet{q.Packet})
		}
		return dst, "application/octet-stream"
	}
	if len(batch) == 0 {
		dst = append(dst, "0:"...)
	}
	for _, q := range batch {
		dst = AppendPayloadV3(dst, []Packet{q.Packet})
	}
	if pt.jsonp {
		return wrapJSONP(dst, pt.jsonpIdx), text
	}
	return dst, text
}

// wrapJSONP turns the text payload at the start of buf into a JSONP body.
func wrapJSONP(payload []byte, idx int) []byte {
	out := AppendJSONP(make([]byte, 0, len(payload)+32), idx, payload)
	return out
}

// servePost reads a POST body, decodes it and handles its packets.
func (s *Socket) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	pt := s.poll
	// While closing (a forced close waiting for a GET) the client's own close
	// packet still ends the session at once, as in Node.
	if (s.state != stateOpen && s.state != stateClosing) || pt == nil {
		s.mu.Unlock()
		writeError(w, errUnknownSID)
		return
	}
	if pt.posting {
		s.mu.Unlock()
		s.closeWith(ReasonTransportError, errors.New("engineio: a second POST arrived while one was in flight (at most one POST per session)"), closeNow)
		writeError(w, errBadRequest)
		return
	}
	pt.posting = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		pt.posting = false
		s.mu.Unlock()
	}()

	isBinary := r.Header.Get("Content-Type") == "application/octet-stream"
	if isBinary && s.protocol == ProtocolV4 {
		s.closeWith(ReasonTransportError, errors.New("engineio: a v4 client posted application/octet-stream; v4 payloads are text"), closeNow)
		writeError(w, errBadRequest)
		return
	}
	limit := s.srv.opts.MaxHTTPBufferSize
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.closeWith(ReasonTransportError, fmt.Errorf("engineio: POST body over %d bytes (Options.MaxHTTPBufferSize)", limit), closeNow)
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		s.closeWith(ReasonTransportError, fmt.Errorf("engineio: reading POST body: %w", err), closeNow)
		writeError(w, errBadRequest)
		return
	}
	s.srv.stats.bytesIn.Add(uint64(len(body)))
	packets, err := s.decodePost(body, isBinary, pt)
	if err != nil {
		s.closeWith(ReasonParseError, fmt.Errorf("engineio: POST from %s: %w", s.id, err), closeNow)
		writeError(w, errBadRequest)
		return
	}
	for _, p := range packets {
		s.srv.stats.packetIn(p.Type)
		if p.Type == PacketClose {
			s.awaitPollForClose(r, pt)
			s.closeWith(ReasonTransportClose, nil, closeClient)
			break
		}
		s.onPacket(p)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	h.Set("Cache-Control", "no-store")
	setIEHeader(h, r)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

// awaitPollForClose gives a GET sent together with the client's close packet ("1") up to
// upgradeNoopDelay to arrive, so that it is answered with noop rather than refused: the
// official test suite sends both at once and expects the GET to get "6".
func (s *Socket) awaitPollForClose(r *http.Request, pt *pollTransport) {
	s.mu.Lock()
	if s.state != stateOpen || pt.getActive {
		s.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	pt.getArrived = ch
	s.mu.Unlock()
	t := time.NewTimer(upgradeNoopDelay)
	select {
	case <-ch:
	case <-t.C:
	case <-r.Context().Done():
	}
	t.Stop()
	s.mu.Lock()
	if pt.getArrived == ch {
		pt.getArrived = nil
	}
	s.mu.Unlock()
}

func (s *Socket) decodePost(body []byte, isBinary bool, pt *pollTransport) ([]Packet, error) {
	if pt.jsonp {
		payload, err := DecodeJSONPForm(body)
		if err != nil {
			return nil, err
		}
		body = payload
	}
	switch {
	case s.protocol == ProtocolV4:
		return DecodePayload(body)
	case isBinary:
		return DecodePayloadV3Binary(body)
	default:
		return DecodePayloadV3(body)
	}
}

// setIEHeader adds X-XSS-Protection: 0 for Internet Explorer, as Node does.
func setIEHeader(h http.Header, r *http.Request) {
	if ua := r.UserAgent(); strings.Contains(ua, ";MSIE") || strings.Contains(ua, "Trident/") {
		h.Set("X-XSS-Protection", "0")
	}
}

// acceptedEncoding picks gzip or deflate from an Accept-Encoding header (highest q, gzip on
// a tie), or "" when neither is acceptable.
func acceptedEncoding(header string) string {
	if header == "" {
		return ""
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		for _, enc := range []string{"gzip", "deflate"} {
			if (name == enc || name == "*") && q > 0 && (q > bestQ || (q == bestQ && enc == "gzip" && best != "gzip")) {
				if name == "*" && best != "" {
					continue
				}
				best, bestQ = enc, q
			}
		}
	}
	return best
}

// compressBody appends body compressed with enc ("gzip", or "deflate" meaning zlib as in
// Node's zlib.createDeflate).
func compressBody(dst []byte, enc string, body []byte) []byte {
	buf := bytes.NewBuffer(dst)
	var zw io.WriteCloser
	if enc == "gzip" {
		zw = gzip.NewWriter(buf)
	} else {
		zw = zlib.NewWriter(buf)
	}
	_, _ = zw.Write(body)
	_ = zw.Close()
	return buf.Bytes()
}
