package conformance

import (
	"strings"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// MaxAttachments is the number of binary attachments a generated packet may
// carry: socket.io-parser 4.x rejects more (its maxAttachments option, default 10).
const MaxAttachments = 10

// reservedEvents are the event names socket.io-parser 4.x refuses to decode.
var reservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// BinaryTag is the object key the Node parser bridge uses to carry a binary
// value inside JSON; generated objects never use it as a key.
const BinaryTag = "__gosockio_bin"

// specialRunes are the characters that have a meaning somewhere on the way:
// JSON escapes, the packet header (digits, '-', ',', '/'), line separators
// JavaScript once refused, a BOM, and characters outside the BMP (surrogate
// pairs in JavaScript).
var specialRunes = []rune{
	'"', '\\', '/', '\n', '\r', '\t', '\b', '\f', 0, 0x1f, 0x7f, '\u2028', '\u2029', '\ufeff',
	'<', '>', '&', '\'', ',', '-', '0', '9', '[', ']', '{', '}', ':', ' ',
	'é', '€', 'ß', '中', '😀', '𝄞', '\U0010FFFD',
}

func runeGen() *rapid.Generator[rune] {
	return rapid.OneOf(
		rapid.RuneFrom([]rune("abcxyzABC_ 0123456789")),
		rapid.SampledFrom(specialRunes),
		rapid.Rune(),
	)
}

// StringGen generates valid UTF-8 strings rich in characters that need
// escaping or that mean something in the packet header.
func StringGen() *rapid.Generator[string] {
	return rapid.StringOfN(runeGen(), 0, 12, -1)
}

// keyGen generates object keys. "_placeholder" would turn an object into a
// binary placeholder, "__proto__" is not an ordinary key in JavaScript, and
// BinaryTag is the bridge's binary marker; they are left out.
func keyGen() *rapid.Generator[string] {
	return StringGen().Filter(func(k string) bool {
		return k != "_placeholder" && k != "__proto__" && !strings.HasPrefix(k, BinaryTag)
	})
}

func numberGen() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Map(rapid.IntRange(-1000, 1000), func(i int) float64 { return float64(i) }),
		rapid.Map(rapid.Int64Range(-(1<<53), 1<<53), func(i int64) float64 { return float64(i) }),
		rapid.Float64Range(-1e300, 1e300),
		rapid.Float64Range(-1, 1),
		rapid.SampledFrom([]float64{0, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -1e21}),
	)
}

// valueDrawer draws JSON values with []byte at random depths, keeping the
// number of binary values within budget.
type valueDrawer struct {
	budget int // binary values still allowed
}

func (d *valueDrawer) draw(t *rapid.T, depth int) any {
	kinds := []string{"null", "bool", "number", "string"}
	if d.budget > 0 {
		kinds = append(kinds, "binary", "binary")
	}
	if depth > 0 {
		kinds = append(kinds, "array", "object")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "null":
		return nil
	case "bool":
		return rapid.Bool().Draw(t, "bool")
	case "number":
		return numberGen().Draw(t, "number")
	case "string":
		return StringGen().Draw(t, "string")
	case "binary":
		d.budget--
		b := rapid.SliceOfN(rapid.Byte(), 0, 48).Draw(t, "binary")
		if b == nil {
			b = []byte{}
		}
		return b
	case "array":
		return d.drawArray(t, depth-1, 0, 4)
	default:
		return d.drawObject(t, depth-1)
	}
}

func (d *valueDrawer) drawArray(t *rapid.T, depth, minLen, maxLen int) []any {
	n := rapid.IntRange(minLen, maxLen).Draw(t, "len")
	out := make([]any, n)
	for i := range out {
		out[i] = d.draw(t, depth)
	}
	return out
}

func (d *valueDrawer) drawObject(t *rapid.T, depth int) map[string]any {
	n := rapid.IntRange(0, 4).Draw(t, "keys")
	m := make(map[string]any, n)
	for range n {
		m[keyGen().Draw(t, "key")] = d.draw(t, depth)
	}
	return m
}

// ValueGen generates JSON values (nil, bool, float64, string, []any,
// map[string]any) nested up to depth 4, with up to MaxAttachments []byte
// values at random depths when binary is true.
func ValueGen(binary bool) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		d := &valueDrawer{}
		if binary {
			d.budget = rapid.IntRange(0, MaxAttachments).Draw(t, "binaryBudget")
		}
		return d.draw(t, 4)
	})
}

// NamespaceGen generates namespaces: "" or "/" (both the main namespace), or
// "/" and a name without ',' (the namespace terminator in the packet header).
func NamespaceGen() *rapid.Generator[string] {
	name := rapid.StringOfN(runeGen(), 0, 10, -1).Filter(func(s string) bool { return !strings.ContainsRune(s, ',') })
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "/", "/admin", "/chat/room"}),
		rapid.Map(name, func(s string) string { return "/" + s }),
	)
}

// ackIDGen generates ack ids a JavaScript number holds exactly (below 2^53).
func ackIDGen() *rapid.Generator[uint64] {
	return rapid.OneOf(
		rapid.Uint64Range(0, 100),
		rapid.Uint64Range(0, 1<<53-1),
	)
}

// PacketGen generates valid packets of every type for rev, in the form an
// encoder takes: binary values are []byte inside Data, at any depth, and make
// an Event or Ack a binary one. The packets follow what socket.io-parser's
// decoder accepts for rev:
//
//   - CONNECT: no data, or an object (the auth payload);
//   - DISCONNECT: no data;
//   - EVENT: ack id or not; [name, args...] where name is a string that is not
//     reserved, or (rarely) a number;
//   - ACK: an ack id; an array of arguments;
//   - CONNECT_ERROR (v4: ERROR): an object {"message":…,"data"?:…} or a string.
func PacketGen(rev parser.Revision) *rapid.Generator[*parser.Packet] {
	return rapid.Custom(func(t *rapid.T) *parser.Packet {
		p := &parser.Packet{
			Type:      rapid.SampledFrom([]parser.Type{parser.Connect, parser.Disconnect, parser.Event, parser.Event, parser.Ack, parser.Ack, parser.ConnectError}).Draw(t, "type"),
			Namespace: NamespaceGen().Draw(t, "nsp"),
		}
		d := &valueDrawer{}
		switch p.Type {
		case parser.Connect:
			if rapid.Bool().Draw(t, "hasAuth") {
				p.Data = d.drawObject(t, 2)
			}
		case parser.Event, parser.Ack:
			p.HasID = p.Type == parser.Ack || rapid.Bool().Draw(t, "hasID")
			if p.HasID {
				p.ID = ackIDGen().Draw(t, "id")
			}
			d.budget = rapid.IntRange(0, MaxAttachments).Draw(t, "binaryBudget")
			args := d.drawArray(t, 3, 0, 5)
			if p.Type == parser.Event {
				var name any
				if rapid.IntRange(0, 9).Draw(t, "numericName") == 0 {
					name = float64(rapid.IntRange(-5, 100).Draw(t, "nameNumber"))
				} else {
					name = StringGen().Filter(func(s string) bool { return !isReserved(s) }).Draw(t, "name")
				}
				args = append([]any{name}, args...)
			}
			p.Data = args
		case parser.ConnectError:
			if rapid.Bool().Draw(t, "errObject") {
				m := map[string]any{"message": StringGen().Draw(t, "message")}
				if rapid.Bool().Draw(t, "hasErrData") {
					m["data"] = d.draw(t, 2)
				}
				p.Data = m
			} else {
				p.Data = StringGen().Draw(t, "message")
			}
		}
		return p
	})
}

func isReserved(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}
