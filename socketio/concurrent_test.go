package socketio_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gosockio/gosockio/socketio"
)

// TestBroadcastConcurrentSafe mixes connects, joins, leaves, broadcasts, acks and
// disconnects from many goroutines; -race finds unsynchronized state.
func TestBroadcastConcurrentSafe(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.OnConnection(func(s *socketio.Socket) {
		s.Join("all")
		s.On("join", func(room string) { s.Join(room) })
		s.On("leave", func(room string) { s.Leave(room) })
		s.On("shout", func(msg string, ack func(string)) {
			_ = s.To("r1").Emit("shout", msg)
			ack("ok")
		})
	})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c, sid := connect(t, srv, "/")
			s, _ := srv.Socket(sid)
			for j := range 30 {
				switch j % 6 {
				case 0:
					c.Deliver(`2["join","r1"]`)
				case 1:
					c.Deliver(`21["shout","hi"]`)
				case 2:
					_ = srv.To("all").Except("r1").Emit("x", j)
				case 3:
					c.Deliver(`2["leave","r1"]`)
				case 4:
					if s != nil {
						_ = s.Emit("direct", func(string) {})
						_ = s.Rooms()
					}
				case 5:
					_, _ = srv.In("r1").FetchSockets(context.Background())
				}
				c.Pending()
			}
			if i%2 == 0 {
				c.CloseFromPeer("transport close")
			} else {
				c.Deliver("1")
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			srv.SocketsJoin("r2")
			srv.In("r2").SocketsLeave("r2")
			_, _ = srv.AllSockets(context.Background())
		}
	})
	wg.Wait()
	if n := len(srv.Sockets()); n != 0 {
		t.Errorf("%d sockets left", n)
	}
}
