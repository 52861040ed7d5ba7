package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// engineClient is the raw Engine.IO client the engine properties drive: every
// request is explicit, so the properties choose the interleaving.
type engineClient struct {
	endpoint string
	hc       *http.Client
	eio      int
	sid      string

	opened       time.Time
	pingInterval time.Duration
	pingTimeout  time.Duration

	postMu sync.Mutex // one POST at a time, as the protocol requires
}

// enginePacket is one decoded Engine.IO packet.
type enginePacket struct {
	typ    byte // '0'..'6'
	binary bool
	data   []byte
}

func describeEnginePackets(pkts []enginePacket) string {
	var parts []string
	for _, p := range pkts {
		if p.binary {
			parts = append(parts, fmt.Sprintf("bin:%x", p.data))
		} else {
			parts = append(parts, fmt.Sprintf("%q", string(p.typ)+string(p.data)))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func (c *engineClient) url(transport string) string {
	q := url.Values{"EIO": {strconv.Itoa(c.eio)}, "transport": {transport}}
	if c.sid != "" {
		q.Set("sid", c.sid)
	}
	u := c.endpoint + "?" + q.Encode()
	if transport == "websocket" {
		u = "ws" + strings.TrimPrefix(u, "http")
	}
	return u
}

// handshake opens a polling session and reads its open packet.
func (c *engineClient) handshake(ctx context.Context) error {
	pkts, err := c.get(ctx)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if len(pkts) == 0 || pkts[0].typ != '0' {
		return fmt.Errorf("handshake: first packet is not open: %s", describeEnginePackets(pkts))
	}
	var hs struct {
		SID          string `json:"sid"`
		PingInterval int64  `json:"pingInterval"`
		PingTimeout  int64  `json:"pingTimeout"`
	}
	if err := json.Unmarshal(pkts[0].data, &hs); err != nil || hs.SID == "" {
		return fmt.Errorf("handshake: open packet %q has no sid (%v)", pkts[0].data, err)
	}
	c.sid = hs.SID
	c.opened = time.Now()
	c.pingInterval = time.Duration(hs.PingInterval) * time.Millisecond
	c.pingTimeout = time.Duration(hs.PingTimeout) * time.Millisecond
	return nil
}

// get performs one polling GET and decodes its payload.
func (c *engineClient) get(ctx context.Context) ([]enginePacket, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("polling"), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET: read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET: status %d, body %q", resp.StatusCode, body)
	}
	if c.eio == 3 {
		return decodeV3Payload(body)
	}
	var pkts []enginePacket
	for _, part := range bytes.Split(body, []byte{0x1e}) {
		if len(part) == 0 {
			return nil, fmt.Errorf("GET: empty packet in payload %q", body)
		}
		if part[0] == 'b' {
			data, err := base64.StdEncoding.DecodeString(string(part[1:]))
			if err != nil {
				return nil, fmt.Errorf("GET: bad base64 packet in payload %q: %w", body, err)
			}
			pkts = append(pkts, enginePacket{typ: '4', binary: true, data: data})
			continue
		}
		pkts = append(pkts, enginePacket{typ: part[0], data: part[1:]})
	}
	return pkts, nil
}

// decodeV3Payload decodes a text payload of EIO=3 (<len>:<packet>..., the
// length in UTF-16 code units); the properties read only open packets from it.
func decodeV3Payload(body []byte) ([]enginePacket, error) {
	var pkts []enginePacket
	s := string(body)
	for s != "" {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return nil, fmt.Errorf("GET: EIO=3 payload %q has no length prefix", body)
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("GET: EIO=3 payload %q: bad length %q", body, s[:i])
		}
		s = s[i+1:]
		// Count n UTF-16 code units.
		j, units := 0, 0
		for j < len(s) && units < n {
			r, size := utf8.DecodeRuneInString(s[j:])
			if r >= 0x10000 {
				units += 2
			} else {
				units++
			}
			j += size
		}
		if units != n {
			return nil, fmt.Errorf("GET: EIO=3 payload %q is shorter than its length %d", body, n)
		}
		pkts = append(pkts, enginePacket{typ: s[0], data: []byte(s[1:j])})
		s = s[j:]
	}
	return pkts, nil
}

// post sends body and expects "200 ok".
func (c *engineClient) post(ctx context.Context, body string) error {
	status, reply, err := c.doPost(ctx, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK || reply != "ok" {
		return fmt.Errorf("POST %.80q: status %d, body %q; want 200 ok", body, status, reply)
	}
	return nil
}

// postAny sends body and accepts any status (the server may refuse it).
func (c *engineClient) postAny(ctx context.Context, body string) error {
	_, _, err := c.doPost(ctx, body)
	return err
}

func (c *engineClient) doPost(ctx context.Context, body string) (int, string, error) {
	c.postMu.Lock()
	defer c.postMu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url("polling"), strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("POST: read reply: %w", err)
	}
	return resp.StatusCode, string(reply), nil
}

// encodeClose is a close packet as a polling body.
func (c *engineClient) encodeClose() string {
	if c.eio == 3 {
		return "1:1"
	}
	return "1"
}

// encodePollingMessages joins msgs as one EIO=4 polling body.
func encodePollingMessages(msgs []engineMessage) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(0x1e)
		}
		if m.Binary {
			b.WriteByte('b')
			b.WriteString(base64.StdEncoding.EncodeToString(m.Data))
		} else {
			b.WriteByte('4')
			b.Write(m.Data)
		}
	}
	return b.String()
}

// expectGone checks that the session is unknown to the server now: a polling
// GET for it is answered 400 (the server may still be finishing the close, so
// a 200 carrying only the close or a noop is retried a few times).
func (c *engineClient) expectGone(ctx context.Context) error {
	for range 5 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("polling"), nil)
		if err != nil {
			return err
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return fmt.Errorf("GET for the closed session: %w", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusBadRequest {
			return nil
		}
		if resp.StatusCode != http.StatusOK || !(string(body) == "1" || string(body) == "6") {
			return fmt.Errorf("GET for the closed session: status %d, body %q; want 400", resp.StatusCode, body)
		}
	}
	return errors.New("GET for the closed session still succeeds after 5 tries; want 400")
}

// upgrade moves the polling session to websocket (probe, upgrade packet).
func (c *engineClient) upgrade(ctx context.Context) (*engineWS, error) {
	ws, err := c.dialWS(ctx)
	if err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if err := ws.writeText(ctx, "2probe"); err != nil {
		ws.close()
		return nil, fmt.Errorf("upgrade: send 2probe: %w", err)
	}
	p, err := ws.readRaw(ctx)
	if err != nil || p.typ != '3' || string(p.data) != "probe" {
		ws.close()
		return nil, fmt.Errorf("upgrade: want 3probe, got %s (err %v)", describeEnginePackets([]enginePacket{p}), err)
	}
	if err := ws.writeText(ctx, "5"); err != nil {
		ws.close()
		return nil, fmt.Errorf("upgrade: send 5: %w", err)
	}
	return ws, nil
}

// engineWS is the websocket of an engineClient. Before startReading, frames
// are read with readRaw; after it, a reader goroutine answers pings and
// collects messages.
type engineWS struct {
	conn *websocket.Conn

	mu      sync.Mutex
	msgs    []engineMessage // guarded by mu
	readErr error           // guarded by mu
	changed chan struct{}   // guarded by mu; closed and replaced on every change

	closeOnce sync.Once
	cancel    context.CancelFunc
	readDone  chan struct{} // closed when the reader goroutine returns; nil before startReading
}

func (c *engineClient) dialWS(ctx context.Context) (*engineWS, error) {
	conn, _, err := websocket.Dial(ctx, c.url("websocket"), &websocket.DialOptions{HTTPClient: c.hc})
	if err != nil {
		return nil, fmt.Errorf("dial websocket: %w", err)
	}
	conn.SetReadLimit(16 << 20)
	return &engineWS{conn: conn, changed: make(chan struct{})}, nil
}

func (w *engineWS) readRaw(ctx context.Context) (enginePacket, error) {
	typ, data, err := w.conn.Read(ctx)
	if err != nil {
		return enginePacket{}, err
	}
	if typ == websocket.MessageBinary {
		return enginePacket{typ: '4', binary: true, data: data}, nil
	}
	if len(data) == 0 {
		return enginePacket{}, errors.New("empty text frame")
	}
	return enginePacket{typ: data[0], data: data[1:]}, nil
}

func (w *engineWS) writeText(ctx context.Context, s string) error {
	return w.conn.Write(ctx, websocket.MessageText, []byte(s))
}

func (w *engineWS) writeMessage(ctx context.Context, m engineMessage) error {
	if m.Binary {
		return w.conn.Write(ctx, websocket.MessageBinary, m.Data)
	}
	return w.conn.Write(ctx, websocket.MessageText, append([]byte{'4'}, m.Data...))
}

// startReading starts the reader goroutine; close stops it.
func (w *engineWS) startReading(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.readDone = make(chan struct{})
	go func() { // stopped by close (cancel and conn close)
		defer close(w.readDone)
		for {
			p, err := w.readRaw(ctx)
			if err == nil && !p.binary && p.typ == '2' {
				err = w.writeText(ctx, "3"+string(p.data))
				if err == nil {
					continue
				}
			}
			w.mu.Lock()
			switch {
			case err != nil:
				w.readErr = err
			case p.typ == '4':
				w.msgs = append(w.msgs, engineMessage{Binary: p.binary, Data: p.data})
			case p.typ == '6':
			default:
				w.readErr = fmt.Errorf("unexpected packet %s", describeEnginePackets([]enginePacket{p}))
			}
			close(w.changed)
			w.changed = make(chan struct{})
			stop := w.readErr != nil
			w.mu.Unlock()
			if stop {
				return
			}
		}
	}()
}

// waitFor waits until the reader has collected m and returns every message
// collected.
func (w *engineWS) waitFor(ctx context.Context, m engineMessage) ([]engineMessage, error) {
	for {
		w.mu.Lock()
		msgs, err, ch := append([]engineMessage(nil), w.msgs...), w.readErr, w.changed
		w.mu.Unlock()
		if containsMessage(msgs, m) {
			return msgs, nil
		}
		if err != nil {
			return msgs, fmt.Errorf("websocket read: %w", err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return msgs, fmt.Errorf("no echo of %v over websocket: %w", m, ctx.Err())
		}
	}
}

// close closes the websocket without a close packet and waits for the reader.
func (w *engineWS) close() {
	w.closeOnce.Do(func() {
		if w.cancel != nil {
			w.cancel()
		}
		_ = w.conn.CloseNow()
		if w.readDone != nil {
			<-w.readDone
		}
	})
}
