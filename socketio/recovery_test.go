package socketio_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

func connectRecoverable(t *testing.T, c *sockettest.Conn, auth string) connectReply {
	t.Helper()
	c.Deliver("0" + auth)
	m := next(t, c)
	var r connectReply
	if !strings.HasPrefix(m, "0{") || json.Unmarshal([]byte(m[1:]), &r) != nil || r.SID == "" || r.PID == "" {
		t.Fatalf("CONNECT reply = %q, want sid and pid", m)
	}
	return r
}

// eventOffset returns the event's last argument, the recovery offset.
func eventOffset(t *testing.T, m string, wantName string) string {
	t.Helper()
	var arr []any
	if !strings.HasPrefix(m, "2[") || json.Unmarshal([]byte(m[1:]), &arr) != nil || len(arr) < 2 || arr[0] != wantName {
		t.Fatalf("event = %q, want %q with an offset", m, wantName)
	}
	off, ok := arr[len(arr)-1].(string)
	if !ok {
		t.Fatalf("event %q: last argument is not an offset", m)
	}
	return off
}

func TestConnectionStateRecovery(t *testing.T) {
	srv, _ := newServer(t, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	mwCalls := 0
	srv.Use(func(*socketio.Socket) error { mwCalls++; return nil })
	var recovered []bool
	srv.OnConnection(func(s *socketio.Socket) { recovered = append(recovered, s.Recovered()) })

	c1 := dial(t, srv, 4)
	r1 := connectRecoverable(t, c1, "")
	s1 := socketOf(t, srv, r1.SID)
	s1.Join("room")
	s1.SetData(map[string]any{"user": "u"})
	_ = srv.Emit("a", 1)
	off := eventOffset(t, next(t, c1), "a")
	_ = s1.Emit("direct")
	off = eventOffset(t, next(t, c1), "direct")

	c1.CloseFromPeer("transport close")
	_ = srv.To("room").Emit("b")
	_ = srv.Emit("c")
	_ = srv.To("other").Emit("d")
	_ = srv.Volatile().Emit("volatile")

	c2 := dial(t, srv, 4)
	r2 := connectRecoverable(t, c2, `{"pid":"`+r1.PID+`","offset":"`+off+`"}`)
	if r2.SID != r1.SID || r2.PID != r1.PID {
		t.Fatalf("recovered ids %+v, want %+v", r2, r1)
	}
	eventOffset(t, next(t, c2), "b")
	eventOffset(t, next(t, c2), "c")
	expectNoMessage(t, c2)
	s2 := socketOf(t, srv, r1.SID)
	if !s2.Recovered() || !slices.Contains(s2.Rooms(), "room") {
		t.Errorf("recovered=%v rooms=%v", s2.Recovered(), s2.Rooms())
	}
	if d, _ := s2.Data().(map[string]any); d["user"] != "u" {
		t.Errorf("data = %v", s2.Data())
	}
	if mwCalls != 1 {
		t.Errorf("middlewares ran %d times; recovered sockets skip them by default", mwCalls)
	}
	if !slices.Equal(recovered, []bool{false, true}) {
		t.Errorf("recovered flags = %v", recovered)
	}

	// a client's own disconnect is not recoverable
	_ = s2.Emit("x")
	off = eventOffset(t, next(t, c2), "x")
	c2.Deliver("1")
	c3 := dial(t, srv, 4)
	r3 := connectRecoverable(t, c3, `{"pid":"`+r1.PID+`","offset":"`+off+`"}`)
	if r3.SID == r1.SID {
		t.Error("session restored after a client namespace disconnect")
	}
}

func TestRecoveryRunsMiddlewaresWhenAsked(t *testing.T) {
	no := false
	srv, _ := newServer(t, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{SkipMiddlewares: &no}})
	mwCalls := 0
	srv.Use(func(*socketio.Socket) error { mwCalls++; return nil })
	c1 := dial(t, srv, 4)
	r1 := connectRecoverable(t, c1, "")
	_ = srv.Emit("a")
	off := eventOffset(t, next(t, c1), "a")
	c1.CloseFromPeer("ping timeout")
	c2 := dial(t, srv, 4)
	r2 := connectRecoverable(t, c2, `{"pid":"`+r1.PID+`","offset":"`+off+`"}`)
	if r2.SID != r1.SID || mwCalls != 2 {
		t.Errorf("sid %s (want %s), middleware calls %d (want 2)", r2.SID, r1.SID, mwCalls)
	}
}

func TestRecoveryExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
		c1 := dial(t, srv, 4)
		r1 := connectRecoverable(t, c1, "")
		_ = srv.Emit("a")
		off := eventOffset(t, next(t, c1), "a")
		c1.CloseFromPeer("transport close")
		time.Sleep(2 * time.Minute)
		c2 := dial(t, srv, 4)
		r2 := connectRecoverable(t, c2, `{"pid":"`+r1.PID+`","offset":"`+off+`"}`)
		if r2.SID == r1.SID {
			t.Error("expired session restored")
		}
	})
}

func TestNoRecoveryNoPid(t *testing.T) {
	srv, _ := newServer(t, nil)
	c := dial(t, srv, 4)
	c.Deliver("0")
	if m := next(t, c); strings.Contains(m, "pid") {
		t.Errorf("reply %q has a pid without recovery", m)
	}
}
