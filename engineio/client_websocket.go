package engineio

import (
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"
)

// clientWebSocket is the client's websocket transport: one packet per frame.
type clientWebSocket struct {
	conn     *websocket.Conn
	protocol int
	buf      []byte // write loop only
}

func (t *clientWebSocket) name() string { return TransportWebSocket }

func (t *clientWebSocket) abort() { _ = t.conn.CloseNow() }

// closeGracefully sends a close frame and waits (bounded by the websocket package) for the
// server's, as engine.io-client's ws.close().
func (t *clientWebSocket) closeGracefully() { _ = t.conn.Close(websocket.StatusNormalClosure, "") }

// write sends each packet as one frame: text "4hello", binary frames as AppendFrame makes
// them.
func (t *clientWebSocket) write(ctx context.Context, packets []Packet) error {
	for _, p := range packets {
		frame, binary := AppendFrame(t.buf[:0], p, t.protocol)
		t.buf = frame[:0]
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		if err := t.conn.Write(ctx, typ, frame); err != nil {
			return err
		}
	}
	return nil
}

// read reads and decodes one frame; a decoding error wraps ErrParse.
func (t *clientWebSocket) read(ctx context.Context) (Packet, error) {
	typ, data, err := t.conn.Read(ctx)
	if err != nil {
		return Packet{}, err
	}
	p, err := DecodeFrame(data, typ == websocket.MessageBinary, t.protocol)
	if err != nil {
		return Packet{}, fmt.Errorf("engineio: websocket frame: %w", err)
	}
	return p, nil
}

// dialWebsocket opens a websocket to the server, for the session sid if not empty.
func (s *ClientSocket) dialWebsocket(ctx context.Context) (*clientWebSocket, error) {
	conn, resp, err := websocket.Dial(ctx, s.requestURL(TransportWebSocket), &websocket.DialOptions{
		HTTPClient: s.opts.HTTPClient,
		HTTPHeader: s.opts.ExtraHeaders,
	})
	if err != nil {
		if resp != nil && resp.StatusCode != 101 {
			return nil, fmt.Errorf("%w: websocket: server answered %s: %w", ErrHandshake, resp.Status, err)
		}
		return nil, fmt.Errorf("engineio: websocket handshake: %w", err)
	}
	conn.SetReadLimit(maxClientReadBytes)
	return &clientWebSocket{conn: conn, protocol: s.opts.Protocol}, nil
}

// wsReadLoop is the websocket transport's reader. Started by Dial or by the upgrade;
// stopped by close (the context ends the read) or when the server closes.
func (s *ClientSocket) wsReadLoop(t *clientWebSocket) {
	for {
		p, err := t.read(s.ctx)
		if err != nil {
			reason := ReasonTransportClose
			if isParseError(err) {
				reason = ReasonParseError
			}
			s.closeWith(reason, err)
			return
		}
		if !s.onPacket(p) {
			return
		}
	}
}

func isParseError(err error) bool { return errors.Is(err, ErrParse) }
