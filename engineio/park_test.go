//go:build linux

package engineio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// Idle websockets park: their readers end and the server's poller holds them, and a parked
// socket still receives messages, answers the heartbeat and closes.
func TestIdleWebSocketsPark(t *testing.T) {
	t.Cleanup(wsserver.SetParkAfter(20 * time.Millisecond))
	e := newEnv(t, &Options{PingInterval: 100 * time.Millisecond, PingTimeout: 400 * time.Millisecond})
	const n = 20
	conns := make([]*websocket.Conn, n)
	sids := make([]string, n)
	for i := range conns {
		c, _, err := e.dial("EIO=4&transport=websocket")
		if err != nil {
			t.Fatal(err)
		}
		_, open := wsRead(t, c)
		conns[i], sids[i] = c, open[9:29]
	}
	// Each client answers pings and hands the other messages over.
	msgs := make([]chan string, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i, c := range conns {
		msgs[i] = make(chan string, 16)
		go func() {
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					close(msgs[i])
					return
				}
				if string(b) == "2" {
					_ = c.Write(ctx, websocket.MessageText, []byte("3"))
					continue
				}
				msgs[i] <- string(b)
			}
		}()
	}
	waitFor(t, func() bool { return e.srv.wsPoller().Len() == n })

	// Several heartbeats later every socket is open, and echoes from its parked state.
	time.Sleep(5 * 100 * time.Millisecond)
	if got := e.srv.ClientsCount(); got != n {
		t.Fatalf("%d sockets open after heartbeats while parked, want %d", got, n)
	}
	for i, c := range conns {
		waitFor(t, func() bool { return e.srv.wsPoller().Len() == n }) // parked again after the pongs
		want := fmt.Sprintf("4hello %d", i)
		if err := c.Write(ctx, websocket.MessageText, []byte(want)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-msgs[i]:
			if got != want {
				t.Fatalf("echo %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("socket %d: no echo from a parked socket", i)
		}
	}
	// A parked socket closed by the server ends with its reader: the client sees the close.
	waitFor(t, func() bool { return e.srv.wsPoller().Len() == n })
	e.socket(sids[0]).Close()
	if ev := e.waitClose(sids[0]); ev.reason != ReasonForcedClose {
		t.Fatalf("close reason %q", ev.reason)
	}
	select {
	case _, ok := <-msgs[0]:
		for ok {
			_, ok = <-msgs[0]
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client of the closed parked socket still open")
	}
	// A client that goes away is noticed while parked.
	_ = conns[1].CloseNow()
	if ev := e.waitClose(sids[1]); ev.reason != ReasonTransportClose && ev.reason != ReasonTransportError {
		t.Fatalf("close reason %q", ev.reason)
	}
}

// A websocket that took over a polling session parks too, and echoes from there.
func TestUpgradedWebSocketParks(t *testing.T) {
	t.Cleanup(wsserver.SetParkAfter(20 * time.Millisecond))
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	q := "EIO=4&transport=polling&sid=" + sid
	poll := async(func() resp { return e.get(q) })
	waitPending(t, e.srv, sid)
	c, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
	if err != nil {
		t.Fatal(err)
	}
	wsWrite(t, c, websocket.MessageText, "2probe")
	if _, msg := wsRead(t, c); msg != "3probe" {
		t.Fatalf("probe answer %q", msg)
	}
	<-poll
	wsWrite(t, c, websocket.MessageText, "5")
	waitFor(t, func() bool { return e.srv.wsPoller().Len() == 1 })
	wsWrite(t, c, websocket.MessageText, "4parked")
	if _, msg := wsRead(t, c); msg != "4parked" {
		t.Fatalf("echo %q", msg)
	}
}
