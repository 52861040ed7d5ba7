package socketio_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// nopConn is an engine connection that discards what it is sent and records its
// callbacks, so that a test can deliver messages (msg) and close it (onClose).
type nopConn struct {
	id      string
	msg     func(engineio.Message)
	onClose func(string, error)
}

func (c *nopConn) ID() string                                          { return c.id }
func (c *nopConn) Request() *http.Request                              { return nil }
func (c *nopConn) Transport() string                                   { return "websocket" }
func (c *nopConn) Protocol() int                                       { return 4 }
func (c *nopConn) RemoteAddr() string                                  { return "" }
func (c *nopConn) Send([]engineio.Message, engineio.SendOptions) error { return nil }
func (c *nopConn) Close() error                                        { return nil }
func (c *nopConn) OnMessage(fn func(engineio.Message))                 { c.msg = fn }
func (c *nopConn) OnClose(fn func(string, error))                      { c.onClose = fn }

func benchServer(b *testing.B, n int) *socketio.Server {
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close(context.Background()) })
	srv.OnConnection(func(s *socketio.Socket) { s.Join("room") })
	for i := range n {
		c := &nopConn{id: "c" + itoa(i)}
		srv.ServeConn(c)
		c.msg(engineio.Message{Data: []byte("0")})
	}
	return srv
}

func BenchmarkBroadcast1000(b *testing.B) {
	srv := benchServer(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = srv.To("room").Emit("news", "hello", 42)
	}
}

func BenchmarkHandleEvent(b *testing.B) {
	srv, _ := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	b.Cleanup(func() { _ = srv.Close(context.Background()) })
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("msg", func(text string, n int, ack func(string)) { ack(text) })
	})
	c := &nopConn{id: "c"}
	srv.ServeConn(c)
	c.msg(engineio.Message{Data: []byte("0")})
	m := engineio.Message{Data: []byte(`21["msg","hello",1]`)}
	b.ReportAllocs()
	for b.Loop() {
		c.msg(m)
	}
}

// BenchmarkEchoAck is the server side of sioload's echo scenario over a no-op engine
// connection: decode `420["echo",{...}]`, call the handler, encode the ack. The handler
// is benchserver's (the arguments passed back as json.RawMessage values).
func BenchmarkEchoAck(b *testing.B) {
	c := echoConn(b)
	m := engineio.Message{Data: []byte(`20["echo",{"p":"` + strings.Repeat("x", 100) + `"}]`)}
	b.ReportAllocs()
	for b.Loop() {
		c.msg(engineio.Message{Data: slices.Clone(m.Data)})
	}
}

// echoConn is a no-op engine connection to a server whose sockets acknowledge "echo"
// with its own arguments, connected to "/".
func echoConn(tb testing.TB) *nopConn {
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close(context.Background()) })
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack func(...any)) {
			vals := make([]any, args.Len())
			for i := range vals {
				vals[i] = args.Raw(i)
			}
			ack(vals...)
		})
	})
	c := &nopConn{id: "c"}
	srv.ServeConn(c)
	c.msg(engineio.Message{Data: []byte("0")})
	return c
}
