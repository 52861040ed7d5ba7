package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// faults makes the test server break the contract on purpose.
type faults struct {
	dropEvery int  // drop every dropEvery-th bcast (1-based count); 0 = none
	dupAt     int  // emit the dupAt-th bcast twice; 0 = none
	swapAt    int  // hold the swapAt-th bcast back and emit it after the next one; 0 = none
	misroute  bool // `room` goes to every socket instead of the room
	echoWrong bool // `echo` acks with a different sequence number
	echoSkip  int  // leave every echoSkip-th echo (1-based count) unanswered; 0 = none
}

// startServer serves the loadgen contract (see the package doc) on a random port.
func startServer(t *testing.T, f faults) string {
	t.Helper()
	io, err := socketio.NewServer(&socketio.Options{Options: engineio.Options{Path: "/socket.io/"}})
	if err != nil {
		t.Fatal(err)
	}
	var bcasts, echoes atomic.Int64
	var held []any // the bcast held back by swapAt; handlers of one socket run one at a time
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack func(...any)) {
			if n := int(echoes.Add(1)); f.echoSkip > 0 && n%f.echoSkip == 0 {
				return
			}
			if f.echoWrong {
				var p payload
				_ = args.Decode(0, &p)
				p.S++
				ack(p)
				return
			}
			ack(raw(args)...)
		})
		s.On("bcast", func(args socketio.Args) {
			n := int(bcasts.Add(1))
			if f.dropEvery > 0 && n%f.dropEvery == 0 {
				return
			}
			if n == f.swapAt {
				held = raw(args)
				return
			}
			_ = io.Emit("bcast", raw(args)...)
			if held != nil {
				_ = io.Emit("bcast", held...)
				held = nil
			}
			if n == f.dupAt {
				_ = io.Emit("bcast", raw(args)...)
			}
		})
		s.On("join", func(room string, ack func(...any)) {
			s.Join(room)
			ack()
		})
		s.On("room", func(args socketio.Args) {
			var room string
			if err := args.Decode(0, &room); err != nil {
				return
			}
			if f.misroute {
				_ = io.Emit("room", raw(args)...)
				return
			}
			_ = io.To(room).Emit("room", raw(args)...)
		})
	})
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		hs.Close()
	})
	return hs.URL
}

func raw(args socketio.Args) []any {
	v := make([]any, args.Len())
	for i := range v {
		v[i] = args.Raw(i)
	}
	return v
}

// runTool runs loadgen with args and returns the exit code, the decoded JSON line
// and stderr.
func runTool(t *testing.T, args ...string) (int, report, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, append(args, "-q=false"), &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly one line on stdout, got %q (stderr %s)", out.String(), errb.String())
	}
	var rep report
	if err := json.Unmarshal([]byte(lines[0]), &rep); err != nil {
		t.Fatalf("stdout %q: %v", lines[0], err)
	}
	return code, rep, errb.String()
}

func TestConnect(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "connect", "-url", url, "-n", "50", "-c", "10")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	if rep.Connected != 50 || rep.Failed != 0 || rep.ConnectRate <= 0 || rep.ConnP50 <= 0 || rep.ConnP99 < rep.ConnP50 {
		t.Fatalf("report %+v", rep)
	}
}

func TestConnectRefused(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "connect", "-url", url, "-path", "/nope/", "-n", "3")
	if code != 1 || rep.OK || rep.Failed != 3 || !strings.Contains(stderr, "3 failed connections") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestEcho(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "echo", "-url", url, "-n", "10", "-count", "30", "-d", "0")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	if rep.Sent != 300 || rep.Acks != 300 || rep.Lost != 0 || rep.Bad != 0 || rep.AcksPerS <= 0 || rep.LatP50 <= 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestEchoWrongAck(t *testing.T) {
	url := startServer(t, faults{echoWrong: true})
	code, rep, stderr := runTool(t, "echo", "-url", url, "-n", "2", "-count", "5", "-d", "0")
	if code != 1 || rep.Bad != 10 || !strings.Contains(stderr, "10 malformed packets") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestEchoLostAck(t *testing.T) {
	url := startServer(t, faults{echoSkip: 10})
	code, rep, stderr := runTool(t, "echo", "-url", url, "-n", "1", "-count", "20", "-d", "0", "-timeout", "200ms")
	if code != 1 || rep.Sent != 20 || rep.Acks != 18 || rep.Lost != 2 || !strings.Contains(stderr, "2 lost messages") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestEchoWarmup(t *testing.T) {
	url := startServer(t, faults{})
	// Nothing is measured inside an hour-long warm-up; the checks still apply.
	code, rep, stderr := runTool(t, "echo", "-url", url, "-n", "2", "-count", "20", "-d", "0", "-warmup", "1h")
	if code != 0 || rep.Acks != 40 || rep.AcksPerS != 0 || rep.LatP50 != 0 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestBroadcast(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "broadcast", "-url", url, "-n", "5", "-count", "200", "-rate", "2000", "-d", "0")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	// 5 receivers + the sender each get all 200.
	if rep.Sent != 200 || rep.Expected != 1200 || rep.Delivered != 1200 || rep.Lost+rep.Dup+rep.Reorder != 0 || rep.LatP99 <= 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestBroadcastDrops(t *testing.T) {
	url := startServer(t, faults{dropEvery: 10})
	code, rep, stderr := runTool(t, "broadcast", "-url", url, "-n", "3", "-count", "100", "-rate", "2000", "-d", "0", "-drain", "300ms")
	// 10 of 100 dropped, seen by 4 connections.
	if code != 1 || rep.OK || rep.Lost != 40 || rep.Delivered != 360 || !strings.Contains(stderr, "40 lost messages") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestBroadcastDuplicate(t *testing.T) {
	url := startServer(t, faults{dupAt: 7})
	code, rep, stderr := runTool(t, "broadcast", "-url", url, "-n", "3", "-count", "50", "-rate", "2000", "-d", "0")
	if code != 1 || rep.OK || rep.Dup != 4 || rep.Lost != 0 || !strings.Contains(stderr, "4 duplicate messages") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestBroadcastReordered(t *testing.T) {
	url := startServer(t, faults{swapAt: 11})
	code, rep, stderr := runTool(t, "broadcast", "-url", url, "-n", "3", "-count", "30", "-rate", "2000", "-d", "0")
	// Message 10 arrives after 11 at each of the 4 connections.
	if code != 1 || rep.Reorder != 4 || rep.Lost+rep.Dup != 0 || rep.Delivered != 120 || !strings.Contains(stderr, "4 reordered messages") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestRooms(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "rooms", "-url", url, "-n", "12", "-rooms", "3", "-count", "50", "-rate", "2000", "-d", "0")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	// 3 rooms × 4 members × 50 messages of their own room.
	if rep.Sent != 150 || rep.Expected != 600 || rep.Delivered != 600 || rep.Foreign != 0 || rep.Lost != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestRoomsMisrouted(t *testing.T) {
	url := startServer(t, faults{misroute: true})
	code, rep, stderr := runTool(t, "rooms", "-url", url, "-n", "6", "-rooms", "3", "-count", "20", "-rate", "2000", "-d", "0")
	// Each of the 6 clients also gets the 2 other rooms' 40 messages.
	if code != 1 || rep.Foreign != 240 || rep.Delivered != 120 || !strings.Contains(stderr, "240 messages from another room") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestEIO3(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "broadcast", "-eio", "3", "-url", url, "-n", "2", "-count", "50", "-rate", "2000", "-d", "0")
	if code != 0 || rep.Delivered != 150 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope", "-url", "http://x"},
		{"echo"},
		{"echo", "-url", "ftp://x"},
		{"echo", "-url", "http://x", "-eio", "5"},
		{"rooms", "-url", "http://x", "-n", "2", "-rooms", "3"},
		{"echo", "-url", "http://x", "-d", "0"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 || out.Len() != 0 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}

func TestPid(t *testing.T) {
	url := startServer(t, faults{})
	// The in-process server is this test process.
	code, rep, stderr := runTool(t, "echo", "-url", url, "-n", "4", "-count", "50", "-d", "0", "-pid", strconv.Itoa(os.Getpid()))
	if code != 0 || rep.RSSBeforeKB <= 0 || rep.RSSAfterKB <= 0 || rep.CPUS <= 0 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	s, err := readProc(os.Getpid())
	if err != nil || s.rssKB <= 0 || s.cpuS <= 0 {
		t.Fatalf("readProc: %+v, %v", s, err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"connect", "-url", url, "-pid", "999999999"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "-pid 999999999") {
		t.Fatalf("missing pid: exit %d, stderr %q", code, errb.String())
	}
}
