// Command loadgen is a load and correctness tool for any Socket.IO server that
// speaks Engine.IO 4 + Socket.IO 5 over WebSocket (socket.io v3/v4 servers), or
// Engine.IO 3 + Socket.IO 4 (socket.io v2 servers) with -eio 3. It opens plain
// WebSocket connections (`<url><path>?EIO=4&transport=websocket`, no polling
// handshake) and speaks the protocol itself, so every server pays the same client
// cost.
//
//	loadgen <connect|echo|broadcast|rooms> -url http://HOST:PORT[,http://HOST2:PORT2...] [flags]
//
// With several comma-separated URLs (the servers of one cluster), connection i goes
// to URL i mod K: the clients are spread evenly, and in broadcast the sender
// (connection -n) is on server -n mod K while the receivers are on all of them.
//
// Scenarios:
//
//   - connect: opens -n connections with at most -c handshakes in flight, holds them
//     for -hold, closes them. Reports connect_rate (connections/s up to the last
//     successful handshake) and connect_p50_ms/p99 (WebSocket dial to CONNECT).
//   - echo: -n clients each run a closed loop of `echo` calls with an ack, for -d or
//     -count calls per client. Reports acks_per_s and lat_* (call to ack). An ack
//     that does not carry the call's own sender id and sequence number is a bad
//     packet; an ack that never comes (within -timeout) is lost; an ack for an id
//     already answered is a duplicate.
//   - broadcast: -n receivers and 1 sender; the sender emits `bcast` at -rate msg/s
//     for -d or -count messages, and the server re-emits each to every socket (the
//     sender included, so n+1 copies). Reports delivered_per_s and lat_* (send to
//     delivery).
//   - idle: opens -n WebSocket connections (EIO 4) from the -source addresses
//     (several 127.0.0.x for more than ~28k connections to one server port), writes
//     {"connected":N,"failed":F} to the -ready file, and holds them idle (answering
//     pings) for -hold, or until SIGTERM/SIGINT if -hold is 0. A connection the
//     server drops during the hold fails the run. See idle.go.
//   - echo with -transport polling: the same closed loop over HTTP long-polling
//     (EIO 4 handshake over polling, POSTs for the client's packets, one GET loop
//     per client). See polling.go.
//   - rooms: -n clients spread over -rooms rooms (client i joins room "room-<i mod
//     K>"); the first client of each room emits `room` at -rate msg/s for -d or
//     -count messages. Every client must receive exactly its own room's messages;
//     one from another room is counted as foreign.
//
// Every message carries {"i":<sender id>,"s":<sequence number>,"t":<send time, Unix
// ns>,"p":"<padding of -payload bytes>"}. Each receiver checks every sender's
// sequence: a number seen twice is a duplicate, one below the highest already seen
// is reordered, and one never seen (after -drain) is lost. Any loss, duplicate,
// reordering, foreign or malformed message, failed connection or send error makes
// the run exit 1 and name the fault on stderr. Exit 2 means bad flags.
//
// Output: exactly one JSON line on stdout (rates, percentiles in ms, counts). With
// -pid it adds the server's VmRSS (from /proc/PID/status) before and after the run
// and the CPU time it used (utime+stime from /proc/PID/stat) during the run.
//
// # The server contract
//
// The server must serve path -path (default /socket.io/) on namespace "/" with no
// auth, and handle:
//
//   - `echo`: acknowledge with the same arguments (420["echo",{..}] → 430[{..}]).
//   - `bcast`: re-emit as `bcast` with the same arguments to every socket of "/",
//     the sender included (io.emit).
//   - `join` (arg: room name, with an ack): join the room, then acknowledge (any
//     arguments).
//   - `room` (args: room name, payload): re-emit as `room` with the same arguments
//     to every socket in that room, the sender included (io.to(room).emit).
//
// Any pingInterval works: loadgen answers pings (EIO 4) or sends them (EIO 3).
// In Node:
//
//	io.on("connection", (s) => {
//	  s.on("echo", (...a) => a.pop()(...a));
//	  s.on("bcast", (...a) => io.emit("bcast", ...a));
//	  s.on("join", (room, ack) => { s.join(room); ack(); });
//	  s.on("room", (room, p) => io.to(room).emit("room", room, p));
//	});
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// config holds the command-line flags.
type config struct {
	scenario string
	url      string        // -url: server base URL(s), comma-separated
	path     string        // -path
	eio      int           // -eio: 4 (default) or 3
	n        int           // -n: clients / receivers
	c        int           // -c: handshake concurrency
	d        time.Duration // -d: send duration
	count    int64         // -count: messages (per client for echo, per room for rooms, total for broadcast)
	rate     float64       // -rate: msg/s of the sender (per room for rooms)
	rooms    int           // -rooms
	payload  int           // -payload: padding bytes
	warmup   time.Duration // -warmup: latencies of messages sent before are not recorded
	drain    time.Duration // -drain: how long to wait for in-flight messages
	hold     time.Duration // -hold: connect scenario idle time
	timeout  time.Duration // -timeout: per handshake / ack / join
	pid      int           // -pid: server process to sample
	quiet    bool          // -q

	transport string   // -transport: websocket (default) or polling (echo only)
	source    string   // -source: comma-separated local addresses to dial from (idle, polling)
	sources   []net.IP // parsed -source
	ready     string   // -ready: file the idle scenario writes once connected
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = "usage: loadgen <connect|echo|broadcast|rooms|idle> -url http://HOST:PORT [flags]"

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return cfg, errors.New(usage)
	}
	cfg.scenario = args[0]
	fs := flag.NewFlagSet("loadgen "+cfg.scenario, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.url, "url", "", "server base URL (http, https, ws or wss), or several comma-separated (connection i goes to URL i mod K); required")
	fs.StringVar(&cfg.path, "path", "/socket.io/", "server path")
	fs.IntVar(&cfg.eio, "eio", 4, "Engine.IO protocol: 4 (socket.io v3/v4 servers) or 3 (v2 servers)")
	fs.IntVar(&cfg.n, "n", 100, "clients (receivers for broadcast)")
	fs.IntVar(&cfg.c, "c", 100, "handshakes in flight at most")
	fs.DurationVar(&cfg.d, "d", 10*time.Second, "how long to send (0 = until -count)")
	fs.Int64Var(&cfg.count, "count", 0, "messages to send: per client (echo), in all (broadcast), per room (rooms); 0 = until -d")
	fs.Float64Var(&cfg.rate, "rate", 100, "messages per second of the sender (of each room's sender for rooms)")
	fs.IntVar(&cfg.rooms, "rooms", 4, "rooms (rooms scenario)")
	fs.IntVar(&cfg.payload, "payload", 100, "padding bytes per message")
	fs.DurationVar(&cfg.warmup, "warmup", 0, "latencies of messages sent during the first -warmup are not recorded")
	fs.DurationVar(&cfg.drain, "drain", 5*time.Second, "how long to wait for in-flight messages after sending")
	fs.DurationVar(&cfg.hold, "hold", 0, "connect: how long to hold the connections idle")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "limit per handshake, ack and join")
	fs.IntVar(&cfg.pid, "pid", 0, "server process id: report its VmRSS and CPU time (Linux /proc)")
	fs.BoolVar(&cfg.quiet, "q", false, "no progress or error lines on stderr")
	fs.StringVar(&cfg.transport, "transport", "websocket", "echo: websocket or polling (HTTP long-polling, EIO 4)")
	fs.StringVar(&cfg.source, "source", "", "idle, polling: comma-separated local IPs to dial from, round-robin (e.g. 127.0.0.1,127.0.0.2)")
	fs.StringVar(&cfg.ready, "ready", "", "idle: write {\"connected\":N,\"failed\":F} to this file once the connections are open")
	if err := fs.Parse(args[1:]); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), usage)
	case cfg.url == "":
		return cfg, errors.New("-url is required; " + usage)
	case cfg.eio != 3 && cfg.eio != 4:
		return cfg, fmt.Errorf("-eio %d: use 4 or 3", cfg.eio)
	case cfg.n < 1 || cfg.c < 1:
		return cfg, errors.New("-n and -c must be at least 1")
	case cfg.rate <= 0:
		return cfg, errors.New("-rate must be positive")
	case cfg.d <= 0 && cfg.count <= 0 && cfg.scenario != "connect" && cfg.scenario != "idle":
		return cfg, errors.New("set -d or -count (both zero would never stop)")
	case cfg.scenario == "rooms" && (cfg.rooms < 1 || cfg.rooms > cfg.n):
		return cfg, fmt.Errorf("-rooms %d: use 1..-n (%d) so that every room has a sender", cfg.rooms, cfg.n)
	}
	if _, err := wsURLs(cfg.url, cfg.path, cfg.eio); err != nil {
		return cfg, err
	}
	return cfg, checkTransport(&cfg)
}

// run executes one scenario and returns the exit code: 0 pass, 1 fault found or run
// error, 2 bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "loadgen:", err)
		}
		return 2
	}
	var scen func(context.Context, *runner, *report) error
	switch cfg.scenario {
	case "connect":
		scen = runConnect
	case "echo":
		scen = runEcho
		if cfg.transport == "polling" {
			scen = runPollingEcho
		}
	case "idle":
		scen = runIdle
	case "broadcast":
		scen = runBroadcast
	case "rooms":
		scen = runRooms
	default:
		fmt.Fprintf(stderr, "loadgen: unknown scenario %q; %s\n", cfg.scenario, usage)
		return 2
	}
	r := newRunner(cfg, stderr)
	rep := &report{Scenario: cfg.scenario, Clients: cfg.n}
	var before procSample
	if cfg.pid > 0 {
		if before, err = readProc(cfg.pid); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		rep.RSSBeforeKB = before.rssKB
	}
	start := time.Now()
	err = scen(ctx, r, rep)
	wall := time.Since(start).Seconds()
	rep.ElapsedS = float64(int64(wall*1000)) / 1000
	if cfg.pid > 0 {
		if after, perr := readProc(cfg.pid); perr == nil {
			rep.RSSAfterKB = after.rssKB
			cpu := after.cpuS - before.cpuS
			rep.CPUS = math.Round(cpu*1000) / 1000
			if wall > 0 {
				rep.CPUPct = math.Round(cpu/wall*1000) / 10
			}
		}
	}
	rep.judge()
	if err != nil {
		rep.OK = false
		rep.Failures = append(rep.Failures, err.Error())
	}
	rep.write(stdout, stderr)
	if !rep.OK {
		return 1
	}
	return 0
}
