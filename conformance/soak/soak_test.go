package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// config of one run.
type config struct {
	conns int
	dur   time.Duration
	nodes int // 1, or 3 with the Redis adapter
	// split runs each node in a child process (see child_test.go); it is also chosen
	// when the connections need more fds than one process may hold.
	split bool
}

// node is one socket.io server on a loopback port.
type node struct {
	srv    *socketio.Server
	http   *http.Server
	url    string
	rdb    *goredis.Client
	done   chan struct{}
	served atomic.Int64 // connections accepted on "/"
}

// newNode starts a node: the server side of the soak. Everything it does is asked by
// the clients' events ("join", "leave", "bc"), so it runs the same in a child process.
func newNode(opts *socketio.Options, rdb *goredis.Client) (*node, error) {
	srv, err := socketio.NewServer(opts)
	if err != nil {
		return nil, err
	}
	n := &node{srv: srv, http: &http.Server{Handler: srv}, rdb: rdb, done: make(chan struct{})}
	srv.OnConnection(func(s *socketio.Socket) {
		n.served.Add(1)
		s.On("join", func(room string, ack func()) { s.Join(room); ack() })
		s.On("leave", func(room string, ack func()) { s.Leave(room); ack() })
		// The ack says whether the broadcast went out: with Redis, Emit fails when the
		// packet could not be published (then the other nodes never see it).
		s.On("bc", func(room string, sender, seq int, ack func(int, string)) {
			if err := srv.To(room).Emit("m", room, sender, seq); err != nil {
				ack(seq, err.Error())
				return
			}
			ack(seq, "")
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close(context.Background())
		return nil, err
	}
	n.url = wsURL(ln.Addr().String())
	// Stopped by n.stop (http.Server.Close); stop waits on n.done.
	go func() { defer close(n.done); _ = n.http.Serve(ln) }()
	return n, nil
}

// newNodeRedis is a node's Redis client. Every "bc" handler publishes while it runs,
// thousands at once on a loaded node: go-redis's default pool (10 connections per
// CPU) makes them queue for a connection until the adapter's RequestsTimeout (5s)
// fails the publish.
func newNodeRedis() *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: redisAddr, PoolSize: 256})
}

// adapterLog shows the Redis adapter's warnings (a lost subscription loses packets).
var adapterLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func wsURL(addr string) string { return "ws://" + addr + "/socket.io/?EIO=4&transport=websocket" }

// waitCluster waits until n's adapter sees want nodes.
func (n *node) waitCluster(want int) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := n.srv.Adapter().ServerCount(context.Background())
		if err == nil && c == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: server count %d (%v), want %d", c, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *node) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = n.srv.Close(ctx)
	_ = n.http.Close()
	<-n.done
	if n.rdb != nil {
		_ = n.rdb.Close()
	}
}

// sent is one acknowledged or unacknowledged broadcast of a sender.
type sent struct {
	seq          int
	node         int       // node of the sender's connection
	write, acked time.Time // acked zero: no ack (sender disconnected first)
}

// window is one room membership of one connection: it opens when "join" is written
// (packets may arrive from then on), is required-complete from the join ack (start) to
// the moment "leave" is written or the run stops (end), and closes for attribution at
// the leave ack or the disconnect.
type window struct {
	room       string
	start, end time.Time
	cut        bool          // ended by a disconnect: only gaps and duplicates are checked
	node       int           // node of the receiver's connection
	leaveAck   time.Time     // zero unless ended by a leave
	got        map[int][]int // sender -> seqs in arrival order
	late       map[int][]int // sender -> seqs received after the leave ack
}

// actor is one logical client: an identity (sender id) that survives reconnects.
type actor struct {
	id     int
	mu     sync.Mutex
	win    map[string]*window // open windows by room
	closed map[string]*window // last window closed by a leave ack, by room
	node   int                // node of the current connection
	all    []*window
	out    map[string][]*sent // room -> broadcasts in seq order
	stray, // packets received outside any window
	ackMissing, ackStray int
	conns int       // connections opened (1 + reconnects)
	cur   *wsClient // owned by the actor's goroutine, then by runSoak
}

func (a *actor) onEvent(args []json.RawMessage) {
	var ev, room string
	var sender, seq int
	if len(args) != 4 || json.Unmarshal(args[0], &ev) != nil || ev != "m" ||
		json.Unmarshal(args[1], &room) != nil || json.Unmarshal(args[2], &sender) != nil ||
		json.Unmarshal(args[3], &seq) != nil {
		a.mu.Lock()
		a.stray++
		a.mu.Unlock()
		return
	}
	a.mu.Lock()
	if w := a.win[room]; w != nil {
		w.got[sender] = append(w.got[sender], seq)
	} else if w := a.closed[room]; w != nil {
		w.late[sender] = append(w.late[sender], seq)
	} else {
		a.stray++
	}
	a.mu.Unlock()
}

// raiseFDLimit raises the soft RLIMIT_NOFILE to the hard one and returns the limit
// in force (err says why it could not be raised).
func raiseFDLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	want := r
	want.Cur = want.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return r.Cur, fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
	}
	return want.Cur, nil
}

// fdMargin is the fds a process keeps for what is not a connection: Redis, listeners,
// pipes, the runtime.
const fdMargin = 256

// fitFDs decides where the servers run and how many connections fit: in this process
// each connection costs 2 fds (client and server end); with the servers in child
// processes it costs 1 here and 1 in a child.
func fitFDs(t *testing.T, cfg config) config {
	lim, err := raiseFDLimit()
	if err != nil {
		t.Log(err)
	}
	if os.Getenv("GOSOCKIO_SOAK_SPLIT") == "1" {
		cfg.split = true
	}
	if !cfg.split && uint64(cfg.conns)*2+fdMargin > lim {
		if os.Getenv("GOSOCKIO_SOAK_SPLIT") == "0" {
			n := int((lim - fdMargin) / 2)
			t.Logf("RLIMIT_NOFILE is %d and GOSOCKIO_SOAK_SPLIT=0: capping %d connections to %d (2 fds each, client and server in one process)", lim, cfg.conns, n)
			cfg.conns = n
		} else {
			t.Logf("RLIMIT_NOFILE is %d: %d connections need %d fds in one process; running the servers in child processes", lim, cfg.conns, cfg.conns*2+fdMargin)
			cfg.split = true
		}
	}
	if cfg.split && uint64(cfg.conns)+fdMargin > lim {
		n := int(lim - fdMargin)
		t.Logf("RLIMIT_NOFILE is %d: capping %d connections to %d (1 fd each in this process)", lim, cfg.conns, n)
		cfg.conns = n
	}
	return cfg
}

func runSoak(t *testing.T, cfg config) {
	cfg = fitFDs(t, cfg)
	base, profile, err := takeBaseline("base")
	if err != nil {
		t.Fatal(err)
	}
	if profile != "" {
		t.Logf("heap profile %s written (MemProfileRate %d)", profile, runtime.MemProfileRate)
	}
	peak := watchGoroutines()

	key := fmt.Sprintf("soak-%d-%d", os.Getpid(), time.Now().UnixNano())
	var nodes []*node
	var children []*child
	var urls []string
	if cfg.split {
		children = startChildren(t, cfg.nodes, key)
		for _, c := range children {
			urls = append(urls, c.url)
		}
	} else {
		for range cfg.nodes {
			var opts *socketio.Options
			var rdb *goredis.Client
			if cfg.nodes > 1 {
				rdb = newNodeRedis()
				opts = &socketio.Options{Adapter: redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: key, Logger: adapterLog})}
			}
			n, err := newNode(opts, rdb)
			if err != nil {
				t.Fatal(err)
			}
			nodes = append(nodes, n)
			urls = append(urls, n.url)
		}
		if cfg.nodes > 1 {
			// The cluster is complete when every adapter sees every node.
			for _, n := range nodes {
				if err := n.waitCluster(cfg.nodes); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	rooms := max(cfg.conns/10, 4)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.dur)
	defer cancel()
	actors := make([]*actor, cfg.conns)
	hc := &http.Client{Transport: &http.Transport{}} // the clients' dials; dropped after the run
	var dialFail, callFail, bcFail failures
	var wg sync.WaitGroup
	start := time.Now()
	for i := range actors {
		a := &actor{id: i, win: map[string]*window{}, closed: map[string]*window{}, out: map[string][]*sent{}}
		actors[i] = a
		wg.Add(1)
		// Ends when ctx ends (cfg.dur); runSoak waits on wg.
		go func() {
			defer wg.Done()
			a.run(ctx, hc, urls, cfg.conns, rooms, &dialFail, &callFail, &bcFail)
		}()
	}
	wg.Wait()
	stop := time.Now()
	peakG := peak()

	// Every actor left its connection open; drain until the required packets arrived or
	// nothing moves any more.
	var rep report
	deadline := time.Now().Add(15 * time.Second)
	for {
		rep = check(actors, stop)
		if rep.lost == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, a := range actors {
		if a.cur != nil {
			a.cur.close()
			a.mu.Lock()
			a.ackStray += a.cur.stray
			a.mu.Unlock()
		}
		a.cur = nil
	}
	rep = check(actors, stop)
	var served int64
	var childReports []childReport
	for _, n := range nodes {
		n.stop()
		served += n.served.Load()
	}
	for _, c := range children {
		cr := c.stop(t)
		childReports = append(childReports, cr)
		served += cr.Served
	}
	if cfg.nodes > 1 {
		rdb := goredis.NewClient(&goredis.Options{Addr: redisAddr})
		var left int
		iter := rdb.Scan(context.Background(), 0, key+"*", 100).Iterator()
		for iter.Next(context.Background()) {
			left++
			rdb.Del(context.Background(), iter.Val())
		}
		_ = rdb.Close()
		t.Logf("redis keys with prefix %q removed at the end: %d", key, left)
	}
	actors = nil
	children = nil
	hc.CloseIdleConnections()
	hc = nil

	fig, profile, err := base.settle("after", peakG)
	if err != nil {
		t.Fatal(err)
	}
	if profile != "" {
		t.Logf("heap profile %s written (MemProfileRate %d)", profile, runtime.MemProfileRate)
	}
	mode := "in-process"
	if cfg.split {
		mode = "split (servers in child processes)"
	}
	t.Logf("mode=%s nodes=%d connections=%d reconnects=%d served by the nodes=%d duration=%v rooms=%d windows=%d packets sent=%d (acked %d) delivered=%d required=%d lost=%d duplicates=%d reordered=%d stray=%d late(concurrent with leave)=%d acks missing=%d acks answered twice=%d dial failures=%d call failures=%d broadcast failures=%d %s",
		mode, cfg.nodes, cfg.conns, rep.conns-cfg.conns, served, stop.Sub(start).Round(time.Millisecond), rooms, rep.windows,
		rep.sent, rep.acked, rep.delivered, rep.required, rep.lost, rep.dups, rep.reordered, rep.stray, rep.late,
		rep.ackMissing, rep.ackStray, dialFail.n.Load(), callFail.n.Load(), bcFail.n.Load(), fig)
	for _, e := range dialFail.sample() {
		t.Log("dial failure: " + e)
	}
	for _, e := range callFail.sample() {
		t.Log("call failure: " + e)
	}
	for _, e := range bcFail.sample() {
		t.Log("broadcast failure: " + e)
	}
	t.Logf("lost by the gap rule only=%d lost across nodes=%d", rep.lostGap, rep.lostCross)
	for _, e := range rep.examples {
		t.Log("lost: " + e)
	}
	for _, cr := range childReports {
		t.Logf("server process %s: connections served=%d %s", cr.Name, cr.Served, cr.Figures)
	}
	if rep.lost != 0 || rep.dups != 0 || rep.reordered != 0 || rep.stray != 0 || rep.ackMissing != 0 || rep.ackStray != 0 {
		t.Errorf("delivery broken: lost=%d duplicates=%d reordered=%d stray=%d acks missing=%d answered twice=%d", rep.lost, rep.dups, rep.reordered, rep.stray, rep.ackMissing, rep.ackStray)
	}
	if rep.required == 0 {
		t.Errorf("no packet was required: the run checked nothing")
	}
	if n := bcFail.n.Load(); n != 0 {
		t.Errorf("%d broadcasts failed on the server (not published to the other nodes)", n)
	}
	if dialFail.n.Load() != 0 {
		t.Errorf("%d dials failed", dialFail.n.Load())
	} else if served != int64(rep.conns) {
		t.Errorf("the nodes served %d connections, the clients opened %d", served, rep.conns)
	}
	for _, p := range fig.problems() {
		t.Error("test process: " + p)
	}
	for _, cr := range childReports {
		for _, p := range cr.Figures.problems() {
			t.Errorf("server process %s: %s", cr.Name, p)
		}
	}
}

func (a *actor) run(ctx context.Context, hc *http.Client, urls []string, actors, rooms int, dialFail, callFail, bcFail *failures) {
	rng := rand.New(rand.NewPCG(uint64(a.id), uint64(time.Now().UnixNano())))
	seq := 0
	connect := func() bool {
		for ctx.Err() == nil {
			// Generous, as the calls' 30s: on 2 loaded cores a handshake can wait long.
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			nd := rng.IntN(len(urls))
			c, err := dialClient(dctx, hc, urls[nd], a.onEvent)
			cancel()
			if err == nil {
				a.cur = c
				a.mu.Lock()
				a.node = nd
				a.mu.Unlock()
				a.conns++
				return true
			}
			dialFail.add(err)
			return false
		}
		return false
	}
	// Spread the first dials over a second per 1,000 connections (at least one).
	if !sleep(ctx, time.Duration(rng.IntN(max(1000, actors)))*time.Millisecond) || !connect() {
		return
	}
	callCtx := context.Background() // calls are never abandoned: every ack must come
	for ctx.Err() == nil {
		if !sleep(ctx, time.Duration(50+rng.IntN(400))*time.Millisecond) {
			return
		}
		if a.cur == nil && !connect() { // the last call failed and cut the connection
			return
		}
		c := a.cur
		room := "r" + strconv.Itoa(rng.IntN(rooms))
		switch op := rng.IntN(100); {
		case op < 25: // join
			a.mu.Lock()
			if a.win[room] != nil || len(a.win) >= 3 {
				a.mu.Unlock()
				continue
			}
			w := &window{room: room, node: a.node, got: map[int][]int{}, late: map[int][]int{}}
			a.win[room] = w
			a.all = append(a.all, w)
			a.mu.Unlock()
			if _, err := a.timed(callCtx, c, "join", room); err != nil {
				callFail.add(err)
				a.cut(c)
				continue
			}
			a.mu.Lock()
			w.start = time.Now()
			a.mu.Unlock()
		case op < 40: // leave one of the rooms
			a.mu.Lock()
			var w *window
			for _, x := range a.win {
				w = x
				break
			}
			if w != nil {
				w.end = time.Now()
			}
			a.mu.Unlock()
			if w == nil {
				continue
			}
			if _, err := a.timed(callCtx, c, "leave", w.room); err != nil {
				callFail.add(err)
				a.cut(c)
				continue
			}
			a.mu.Lock()
			w.leaveAck = time.Now()
			delete(a.win, w.room)
			a.closed[w.room] = w
			a.mu.Unlock()
		case op < 97: // broadcast to a room (member or not)
			seq++
			a.mu.Lock()
			s := &sent{seq: seq, write: time.Now(), node: a.node}
			a.out[room] = append(a.out[room], s)
			a.mu.Unlock()
			r, err := a.timed(callCtx, c, "bc", room, a.id, seq)
			if err != nil {
				callFail.add(err)
				a.cut(c)
				continue
			}
			var failure string
			if len(r) != 2 || json.Unmarshal(r[1], &failure) != nil {
				failure = "bad ack " + fmt.Sprint(r)
			}
			if failure != "" { // not acknowledged: not required anywhere
				bcFail.add(errors.New(failure))
				continue
			}
			a.mu.Lock()
			s.acked = time.Now()
			a.mu.Unlock()
		default: // disconnect and reconnect
			a.cut(c)
		}
	}
}

// failures counts the failed dials or calls and keeps the first few errors.
type failures struct {
	n     atomic.Int64
	mu    sync.Mutex
	first []string
}

func (f *failures) add(err error) {
	f.n.Add(1)
	f.mu.Lock()
	if len(f.first) < 5 {
		f.first = append(f.first, err.Error())
	}
	f.mu.Unlock()
}

func (f *failures) sample() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.first...)
}

// timed is a call with a generous deadline; a deadline hit counts as a missing ack.
func (a *actor) timed(ctx context.Context, c *wsClient, args ...any) ([]json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := c.call(ctx, args...)
	if err == context.DeadlineExceeded {
		a.mu.Lock()
		a.ackMissing++
		a.mu.Unlock()
	}
	return r, err
}

// cut closes the connection: its windows end, marked as not complete-checkable.
func (a *actor) cut(c *wsClient) {
	now := time.Now()
	c.close() // first: packets read until the close still belong to the open windows
	a.mu.Lock()
	for r, w := range a.win {
		if w.end.IsZero() {
			w.end = now
		}
		w.cut = true
		delete(a.win, r)
	}
	clear(a.closed)
	a.ackStray += c.stray
	a.mu.Unlock()
	a.cur = nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
