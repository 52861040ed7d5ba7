package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/parser"
)

// This file drives the official socket.io-parser through node/parser-bridge.js.

// bridgeTimeout bounds one bridge call (a batch of up to a few thousand packets).
const bridgeTimeout = 60 * time.Second

// startParserBridge starts node/parser-bridge.js for the test.
func startParserBridge(t *testing.T) *nodeenv.Bridge {
	t.Helper()
	return nodeenv.StartBridge(t, "parser-bridge.js", nil)
}

// wireFrame is a frame as the bridge writes it: {"t":text} or {"b":base64}.
type wireFrame struct {
	T *string `json:"t,omitempty"`
	B *string `json:"b,omitempty"`
}

func toWireFrames(frames []parser.Frame) []wireFrame {
	out := make([]wireFrame, len(frames))
	for i, f := range frames {
		s := string(f.Data)
		if f.Binary {
			s = base64.StdEncoding.EncodeToString(f.Data)
			out[i].B = &s
		} else {
			out[i].T = &s
		}
	}
	return out
}

func fromWireFrames(wf []wireFrame) ([]parser.Frame, error) {
	out := make([]parser.Frame, len(wf))
	for i, f := range wf {
		switch {
		case f.T != nil:
			out[i] = parser.Frame{Data: []byte(*f.T)}
		case f.B != nil:
			b, err := base64.StdEncoding.DecodeString(*f.B)
			if err != nil {
				return nil, err
			}
			out[i] = parser.Frame{Data: b, Binary: true}
		default:
			return nil, fmt.Errorf("bridge frame %d is neither text nor binary", i)
		}
	}
	return out, nil
}

// wirePacket is a packet as the bridge writes it, binary values tagged with
// {"__gosockio_bin": base64}.
type wirePacket struct {
	Type int             `json:"type"`
	Nsp  *string         `json:"nsp,omitempty"`
	ID   json.Number     `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// toWirePacket converts a packet with Go values (or a relayed RawMessage with
// attachments) to the bridge's form.
func toWirePacket(p *parser.Packet) (wirePacket, error) {
	n, err := Normalize(p)
	if err != nil {
		return wirePacket{}, err
	}
	w := wirePacket{Type: int(p.Type), Nsp: &n.Namespace}
	if p.HasID {
		w.ID = json.Number(strconv.FormatUint(p.ID, 10))
	}
	if n.HasData {
		if w.Data, err = json.Marshal(tagBinary(n.Data)); err != nil {
			return wirePacket{}, err
		}
	}
	return w, nil
}

func tagBinary(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]string{BinaryTag: base64.StdEncoding.EncodeToString(v)}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = tagBinary(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = tagBinary(e)
		}
		return out
	}
	return v
}

func untagBinary(v any) (any, error) {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			x, err := untagBinary(e)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
	case map[string]any:
		if s, ok := v[BinaryTag].(string); ok && len(v) == 1 {
			b, err := base64.StdEncoding.DecodeString(s)
			if b == nil {
				b = []byte{}
			}
			return b, err
		}
		for k, e := range v {
			x, err := untagBinary(e)
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
	}
	return v, nil
}

// packet converts a bridge packet to a parser.Packet whose Data is a Go value
// tree with []byte in place (Attachments stay nil).
func (w wirePacket) packet() (*parser.Packet, error) {
	p := &parser.Packet{Type: parser.Type(w.Type)}
	if w.Nsp != nil {
		p.Namespace = *w.Nsp
	}
	if w.ID != "" {
		id, err := strconv.ParseUint(string(w.ID), 10, 64)
		if err != nil {
			// Node keeps ids as doubles; a huge one comes back as 1.2e+21.
			f, ferr := strconv.ParseFloat(string(w.ID), 64)
			if ferr != nil || f < 0 || f >= math.MaxUint64 || f != math.Trunc(f) {
				return nil, fmt.Errorf("bridge packet has ack id %s", w.ID)
			}
			id = uint64(f)
		}
		p.ID, p.HasID = id, true
	}
	if len(w.Data) > 0 {
		v, err := decodeJSON(w.Data)
		if err != nil {
			return nil, err
		}
		if v, err = untagBinary(v); err != nil {
			return nil, err
		}
		if v == nil {
			p.Data = json.RawMessage("null")
		} else {
			p.Data = v
		}
	}
	return p, nil
}

// frameOutput is what one frame did to a decoder: nothing yet, a packet, or an error.
type frameOutput struct {
	Packet      *wirePacket `json:"packet,omitempty"`
	Error       *string     `json:"error,omitempty"`
	ErrorPacket bool        `json:"errorPacket,omitempty"`
}

type feedResult struct {
	Outputs []frameOutput `json:"outputs"`
	Pending bool          `json:"pending"`
}

// nodeParser is a ParserDriver backed by the bridge.
type nodeParser struct {
	b   *nodeenv.Bridge
	rev parser.Revision
	ctx context.Context
}

func newNodeParser(t *testing.T, b *nodeenv.Bridge, rev parser.Revision) *nodeParser {
	return &nodeParser{b: b, rev: rev, ctx: t.Context()}
}

func (n *nodeParser) call(req, resp any) error {
	ctx, cancel := context.WithTimeout(n.ctx, bridgeTimeout)
	defer cancel()
	return n.b.Call(ctx, req, resp)
}

func (n *nodeParser) Revision() parser.Revision { return n.rev }

// encodeBatch encodes packets with socket.io-parser; an entry of errs is set
// when Node could not encode that packet.
func (n *nodeParser) encodeBatch(packets []*parser.Packet) (frames [][]parser.Frame, errs []error, err error) {
	wire := make([]wirePacket, len(packets))
	for i, p := range packets {
		if wire[i], err = toWirePacket(p); err != nil {
			return nil, nil, fmt.Errorf("packet %d: %w", i, err)
		}
	}
	var resp struct {
		Results []struct {
			Frames []wireFrame `json:"frames"`
			Error  *string     `json:"error"`
		} `json:"results"`
	}
	if err := n.call(map[string]any{"op": "encode", "rev": int(n.rev), "packets": wire}, &resp); err != nil {
		return nil, nil, err
	}
	if len(resp.Results) != len(packets) {
		return nil, nil, fmt.Errorf("bridge answered %d results for %d packets", len(resp.Results), len(packets))
	}
	frames = make([][]parser.Frame, len(packets))
	errs = make([]error, len(packets))
	for i, r := range resp.Results {
		if r.Error != nil {
			errs[i] = errors.New(*r.Error)
			continue
		}
		if frames[i], err = fromWireFrames(r.Frames); err != nil {
			return nil, nil, err
		}
	}
	return frames, errs, nil
}

func (n *nodeParser) Encode(p *parser.Packet) ([]parser.Frame, error) {
	frames, errs, err := n.encodeBatch([]*parser.Packet{p})
	if err != nil {
		return nil, err
	}
	return frames[0], errs[0]
}

// decodeBatch feeds each input to a fresh socket.io-parser decoder.
func (n *nodeParser) decodeBatch(inputs [][]parser.Frame) ([]feedResult, error) {
	wire := make([][]wireFrame, len(inputs))
	for i, in := range inputs {
		wire[i] = toWireFrames(in)
	}
	var resp struct {
		Results []feedResult `json:"results"`
	}
	if err := n.call(map[string]any{"op": "decode", "rev": int(n.rev), "inputs": wire}, &resp); err != nil {
		return nil, err
	}
	if len(resp.Results) != len(inputs) {
		return nil, fmt.Errorf("bridge answered %d results for %d inputs", len(resp.Results), len(inputs))
	}
	return resp.Results, nil
}

func (n *nodeParser) NewDecoder() parser.Decoder {
	var resp struct {
		Decoder int `json:"decoder"`
	}
	d := &nodeDecoder{n: n}
	if d.err = n.call(map[string]any{"op": "newDecoder", "rev": int(n.rev)}, &resp); d.err == nil {
		d.id = resp.Decoder
	}
	return d
}

// nodeDecoder is a parser.Decoder backed by one socket.io-parser Decoder in the bridge.
type nodeDecoder struct {
	n       *nodeParser
	id      int
	pending bool
	err     error // a bridge failure, returned by the next Decode
}

func (d *nodeDecoder) Decode(f parser.Frame) (*parser.Packet, error) {
	if d.err != nil {
		return nil, fmt.Errorf("bridge: %w", d.err)
	}
	var r feedResult
	if err := d.n.call(map[string]any{"op": "feed", "decoder": d.id, "frames": toWireFrames([]parser.Frame{f})}, &r); err != nil {
		d.err = err
		return nil, fmt.Errorf("bridge: %w", err)
	}
	if len(r.Outputs) != 1 {
		return nil, fmt.Errorf("bridge: %d outputs for one frame", len(r.Outputs))
	}
	d.pending = r.Pending
	out := r.Outputs[0]
	switch {
	case out.Error != nil:
		return nil, errors.New("socket.io-parser: " + *out.Error)
	case out.Packet != nil:
		return out.Packet.packet()
	}
	return nil, nil
}

func (d *nodeDecoder) Pending() bool { return d.pending }

func (d *nodeDecoder) Reset() {
	if d.err == nil {
		d.err = d.n.call(map[string]any{"op": "reset", "decoder": d.id}, nil)
	}
	d.pending = false
}
