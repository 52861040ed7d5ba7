package engineio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// clientPolling is the client's HTTP long-polling transport: GET receives, POST sends.
type clientPolling struct {
	s *ClientSocket
}

func (t *clientPolling) name() string { return TransportPolling }

// abort is a no-op: cancelling the socket's context ends the requests in flight.
func (t *clientPolling) abort() {}

// write POSTs packets as one payload.
func (t *clientPolling) write(ctx context.Context, packets []Packet) error {
	var body []byte
	ctype := "text/plain;charset=UTF-8"
	switch {
	case t.s.opts.Protocol == ProtocolV4:
		body = AppendPayload(nil, packets)
	case HasBinary(packets):
		body = AppendPayloadV3Binary(nil, packets)
		ctype = "application/octet-stream"
	default:
		body = AppendPayloadV3(nil, packets)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.s.requestURL(TransportPolling), bytes.NewReader(body))
	if err != nil {
		return err
	}
	t.s.setHeaders(req)
	req.Header.Set("Content-Type", ctype)
	resp, err := t.s.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("polling POST: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("polling POST: %w", statusError(resp))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 512))
	return nil
}

// poll performs one GET and decodes its payload. A decoding error wraps ErrParse.
func (t *clientPolling) poll(ctx context.Context) ([]Packet, error) {
	return t.s.getPayload(ctx, t.s.requestURL(TransportPolling))
}

// getPayload GETs rawURL and decodes the polling payload of the answer.
func (s *ClientSocket) getPayload(ctx context.Context, rawURL string) ([]Packet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	s.setHeaders(req)
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("polling GET: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("polling GET: %w", statusError(resp))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClientReadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("polling GET: reading the body: %w", err)
	}
	if len(body) > maxClientReadBytes {
		return nil, fmt.Errorf("polling GET: response body exceeds %d bytes", maxClientReadBytes)
	}
	var packets []Packet
	switch {
	case s.opts.Protocol == ProtocolV4:
		packets, err = DecodePayload(body)
	case isOctetStream(resp.Header.Get("Content-Type")):
		packets, err = DecodePayloadV3Binary(body)
	default:
		packets, err = DecodePayloadV3(body)
	}
	if err != nil {
		return nil, fmt.Errorf("engineio: polling response from %s: %w", s.base.Host, err)
	}
	return packets, nil
}

func isOctetStream(ctype string) bool {
	mt, _, _ := mime.ParseMediaType(ctype)
	return mt == "application/octet-stream"
}

// statusError describes a non-200 answer, with the start of its body (engine.io servers
// answer errors with {"code":N,"message":"..."}).
func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	return &httpStatusError{status: resp.Status, body: strings.TrimSpace(string(b))}
}

type httpStatusError struct{ status, body string }

func (e *httpStatusError) Error() string {
	return "server answered " + e.status + ": " + e.body
}

func isStatusError(err error) bool {
	var e *httpStatusError
	return errors.As(err, &e)
}

// pollLoop is the polling transport's reader: it handles the packets that came with the
// handshake, then GETs until the socket closes or an upgrade pauses polling. Started by
// Dial; stopped by close (the context ends the GET in flight) or by the upgrade.
func (s *ClientSocket) pollLoop(t *clientPolling, first []Packet) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.polling = false
		s.broadcastLocked()
		s.mu.Unlock()
	}()
	for _, p := range first {
		if !s.onPacket(p) {
			return
		}
	}
	for {
		s.mu.Lock()
		if s.state != clientOpen || s.upgrading || s.transport != clientTransport(t) {
			s.mu.Unlock()
			return
		}
		s.polling = true
		s.mu.Unlock()

		packets, err := t.poll(s.ctx)
		if err != nil {
			reason := ReasonTransportError
			if isParseError(err) {
				reason = ReasonParseError
			}
			s.closeWith(reason, err)
			return
		}
		for _, p := range packets {
			if !s.onPacket(p) {
				return
			}
		}
	}
}
