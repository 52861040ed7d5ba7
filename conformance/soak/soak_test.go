package soak

import (
	"context"
	"encoding/json"
	"fmt"
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
}

// node is one socket.io server on a loopback port.
type node struct {
	srv  *socketio.Server
	http *http.Server
	url  string
	rdb  *goredis.Client
	done chan struct{}
}

func startNode(t *testing.T, opts *socketio.Options, rdb *goredis.Client) *node {
	t.Helper()
	srv, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string, ack func()) { s.Join(room); ack() })
		s.On("leave", func(room string, ack func()) { s.Leave(room); ack() })
		s.On("bc", func(room string, sender, seq int, ack func(int)) {
			_ = srv.To(room).Emit("m", room, sender, seq)
			ack(seq)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{srv: srv, http: &http.Server{Handler: srv}, rdb: rdb, done: make(chan struct{}),
		url: "ws://" + ln.Addr().String() + "/socket.io/?EIO=4&transport=websocket"}
	// Stopped by n.stop (http.Server.Close); stop waits on n.done.
	go func() { defer close(n.done); _ = n.http.Serve(ln) }()
	return n
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

func raiseFDLimit(t *testing.T) uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		t.Fatal(err)
	}
	r.Cur = r.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		t.Logf("raise RLIMIT_NOFILE: %v", err)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return r.Cur
}

func runSoak(t *testing.T, cfg config) {
	// Client and server live in this process: 2 fds per connection, plus a margin for
	// Redis, listeners and the runtime.
	if lim := raiseFDLimit(t); uint64(cfg.conns)*2+256 > lim {
		n := int((lim - 256) / 2)
		t.Logf("RLIMIT_NOFILE is %d: capping %d connections to %d (2 fds each, client and server in one process)", lim, cfg.conns, n)
		cfg.conns = n
	}
	pool := goroutinePoolNow()
	baseG := runtime.NumGoroutine()
	baseHeap := heapAfterGC(t, "base")
	peak := watchGoroutines()

	key := fmt.Sprintf("soak-%d-%d", os.Getpid(), time.Now().UnixNano())
	var nodes []*node
	for range cfg.nodes {
		var opts *socketio.Options
		var rdb *goredis.Client
		if cfg.nodes > 1 {
			rdb = goredis.NewClient(&goredis.Options{Addr: redisAddr})
			opts = &socketio.Options{Adapter: redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: key})}
		}
		nodes = append(nodes, startNode(t, opts, rdb))
	}
	if cfg.nodes > 1 {
		// The cluster is complete when every adapter sees every node.
		deadline := time.Now().Add(10 * time.Second)
		for _, n := range nodes {
			for {
				c, err := n.srv.Adapter().ServerCount(context.Background())
				if err == nil && c == cfg.nodes {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("cluster: server count %d (%v), want %d", c, err, cfg.nodes)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}

	rooms := max(cfg.conns/10, 4)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.dur)
	defer cancel()
	actors := make([]*actor, cfg.conns)
	hc := &http.Client{Transport: &http.Transport{}} // the clients' dials; dropped after the run
	var dialFail, callFail atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range actors {
		a := &actor{id: i, win: map[string]*window{}, closed: map[string]*window{}, out: map[string][]*sent{}}
		actors[i] = a
		wg.Add(1)
		// Ends when ctx ends (cfg.dur); runSoak waits on wg.
		go func() {
			defer wg.Done()
			a.run(ctx, hc, nodes, rooms, &dialFail, &callFail)
		}()
	}
	wg.Wait()
	stop := time.Now()
	peakG := peak()
	notePeak(peakG)

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
	for _, n := range nodes {
		n.stop()
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
	hc.CloseIdleConnections()
	hc = nil

	var g int
	gDeadline := time.Now().Add(10 * time.Second)
	for {
		g = runtime.NumGoroutine() - baseG
		if g <= 2 || time.Now().After(gDeadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	heap := int64(heapAfterGC(t, "after")) - int64(baseHeap)
	// The runtime keeps the descriptor of every goroutine it ever had to create (see
	// growGoroutinePool): the run created about peakG - pool.ever new ones.
	kept := int64(max(peakG-pool.ever, 0)) * int64(pool.perG)
	rest := heap - kept

	t.Logf("nodes=%d connections=%d reconnects=%d duration=%v rooms=%d windows=%d packets sent=%d (acked %d) delivered=%d required=%d lost=%d duplicates=%d reordered=%d stray=%d late(concurrent with leave)=%d acks missing=%d acks answered twice=%d dial failures=%d call failures=%d goroutine delta=%d peak goroutines=%d heap delta=%d B (goroutine descriptors kept by the runtime: %d new x %.0f B = %d B; rest %d B)",
		cfg.nodes, cfg.conns, rep.conns-cfg.conns, stop.Sub(start).Round(time.Millisecond), rooms, rep.windows,
		rep.sent, rep.acked, rep.delivered, rep.required, rep.lost, rep.dups, rep.reordered, rep.stray, rep.late,
		rep.ackMissing, rep.ackStray, dialFail.Load(), callFail.Load(), g, peakG, heap, max(peakG-pool.ever, 0), pool.perG, kept, rest)
	if rep.lost != 0 || rep.dups != 0 || rep.reordered != 0 || rep.stray != 0 || rep.ackMissing != 0 || rep.ackStray != 0 {
		t.Errorf("delivery broken: lost=%d duplicates=%d reordered=%d stray=%d acks missing=%d answered twice=%d", rep.lost, rep.dups, rep.reordered, rep.stray, rep.ackMissing, rep.ackStray)
	}
	if rep.required == 0 {
		t.Errorf("no packet was required: the run checked nothing")
	}
	if dialFail.Load() != 0 {
		t.Errorf("%d dials failed", dialFail.Load())
	}
	if g > 2 {
		t.Errorf("goroutines: %d more than before the run", g)
	}
	// Everything the run allocated is garbage once servers and clients are closed, but
	// for what the runtime owns: the goroutine descriptors (counted above: ~495 B for
	// each goroutine alive at the peak beyond those the process had, ~3.5 per
	// connection, so ~17 MB at 10,000 connections), and small structures (stopped
	// timers still in the runtime's timer heaps, new Ms, the allgs slice): 0.15 to
	// 0.35 MB measured at 1,000 and 2,000 connections. A leak of 200 B per connection
	// over 10,000 connections, or of one packet per broadcast, exceeds the 2 MiB bound
	// on the rest.
	if rest > 2<<20 {
		t.Errorf("heap after GC grew by %d B, %d B of it not goroutine descriptors (bound 2 MiB)", heap, rest)
	}
}

func (a *actor) run(ctx context.Context, hc *http.Client, nodes []*node, rooms int, dialFail, callFail *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(a.id), uint64(time.Now().UnixNano())))
	seq := 0
	connect := func() bool {
		for ctx.Err() == nil {
			dctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			nd := rng.IntN(len(nodes))
			c, err := dialClient(dctx, hc, nodes[nd].url, a.onEvent)
			cancel()
			if err == nil {
				a.cur = c
				a.mu.Lock()
				a.node = nd
				a.mu.Unlock()
				a.conns++
				return true
			}
			dialFail.Add(1)
			return false
		}
		return false
	}
	// Spread the dials over the first second.
	if !sleep(ctx, time.Duration(rng.IntN(1000))*time.Millisecond) || !connect() {
		return
	}
	callCtx := context.Background() // calls are never abandoned: every ack must come
	for ctx.Err() == nil {
		if !sleep(ctx, time.Duration(50+rng.IntN(400))*time.Millisecond) {
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
				callFail.Add(1)
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
				callFail.Add(1)
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
			if _, err := a.timed(callCtx, c, "bc", room, a.id, seq); err != nil {
				callFail.Add(1)
				a.cut(c)
				continue
			}
			a.mu.Lock()
			s.acked = time.Now()
			a.mu.Unlock()
		default: // disconnect and reconnect
			a.cut(c)
		}
		if a.cur == nil && !connect() {
			return
		}
	}
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
