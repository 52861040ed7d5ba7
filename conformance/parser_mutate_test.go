package conformance

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// mutationAlphabet holds the characters a mutation inserts or substitutes:
// those that mean something in the header or in JSON.
var mutationAlphabet = []rune("0123456789-,/[]{}\":ab _\\.e+")

// payloadSubstitutes replace a packet's JSON payload.
var payloadSubstitutes = []string{
	``, `{}`, `[]`, `null`, `"s"`, `1`, `-1`, `true`, `["connect"]`, `["disconnect"]`, `[1]`, `[null]`,
	`["a"]`, `["a",1]`, `[{"_placeholder":true,"num":0}]`, `["a",{"_placeholder":true,"num":5}]`,
	`{"_placeholder":true,"num":0}`, `{"message":"m"}`, `["a"] `, ` ["a"]`, `["a"]x`, `[1e400]`,
	`["\ud800"]`, `[` + "\u2028" + `]`, `{"a":1,"a":2}`,
}

var placeholderNum = regexp.MustCompile(`"num":\d+`)

// mutation is one way to break a valid frame sequence.
type mutation struct {
	name  string
	apply func(t *rapid.T, frames []parser.Frame) []parser.Frame
}

func textRunes(frames []parser.Frame) []rune { return []rune(string(frames[0].Data)) }

func withText(frames []parser.Frame, s string) []parser.Frame {
	out := append([]parser.Frame(nil), frames...)
	out[0] = parser.Frame{Data: []byte(s)}
	return out
}

func payloadStart(s string) int {
	for i, c := range s {
		if strings.ContainsRune(`[{"tfn`, c) && i > 0 {
			return i
		}
	}
	return len(s)
}

var mutations = []mutation{
	{"replace a character", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		r := textRunes(f)
		if len(r) == 0 {
			return f
		}
		i := rapid.IntRange(0, len(r)-1).Draw(t, "at")
		r[i] = rapid.SampledFrom(mutationAlphabet).Draw(t, "char")
		return withText(f, string(r))
	}},
	{"delete a character", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		r := textRunes(f)
		if len(r) == 0 {
			return f
		}
		i := rapid.IntRange(0, len(r)-1).Draw(t, "at")
		return withText(f, string(append(r[:i:i], r[i+1:]...)))
	}},
	{"insert a character", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		r := textRunes(f)
		i := rapid.IntRange(0, len(r)).Draw(t, "at")
		c := rapid.SampledFrom(mutationAlphabet).Draw(t, "char")
		return withText(f, string(r[:i])+string(c)+string(r[i:]))
	}},
	{"truncate the text", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		r := textRunes(f)
		return withText(f, string(r[:rapid.IntRange(0, len(r)).Draw(t, "keep")]))
	}},
	{"change the type", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		r := textRunes(f)
		c := rapid.SampledFrom([]rune("0123456789a-")).Draw(t, "type")
		if len(r) == 0 {
			return withText(f, string(c))
		}
		r[0] = c
		return withText(f, string(r))
	}},
	{"replace the payload", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		s := string(f[0].Data)
		return withText(f, s[:payloadStart(s)]+rapid.SampledFrom(payloadSubstitutes).Draw(t, "payload"))
	}},
	{"change the attachment count", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		s := string(f[0].Data)
		dash := strings.IndexByte(s, '-')
		if len(s) == 0 || (s[0] != '5' && s[0] != '6') || dash < 0 {
			s = "5" + rapid.SampledFrom([]string{"1-", ""}).Draw(t, "makeBinary") + s[min(1, len(s)):]
			return withText(f, s)
		}
		count := rapid.SampledFrom([]string{"", "0", "1", "2", "3", "9", "10", "11", "-1", "1a", "01", "1.0", "1e0", " 1", "1.5", "+1", "0x1"}).Draw(t, "count")
		return withText(f, s[:1]+count+s[dash:])
	}},
	{"change a placeholder's num", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		s := string(f[0].Data)
		locs := placeholderNum.FindAllStringIndex(s, -1)
		if len(locs) == 0 {
			return f
		}
		l := rapid.SampledFrom(locs).Draw(t, "placeholder")
		num := rapid.SampledFrom([]string{"0", "1", "5", "10", "-1", "0.5", "1.0", `"0"`, "null", "1e0"}).Draw(t, "num")
		return withText(f, s[:l[0]]+`"num":`+num+s[l[1]:])
	}},
	{"drop a frame", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		if len(f) < 2 {
			return f
		}
		i := rapid.IntRange(1, len(f)-1).Draw(t, "drop")
		return append(f[:i:i], f[i+1:]...)
	}},
	{"duplicate a frame", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		i := rapid.IntRange(0, len(f)-1).Draw(t, "dup")
		return append(append(f[:i+1:i+1], f[i]), f[i+1:]...)
	}},
	{"swap two frames", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		if len(f) < 2 {
			return f
		}
		i := rapid.IntRange(0, len(f)-2).Draw(t, "swap")
		out := append([]parser.Frame(nil), f...)
		out[i], out[i+1] = out[i+1], out[i]
		return out
	}},
	{"a stray binary frame first", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		return append([]parser.Frame{{Data: []byte{1, 2}, Binary: true}}, f...)
	}},
	{"a text frame as an attachment", func(t *rapid.T, f []parser.Frame) []parser.Frame {
		if len(f) < 2 {
			return append(f[:1:1], parser.Frame{Data: []byte(`2["x"]`)})
		}
		out := append([]parser.Frame(nil), f...)
		i := rapid.IntRange(1, len(f)-1).Draw(t, "textAt")
		out[i] = parser.Frame{Data: out[i].Data}
		return out
	}},
}

// outcome is what a decoder made of a frame sequence: the packets it returned
// before its first error, whether there was an error, and (when there was
// none) whether a packet was still waiting for attachments at the end.
type outcome struct {
	Packets  []NormalPacket
	Rejected bool
	Err      string // the first error; not compared
	Cause    error  // ours only; not compared
	Pending  bool
}

func goOutcome(p *parser.JSONParser, frames []parser.Frame) (outcome, error) {
	var o outcome
	dec := p.NewDecoder()
	for _, f := range frames {
		got, err := dec.Decode(f)
		if err != nil {
			o.Rejected, o.Err, o.Cause = true, err.Error(), err
			return o, nil
		}
		if got != nil {
			n, err := Normalize(got)
			if err != nil {
				return o, fmt.Errorf("our decoder returned a packet the test cannot read: %v (%+v)", err, got)
			}
			o.Packets = append(o.Packets, n)
		}
	}
	o.Pending = dec.Pending()
	return o, nil
}

func nodeOutcome(r feedResult) (outcome, error) {
	var o outcome
	for _, out := range r.Outputs {
		switch {
		case out.Error != nil:
			o.Rejected, o.Err = true, *out.Error
			return o, nil
		case out.Packet != nil:
			p, err := out.Packet.packet()
			if err != nil {
				return o, err
			}
			n, err := Normalize(p)
			if err != nil {
				return o, err
			}
			o.Packets = append(o.Packets, n)
		}
	}
	o.Pending = r.Pending
	return o, nil
}

var ignoreErr = cmpopts.IgnoreFields(outcome{}, "Err", "Cause")

// summarize describes an outcome in a few words, to group disagreements.
func summarize(o outcome) string {
	if o.Rejected {
		e := o.Err
		if i := strings.Index(e, ": "); i >= 0 && strings.HasPrefix(e, "parser:") {
			if j := strings.Index(e[i+2:], ":"); j >= 0 {
				e = e[:i+2+j]
			}
		}
		return fmt.Sprintf("rejects after %d packets (%s)", len(o.Packets), e)
	}
	return fmt.Sprintf("accepts %d packets, pending %v", len(o.Packets), o.Pending)
}

// divergence is a known, accepted difference between our decoder and
// socket.io-parser on invalid or odd input.
type divergence struct {
	name   string
	reason string
	// match reports whether the difference between ours and theirs on frames
	// is this divergence.
	match func(rev parser.Revision, frames []parser.Frame, ours, theirs outcome) bool
}

// knownDivergences lists every accepted difference on mutated input. Each one
// is also in README.md.
var knownDivergences = []divergence{
	{
		name: "fractional placeholder num",
		reason: "socket.io-parser accepts a placeholder whose num is any number in range, " +
			"so {\"num\":0.5} becomes undefined (null); we reject the packet (ErrInvalidPlaceholder)",
		match: func(_ parser.Revision, frames []parser.Frame, ours, theirs outcome) bool {
			return errors.Is(ours.Cause, parser.ErrInvalidPlaceholder) && !theirs.Rejected &&
				anyText(frames, func(s string) bool {
					for _, m := range placeholderAnyNum.FindAllStringSubmatch(s, -1) {
						if f, err := strconv.ParseFloat(m[1], 64); err == nil && f != math.Trunc(f) {
							return true
						}
					}
					return false
				})
		},
	},
	{
		name: "ack id of 2^53 or more",
		reason: "socket.io-parser reads the ack id into a JavaScript number, losing digits past 2^53, " +
			"so the ack would carry another id; we reject the packet (ErrInvalidAckID)",
		match: func(_ parser.Revision, _ []parser.Frame, ours, theirs outcome) bool {
			return errors.Is(ours.Cause, parser.ErrInvalidAckID) && !theirs.Rejected
		},
	},
	{
		name: "v4: attachment count 0, empty, blank or fractional",
		reason: "socket.io-parser 3.x takes \"5-\", \"5 -\" or \"50-\" as 0 attachments (JavaScript's Number()) and emits the packet with its " +
			"placeholders unresolved, and waits forever for 1.5 attachments; we reject such counts, as 4.x does",
		match: func(rev parser.Revision, frames []parser.Frame, ours, _ outcome) bool {
			return rev == parser.V4 && errors.Is(ours.Cause, parser.ErrInvalidAttachments) &&
				anyText(frames, func(s string) bool {
					m := binaryCount.FindStringSubmatch(s)
					if m == nil {
						return false
					}
					count := strings.TrimSpace(m[1]) // Number(" ") is 0, as is Number("")
					f, err := strconv.ParseFloat(count, 64)
					return count == "" || (err == nil && (f < 1 || f != math.Trunc(f)))
				})
		},
	},
	{
		name: "v4: more than 10 attachments",
		reason: "socket.io-parser 3.x has no attachment limit; we keep 4.x's default of 10 " +
			"(Options.MaxAttachments) for both revisions",
		match: func(rev parser.Revision, _ []parser.Frame, ours, _ outcome) bool {
			return rev == parser.V4 && errors.Is(ours.Cause, parser.ErrTooManyAttachments)
		},
	},
}

var (
	placeholderAnyNum = regexp.MustCompile(`"num":(-?[0-9.eE+-]+)`)
	binaryCount       = regexp.MustCompile(`^[56]([0-9. \t\n\r]*)-`)
)

func anyText(frames []parser.Frame, f func(string) bool) bool {
	for _, fr := range frames {
		if !fr.Binary && f(string(fr.Data)) {
			return true
		}
	}
	return false
}

func diffMutated(t *testing.T, ours *parser.JSONParser, node *nodeParser) {
	seen := map[string]int{}
	report := map[string]string{}
	reportAll := os.Getenv("GOSOCKIO_DIFF_REPORT") == "1"
	tally := map[string]int{}
	checkAtLeast(t, diffMinPackets, "mutated frame sequences decoded by both parsers", func(rt *rapid.T) int {
		packets := batchGen(node.rev).Draw(rt, "packets")
		frames, errs, err := node.encodeBatch(packets)
		if err != nil {
			rt.Fatal(err)
		}
		inputs := make([][]parser.Frame, len(packets))
		names := make([]string, len(packets))
		for i := range packets {
			if errs[i] != nil {
				rt.Fatalf("packet %d: socket.io-parser could not encode it: %v", i, errs[i])
			}
			m := rapid.SampledFrom(mutations).Draw(rt, "mutation")
			names[i] = m.name
			inputs[i] = m.apply(rt, frames[i])
			if len(inputs[i]) == 0 {
				inputs[i] = frames[i]
			}
			if next := (i + 1) % len(packets); rapid.Bool().Draw(rt, "followedByValid") {
				inputs[i] = append(inputs[i], frames[next]...)
			}
		}
		results, err := node.decodeBatch(inputs)
		if err != nil {
			rt.Fatal(err)
		}
		for i, in := range inputs {
			theirs, err := nodeOutcome(results[i])
			if err != nil {
				rt.Fatalf("input %d: %v", i, err)
			}
			o, err := goOutcome(ours, in)
			if err != nil {
				rt.Fatalf("input %d (%s): %v\nframes: %s", i, names[i], err, DescribeFrames(in))
			}
			switch {
			case o.Rejected && theirs.Rejected:
				tally["rejected by both"]++
			case !o.Rejected && !theirs.Rejected:
				tally["accepted by both"]++
			}
			if cmp.Equal(o, theirs, ignoreErr) {
				continue
			}
			known := ""
			for _, d := range knownDivergences {
				if d.match(node.rev, in, o, theirs) {
					known = d.name
					break
				}
			}
			if known != "" {
				seen[known]++
				continue
			}
			if reportAll {
				key := summarize(o) + "  <>  socket.io-parser " + summarize(theirs)
				if report[key] == "" {
					report[key] = fmt.Sprintf("%s: %s", names[i], DescribeFrames(in))
				}
				continue
			}
			rt.Fatalf("input %d (%s): our decoder and socket.io-parser disagree (-ours +socket.io-parser):\n%s\nours: %q\nsocket.io-parser: %q\nframes: %s",
				i, names[i], cmp.Diff(o, theirs, ignoreErr), o.Err, theirs.Err, DescribeFrames(in))
		}
		return len(inputs)
	})
	t.Logf("decisions: %v", tally)
	if len(report) > 0 {
		for k, v := range report {
			t.Errorf("unknown divergence: ours %s\n    e.g. %s", k, v)
		}
	}
	var ks []string
	for k := range seen {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		t.Logf("known divergence %q: %d inputs", k, seen[k])
	}
}
