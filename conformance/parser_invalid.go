package conformance

import (
	"encoding/json"
	"strconv"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// InvalidInput is a frame sequence a decoder must reject, and why. The error
// must come at frame ErrorFrom or later (the frames before it are valid), and
// at the last frame at the latest; a decoder may see the problem before the
// frame where socket.io-parser does (a placeholder that names a missing
// attachment is visible in the text frame).
type InvalidInput struct {
	Frames    []parser.Frame
	Why       string
	ErrorFrom int
}

// header writes the packet header as socket.io-parser does:
// <type>[<attachments>-][<nsp>,][<id>].
func header(typ string, attachments string, nsp string, id *uint64) string {
	s := typ + attachments
	if nsp != "" && nsp != "/" {
		s += nsp + ","
	}
	if id != nil {
		s += strconv.FormatUint(*id, 10)
	}
	return s
}

func text(s string) parser.Frame   { return parser.Frame{Data: []byte(s)} }
func binary(b []byte) parser.Frame { return parser.Frame{Data: b, Binary: true} }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// InvalidInputGen generates inputs that socket.io-parser rejects for rev, built
// from valid pieces (a valid header, valid arguments) with one thing wrong:
//
//   - an unknown packet type;
//   - a payload that is not JSON;
//   - an EVENT payload that is not [name, …] with a string or number name
//     (v5: or whose name is reserved, such as "connect");
//   - an ACK payload that is not an array; a DISCONNECT with a payload;
//   - a CONNECT payload that is not an object (v4 accepts arrays and null);
//   - a CONNECT_ERROR payload that is neither an object nor a string (ditto);
//   - a bad attachment count (v5: also 0, more than MaxAttachments, or missing);
//   - a binary frame with no packet waiting for it; a text frame while
//     attachments are awaited; a placeholder that names a missing attachment.
func InvalidInputGen(rev parser.Revision) *rapid.Generator[InvalidInput] {
	v5 := rev != parser.V4
	return rapid.Custom(func(t *rapid.T) InvalidInput {
		nsp := NamespaceGen().Draw(t, "nsp")
		var id *uint64
		if rapid.Bool().Draw(t, "hasID") {
			n := ackIDGen().Draw(t, "id")
			id = &n
		}
		d := &valueDrawer{}
		args := d.drawArray(t, 2, 0, 3)
		name := StringGen().Filter(func(s string) bool { return !isReserved(s) }).Draw(t, "name")
		event := mustJSON(append([]any{name}, args...))
		one := func(why, s string) InvalidInput { return InvalidInput{Frames: []parser.Frame{text(s)}, Why: why} }
		pick := func(label string, choices ...string) string { return rapid.SampledFrom(choices).Draw(t, label) }

		kinds := []string{"type", "json", "event", "ack", "disconnect", "connect", "connectError",
			"count", "strayBinary", "textWhilePending", "placeholder"}
		switch rapid.SampledFrom(kinds).Draw(t, "kind") {
		case "type":
			return one("unknown packet type", header(pick("typ", "7", "8", "9", "a", "x", "["), "", nsp, id)+event)
		case "json":
			typ := pick("jsonType", "2", "3")
			return one("payload is not JSON", header(typ, "", nsp, id)+event[:len(event)-1])
		case "event":
			bad := []string{`{"a":1}`, `"x"`, `null`, `true`, `-1`, `[]`, `[null]`, `[{}]`, `[[1]]`, `[true]`, `{}`}
			if v5 {
				for _, r := range reservedEvents {
					bad = append(bad, mustJSON(append([]any{r}, args...)))
				}
			}
			return one("EVENT payload is not [name, ...] with a valid name", header("2", "", nsp, id)+pick("payload", bad...))
		case "ack":
			return one("ACK payload is not an array", header("3", "", nsp, id)+pick("payload", `{"a":1}`, `"x"`, `null`, `true`, `-1`, `{}`))
		case "disconnect":
			return one("DISCONNECT with a payload", header("1", "", nsp, nil)+pick("payload", `{}`, `[]`, `"x"`, `null`, `true`))
		case "connect":
			bad := []string{`"x"`, `true`, `-1`}
			if v5 {
				bad = append(bad, `[]`, `null`, `[1]`)
			}
			return one("CONNECT payload is not an object", header("0", "", nsp, nil)+pick("payload", bad...))
		case "connectError":
			bad := []string{`true`, `-1`}
			if v5 {
				bad = append(bad, `[]`, `null`, `["x"]`)
			}
			return one("CONNECT_ERROR payload is neither an object nor a string", header("4", "", nsp, nil)+pick("payload", bad...))
		case "count":
			bad := []string{"a-", "1a-", "x1-"}
			if v5 {
				bad = append(bad, "-", "0-", "11-", "99-", "1.5-")
			}
			typ := pick("binaryType", "5", "6")
			return one("bad attachment count", header(typ, pick("count", bad...), nsp, id)+`["a",{"_placeholder":true,"num":0}]`)
		case "strayBinary":
			return InvalidInput{
				Frames: []parser.Frame{binary(rapid.SliceOfN(rapid.Byte(), 0, 16).Draw(t, "bytes"))},
				Why:    "binary frame with no packet waiting for attachments",
			}
		case "textWhilePending":
			return InvalidInput{
				Frames: []parser.Frame{
					text(header("5", "2-", nsp, id) + `["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`),
					binary([]byte{1, 2, 3}),
					text(header("2", "", nsp, nil) + event),
				},
				Why:       "text frame while attachments are awaited",
				ErrorFrom: 2,
			}
		default: // placeholder
			num := pick("num", "1", "2", "-1", `"0"`, "true", "null")
			return InvalidInput{
				Frames: []parser.Frame{
					text(header("5", "1-", nsp, id) + `["a",{"_placeholder":true,"num":` + num + `}]`),
					binary([]byte{1, 2, 3}),
				},
				Why: "placeholder names a missing attachment",
			}
		}
	})
}
