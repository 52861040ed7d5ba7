package conformance

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// revisions are the protocol revisions every parser test runs for.
var revisions = []parser.Revision{parser.V5, parser.V4}

func revName(rev parser.Revision) string { return fmt.Sprintf("v%d", rev) }

// goParser is the default parser for rev, as a driver.
func goParser(rev parser.Revision) ParserDriver {
	return NewParserDriver(parser.New(&parser.Options{Revision: rev}), rev)
}

func TestParserRoundTrip(t *testing.T) {
	for _, rev := range revisions {
		t.Run(revName(rev), func(t *testing.T) { CheckParserRoundTrip(t, goParser(rev)) })
	}
}

func TestParserReassembly(t *testing.T) {
	for _, rev := range revisions {
		t.Run(revName(rev), func(t *testing.T) { CheckParserReassembly(t, goParser(rev)) })
	}
}

func TestParserRejects(t *testing.T) {
	for _, rev := range revisions {
		t.Run(revName(rev), func(t *testing.T) { CheckParserRejects(t, goParser(rev)) })
	}
}

// The same properties hold for the official socket.io-parser, through the bridge:
// this keeps the properties honest (they encode socket.io-parser's behaviour,
// not only ours).
func TestNodeParserProperties(t *testing.T) {
	b := startParserBridge(t)
	for _, rev := range revisions {
		d := newNodeParser(t, b, rev)
		t.Run(revName(rev)+"/RoundTrip", func(t *testing.T) { CheckParserRoundTrip(t, d) })
		t.Run(revName(rev)+"/Reassembly", func(t *testing.T) { CheckParserReassembly(t, d) })
		t.Run(revName(rev)+"/Rejects", func(t *testing.T) { CheckParserRejects(t, d) })
	}
}

// A parser that breaks the contract must make the properties fail.
func TestParserPropertiesCatchBrokenParsers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(rapid.TB, ParserDriver)
		d     ParserDriver
		want  string // in the failure message
	}{
		{"RoundTrip/drops ack id", CheckParserRoundTrip, brokenParser{goParser(parser.V5), dropAckID}, "HasID"},
		{"RoundTrip/drops namespace", CheckParserRoundTrip, brokenParser{goParser(parser.V5), dropNamespace}, "Namespace"},
		{"RoundTrip/drops attachments", CheckParserRoundTrip, brokenParser{goParser(parser.V4), dropAttachments}, "Encode gave"},
		{"Reassembly/drops ack id", CheckParserReassembly, brokenParser{goParser(parser.V5), dropAckID}, "HasID"},
		{"Reassembly/no reset", CheckParserReassembly, brokenParser{goParser(parser.V5), noReset}, "after Reset"},
		{"Rejects/accepts anything", CheckParserRejects, brokenParser{goParser(parser.V5), acceptAll}, "want an error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runFailing(t, func(tb rapid.TB) { tc.check(tb, tc.d) })
			if !r.Failed() {
				t.Fatalf("the property passed against a broken parser; log:\n%s", r.log())
			}
			if !strings.Contains(r.log(), "[rapid] failed") || !strings.Contains(r.log(), tc.want) {
				t.Fatalf("the property failed, but not through rapid with %q:\n%s", tc.want, r.log())
			}
		})
	}
}

type brokenParser struct {
	ParserDriver
	breakage int
}

const (
	dropAckID = iota
	dropNamespace
	dropAttachments
	noReset
	acceptAll
)

func (b brokenParser) Encode(p *parser.Packet) ([]parser.Frame, error) {
	q := *p
	switch b.breakage {
	case dropAckID:
		q.HasID, q.ID = false, 0
	case dropNamespace:
		q.Namespace = ""
	}
	frames, err := b.ParserDriver.Encode(&q)
	if b.breakage == dropAttachments && len(frames) > 1 {
		frames = frames[:len(frames)-1]
	}
	return frames, err
}

func (b brokenParser) NewDecoder() parser.Decoder {
	return brokenDecoder{b.ParserDriver.NewDecoder(), b.breakage}
}

type brokenDecoder struct {
	parser.Decoder
	breakage int
}

func (d brokenDecoder) Decode(f parser.Frame) (*parser.Packet, error) {
	p, err := d.Decoder.Decode(f)
	if d.breakage == acceptAll && err != nil {
		return &parser.Packet{Type: parser.Event, Data: []any{"x"}}, nil
	}
	return p, err
}

func (d brokenDecoder) Reset() {
	if d.breakage != noReset {
		d.Decoder.Reset()
	}
}

// failureRecorder is a rapid.TB that records failures instead of failing the
// test; FailNow, Fatal and Skip end the goroutine, as in testing.
type failureRecorder struct {
	name string
	mu   sync.Mutex
	fail bool
	logs []string
}

func (r *failureRecorder) Helper()      {}
func (r *failureRecorder) Name() string { return r.name }
func (r *failureRecorder) Logf(format string, args ...any) {
	r.record(false, fmt.Sprintf(format, args...))
}
func (r *failureRecorder) Log(args ...any) { r.record(false, fmt.Sprint(args...)) }
func (r *failureRecorder) Skipf(format string, args ...any) {
	r.record(false, "SKIP "+fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *failureRecorder) Skip(args ...any) {
	r.record(false, "SKIP "+fmt.Sprint(args...))
	runtime.Goexit()
}
func (r *failureRecorder) SkipNow() { runtime.Goexit() }
func (r *failureRecorder) Errorf(format string, args ...any) {
	r.record(true, fmt.Sprintf(format, args...))
}
func (r *failureRecorder) Error(args ...any) { r.record(true, fmt.Sprint(args...)) }
func (r *failureRecorder) Fatalf(format string, args ...any) {
	r.record(true, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *failureRecorder) Fatal(args ...any) { r.record(true, fmt.Sprint(args...)); runtime.Goexit() }
func (r *failureRecorder) FailNow()          { r.record(true, ""); runtime.Goexit() }
func (r *failureRecorder) Fail()             { r.record(true, "") }
func (r *failureRecorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fail
}

func (r *failureRecorder) record(fail bool, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = r.fail || fail
	if msg != "" {
		r.logs = append(r.logs, msg)
	}
}

func (r *failureRecorder) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// runFailing runs check with a failureRecorder in its own goroutine (so that
// FailNow can end it) and without rapid fail files, and returns the recorder.
func runFailing(t *testing.T, check func(rapid.TB)) *failureRecorder {
	t.Helper()
	old := flag.Lookup("rapid.nofailfile").Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set("rapid.nofailfile", old) })
	// The failure is expected: do not spend time minimizing it.
	oldShrink := flag.Lookup("rapid.shrinktime").Value.String()
	if err := flag.Set("rapid.shrinktime", "100ms"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set("rapid.shrinktime", oldShrink) })
	r := &failureRecorder{name: t.Name()}
	done := make(chan struct{})
	go func() { // ends when check returns or calls FailNow/Fatal/Skip (Goexit)
		defer close(done)
		check(r)
	}()
	<-done
	return r
}
