package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// Dial opens an engine.io connection to the server at rawURL (http, https, ws or wss; the
// URL's path is ignored, DialOptions.Path is used) and returns once the handshake is done,
// as engine.io-client's new Socket(uri, opts) followed by its "open" event. ctx bounds the
// handshake only; the connection then lives until Close or until it fails (see OnClose).
//
// The handshake uses the first of DialOptions.Transports (polling by default); a polling
// connection then probes websocket in the background and switches to it (OnUpgrade) unless
// DisableUpgrades is set or the server does not offer it. Handlers are set in the options so
// that none of the server's messages is missed.
//
// Errors: a refused or malformed handshake wraps ErrHandshake; a cancelled or expired ctx
// wraps ctx.Err(); an invalid option names the field.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*ClientSocket, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	base, query, err := parseDialURL(rawURL, o)
	if err != nil {
		return nil, err
	}
	s := newClientSocket(o, base, query)
	first := o.Transports[0]
	if o.RememberUpgrade && priorWebsocketSuccess.Load() && o.allows(TransportWebSocket) {
		first = TransportWebSocket
	}
	s.log.Debug("opening", "url", base.String(), "transport", first, "protocol", o.Protocol)
	var (
		tr   clientTransport
		rest []Packet
	)
	if first == TransportWebSocket {
		tr, err = s.handshakeWebsocket(ctx)
	} else {
		tr, rest, err = s.handshakePolling(ctx)
	}
	if err != nil {
		s.cancel()
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, err
	}
	s.log.Debug("socket open", "sid", s.sid, "transport", tr.name())

	s.mu.Lock()
	s.transport = tr
	s.startHeartbeatLocked()
	s.mu.Unlock()

	go s.deliverLoop() // stopped by close: it is the supervisor that waits for the others
	s.wg.Add(1)
	go s.writeLoop() // stopped by close
	switch t := tr.(type) {
	case *clientPolling:
		s.mu.Lock()
		s.polling = true // until pollLoop exits, so that an upgrade waits for it
		s.mu.Unlock()
		s.wg.Add(1)
		go s.pollLoop(t, rest) // stopped by close (context) or by the upgrade
		if s.upgradeCandidate() != "" {
			s.wg.Add(1)
			go s.probe() // stopped by close (context)
		}
	case *clientWebSocket:
		priorWebsocketSuccess.Store(true)
		s.wg.Add(1)
		go func() { // stopped by close (context)
			defer s.wg.Done()
			s.wsReadLoop(t)
		}()
	}
	return s, nil
}

// parseDialURL returns the base URL (http or https, host, options' path) and the query of
// every request.
func parseDialURL(rawURL string, o *DialOptions) (*url.URL, url.Values, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("engineio: Dial: bad URL %q: %w", rawURL, err)
	}
	scheme := u.Scheme
	switch scheme {
	case "http", "https":
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	default:
		return nil, nil, fmt.Errorf("engineio: Dial: URL %q: scheme must be http, https, ws or wss", rawURL)
	}
	if u.Host == "" {
		return nil, nil, fmt.Errorf("engineio: Dial: URL %q has no host", rawURL)
	}
	query := u.Query()
	for k, vs := range o.Query {
		query[k] = vs
	}
	return &url.URL{Scheme: scheme, User: u.User, Host: u.Host, Path: o.Path}, query, nil
}

// requestURL returns the URL of a request on the given transport: the user query plus EIO,
// transport, sid (once known) and, when enabled, the timestamp.
func (s *ClientSocket) requestURL(transport string) string {
	q := make(url.Values, len(s.query)+4)
	for k, vs := range s.query {
		q[k] = vs
	}
	q.Set("EIO", strconv.Itoa(s.opts.Protocol))
	q.Set("transport", transport)
	if s.sid != "" {
		q.Set("sid", s.sid)
	}
	if s.opts.timestamp(transport) {
		q.Set(s.opts.TimestampParam, timestampValue())
	}
	u := *s.base
	if transport == TransportWebSocket {
		if u.Scheme == "https" {
			u.Scheme = "wss"
		} else {
			u.Scheme = "ws"
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

var timestampSeq atomic.Uint64

// timestampValue returns a unique cache-busting value: the time in base 36, a dot and a
// sequence number (engine.io-client uses yeast, of the same shape).
func timestampValue() string {
	return strconv.FormatInt(time.Now().UnixMilli(), 36) + "." + strconv.FormatUint(timestampSeq.Add(1), 36)
}

func (s *ClientSocket) setHeaders(req *http.Request) {
	for k, vs := range s.opts.ExtraHeaders {
		req.Header[k] = vs
	}
}

// handshakeJSON is the open packet's data.
type handshakeJSON struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"` // v4 only
}

// applyHandshake checks the open packet and stores the session parameters.
func (s *ClientSocket) applyHandshake(p Packet) error {
	if p.Type != PacketOpen {
		return fmt.Errorf("%w: expected an open packet (type 0) first, got %s %.64q", ErrHandshake, p.Type, p.Data)
	}
	var h handshakeJSON
	if err := json.Unmarshal(p.Data, &h); err != nil {
		return fmt.Errorf("%w: open packet data is not the handshake JSON (%v): %.128q", ErrHandshake, err, p.Data)
	}
	switch {
	case h.SID == "":
		return fmt.Errorf("%w: handshake has no sid: %.128q", ErrHandshake, p.Data)
	case h.PingInterval <= 0 || h.PingTimeout <= 0:
		return fmt.Errorf("%w: handshake needs positive pingInterval and pingTimeout, got %d and %d", ErrHandshake, h.PingInterval, h.PingTimeout)
	case h.MaxPayload < 0:
		return fmt.Errorf("%w: handshake has negative maxPayload %d", ErrHandshake, h.MaxPayload)
	}
	s.sid = h.SID
	s.upgrades = h.Upgrades
	s.pingInterval = time.Duration(h.PingInterval) * time.Millisecond
	s.pingTimeout = time.Duration(h.PingTimeout) * time.Millisecond
	s.maxPayload = int(h.MaxPayload)
	return nil
}

// handshakePolling performs the handshake GET; it returns the packets that followed the
// open packet in the same payload.
func (s *ClientSocket) handshakePolling(ctx context.Context) (*clientPolling, []Packet, error) {
	packets, err := s.getPayload(ctx, s.requestURL(TransportPolling))
	if err != nil {
		if isParseError(err) || isStatusError(err) {
			return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		return nil, nil, fmt.Errorf("engineio: handshake: %w", err)
	}
	if err := s.applyHandshake(packets[0]); err != nil {
		return nil, nil, err
	}
	return &clientPolling{s: s}, packets[1:], nil
}

// handshakeWebsocket opens a websocket without a session and reads the open packet.
func (s *ClientSocket) handshakeWebsocket(ctx context.Context) (*clientWebSocket, error) {
	ws, err := s.dialWebsocket(ctx)
	if err != nil {
		return nil, err
	}
	p, err := ws.read(ctx)
	if err != nil {
		ws.abort()
		if isParseError(err) {
			return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		return nil, fmt.Errorf("engineio: handshake: reading the open packet: %w", err)
	}
	if err := s.applyHandshake(p); err != nil {
		ws.abort()
		return nil, err
	}
	return ws, nil
}
