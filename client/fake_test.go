package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gosockio/gosockio/engineio"
)

// fakeServer is an in-memory engine for Manager tests (under testing/synctest): each
// dial makes a fakeConn whose sent messages are handed to onMessage on the conn's own
// goroutine, which may answer with deliver.
type fakeServer struct {
	t         *testing.T
	mu        sync.Mutex
	dials     int
	refuse    bool // dials fail
	hang      bool // dials wait for ctx
	onMessage func(c *fakeConn, msg string)
	conns     []*fakeConn
}

var errRefused = errors.New("fake: connection refused")

func (f *fakeServer) dial(ctx context.Context, _ string, opts *engineio.DialOptions) (engineConn, error) {
	f.mu.Lock()
	f.dials++
	n := f.dials
	refuse, hang := f.refuse, f.hang
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if refuse {
		return nil, errRefused
	}
	c := &fakeConn{id: fmt.Sprintf("e%d", n), srv: f, opts: opts, in: make(chan engineio.Message, 64), done: make(chan struct{})}
	c.wg.Add(1)
	go c.loop() // stopped by Close or drop
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	return c, nil
}

func (f *fakeServer) last() *fakeConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[len(f.conns)-1]
}

func (f *fakeServer) set(fn func()) {
	f.mu.Lock()
	fn()
	f.mu.Unlock()
}

type fakeConn struct {
	id   string
	srv  *fakeServer
	opts *engineio.DialOptions
	in   chan engineio.Message // client → server
	out  []string              // everything the client sent, in order
	mu   sync.Mutex
	once sync.Once
	done chan struct{}
	wg   sync.WaitGroup
	busy atomic.Bool // the loop is running onMessage (a Close from there cannot wait)
}

func (c *fakeConn) ID() string { return c.id }

func (c *fakeConn) Transport() string { return "fake" }

func (c *fakeConn) Send(msgs []engineio.Message, _ engineio.SendOptions) error {
	select {
	case <-c.done:
		return engineio.ErrClosed
	default:
	}
	for _, m := range msgs {
		c.in <- m
	}
	return nil
}

func (c *fakeConn) loop() {
	defer c.wg.Done()
	for {
		select {
		case m := <-c.in:
			c.mu.Lock()
			c.out = append(c.out, string(m.Data))
			c.mu.Unlock()
			c.srv.mu.Lock()
			h := c.srv.onMessage
			c.srv.mu.Unlock()
			if h != nil {
				c.busy.Store(true)
				h(c, string(m.Data))
				c.busy.Store(false)
			}
		case <-c.done:
			return
		}
	}
}

// deliver hands a message from the server to the client.
func (c *fakeConn) deliver(msg string) {
	c.opts.OnMessage(engineio.Message{Data: []byte(msg)})
}

// sent returns what the client sent so far.
func (c *fakeConn) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.out...)
}

func (c *fakeConn) closeWith(reason string) {
	c.once.Do(func() {
		close(c.done)
		c.opts.OnClose(reason, nil)
	})
}

func (c *fakeConn) Close() error {
	c.closeWith(engineio.ReasonForcedClose)
	if !c.busy.Load() {
		c.wg.Wait()
	}
	return nil
}

// drop closes the connection from the server side, from a goroutine of its own (as the
// engine's delivery goroutine would).
func (c *fakeConn) drop(reason string) {
	go c.closeWith(reason) // ends at once
}

// answerConnect is an onMessage that accepts every namespace (protocol v5).
func answerConnect(c *fakeConn, msg string) {
	if len(msg) > 0 && msg[0] == '0' {
		nsp := ""
		if len(msg) > 1 && msg[1] == '/' {
			end := len(msg)
			for i := 1; i < len(msg); i++ {
				if msg[i] == ',' {
					end = i
					break
				}
			}
			nsp = msg[1:end] + ","
		}
		c.deliver("0" + nsp + `{"sid":"s-` + c.id + `"}`)
	}
}

// newFakeManager returns a Manager on a fakeServer.
func newFakeManager(t *testing.T, f *fakeServer, opts *Options) *Manager {
	t.Helper()
	m, err := NewManager("http://fake.test", opts)
	if err != nil {
		t.Fatal(err)
	}
	m.dial = f.dial
	return m
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func engineMessage(data []byte, binary bool) engineio.Message {
	return engineio.Message{Data: data, Binary: binary}
}
