package nodeenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Bridge is a long-lived Node script that answers every JSON line written to its
// stdin with one JSON line on stdout, in order (see conformance/node/line-bridge.js
// for the Node side). Calls are serialized: one request is in flight at a time,
// and Bridge is safe for concurrent use. If a call is abandoned midway (its ctx
// ended, or the answer could not be read), request and answer lines may no
// longer pair up, so the bridge refuses further calls.
type Bridge struct {
	p *Process

	mu     sync.Mutex
	broken error // guarded by mu
}

// StartBridge starts script like [Start] and returns it as a [Bridge].
func StartBridge(t testing.TB, script string, opts *Options) *Bridge {
	t.Helper()
	return &Bridge{p: Start(t, script, opts)}
}

// Process returns the bridge's process (stderr, exit).
func (b *Bridge) Process() *Process { return b.p }

// BridgeError is the answer of a bridge whose handler threw: the answer line
// was {"bridgeError":"message"}.
type BridgeError struct {
	Script  string
	Message string
}

func (e *BridgeError) Error() string {
	return fmt.Sprintf("nodeenv: %s handler failed: %s", e.Script, e.Message)
}

// Call marshals req as one line, reads the one-line answer and unmarshals it
// into resp (which may be nil, or a *json.RawMessage to keep it raw). A
// {"bridgeError":…} answer is returned as a *BridgeError, and the bridge stays
// usable. Call gives up when ctx ends.
func (b *Bridge) Call(ctx context.Context, req, resp any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("nodeenv: marshal request for %s: %w", b.p.script, err)
	}
	raw, err := b.CallRaw(ctx, line)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("nodeenv: %s answered %.300q: %w", b.p.script, raw, err)
	}
	return nil
}

// CallRaw is Call with the request and the answer as raw JSON lines. req must
// not contain a newline.
func (b *Bridge) CallRaw(ctx context.Context, req []byte) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.broken != nil {
		return nil, fmt.Errorf("nodeenv: %s is out of step after an earlier failed call: %w", b.p.script, b.broken)
	}
	if err := b.p.WriteLine(ctx, req); err != nil {
		b.broken = err
		return nil, err
	}
	line, err := b.p.ReadLine(ctx)
	if err != nil {
		b.broken = err
		return nil, err
	}
	raw := []byte(line)
	// line-bridge.js writes handler failures in exactly this form.
	if bytes.HasPrefix(raw, []byte(`{"bridgeError":`)) {
		var env struct {
			BridgeError string `json:"bridgeError"`
		}
		if err := json.Unmarshal(raw, &env); err == nil {
			return nil, &BridgeError{Script: b.p.script, Message: env.BridgeError}
		}
	}
	if !json.Valid(raw) {
		err := errors.New("answer is not JSON: " + fmt.Sprintf("%.300q", line))
		b.broken = err
		return nil, fmt.Errorf("nodeenv: %s: %w", b.p.script, err)
	}
	return raw, nil
}
