package socketio_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	tests := []struct {
		name      string
		connected bool
		input     []string
	}{
		{"event before CONNECT", false, []string{`2["hello"]`}},
		{"disconnect before CONNECT", false, []string{`1`}},
		{"event for a namespace not joined", true, []string{`2/other,["x"]`}},
		{"CONNECT twice", true, []string{`0`}},
		{"CONNECT_ERROR from client", true, []string{`4{"message":"x"}`}},
		{"reserved event name", true, []string{`2["disconnect"]`}},
		{"non-array event", true, []string{`2"hello"`}},
		{"empty event array", true, []string{`2[]`}},
		{"event name not a string", true, []string{`2[{"a":1}]`}},
		{"garbage", true, []string{`zzz`}},
		{"auth not an object", false, []string{`0"token"`}},
		{"binary frame without packet", true, []string{"\x00bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, nil)
			var errs []error
			srv.OnConnection(func(s *socketio.Socket) { s.OnError(func(err error) { errs = append(errs, err) }) })
			bystander, _ := connect(t, srv, "/")
			c := dial(t, srv, 4)
			if tt.connected {
				join(t, c, "/", "")
			}
			for _, in := range tt.input {
				if in[0] == 0 {
					c.DeliverBinary([]byte(in[1:]))
				} else {
					c.Deliver(in)
				}
			}
			expectClosed(t, c)
			expectOpen(t, bystander)
			if tt.connected && len(errs) == 0 {
				t.Error("the socket's error listeners must hear about it")
			}
		})
	}
}

func TestAckForUnknownIDIsIgnored(t *testing.T) {
	// Node logs "bad ack" and keeps the connection.
	srv, _ := newServer(t, nil)
	c, _ := connect(t, srv, "/")
	c.Deliver(`399["x"]`)
	expectOpen(t, c)
}

func TestMissingAttachmentsTimeOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, &socketio.Options{ConnectTimeout: 10 * time.Second})
		c, _ := connect(t, srv, "/")
		ok, _ := connect(t, srv, "/")
		c.Deliver(`52-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		c.DeliverBinary([]byte{1})
		ok.Deliver(`51-["bin",{"_placeholder":true,"num":0}]`)
		time.Sleep(5 * time.Second)
		ok.DeliverBinary([]byte{1}) // completes in time
		time.Sleep(6 * time.Second)
		synctest.Wait()
		expectClosed(t, c)
		expectOpen(t, ok)
	})
}
