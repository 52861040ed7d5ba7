package socketio_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
)

func setupSocket(t *testing.T) (*socketio.Server, *logBuffer, func(func(*socketio.Socket))) {
	srv, logs := newServer(t, nil)
	return srv, logs, func(fn func(*socketio.Socket)) { srv.OnConnection(fn) }
}

type point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

func TestTypedHandler(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var gotS string
	var gotP point
	var gotM map[string]any
	var gotMissing int = -1
	onConn(func(s *socketio.Socket) {
		s.On("ev", func(a string, p point, m map[string]any, missing int) {
			gotS, gotP, gotM, gotMissing = a, p, m, missing
		})
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["ev","hi",{"x":1,"y":2},{"k":[1,"two"]}]`)
	if gotS != "hi" || gotP != (point{1, 2}) || gotMissing != 0 {
		t.Fatalf("got %q %v %v", gotS, gotP, gotMissing)
	}
	if diff := cmp.Diff(map[string]any{"k": []any{1.0, "two"}}, gotM); diff != "" {
		t.Error(diff)
	}
}

func TestHandlerAck(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	onConn(func(s *socketio.Socket) {
		s.On("sum", func(a, b int, ack func(int, string)) { ack(a+b, "ok"); ack(0, "twice") })
		s.On("noack", func(ack func(...any)) { ack("ignored") })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`213["sum",2,3]`)
	if got, want := next(t, c), `313[5,"ok"]`; got != want {
		t.Fatalf("ack = %q, want %q", got, want)
	}
	expectNoMessage(t, c) // second call is ignored
	c.Deliver(`2["noack"]`)
	expectNoMessage(t, c) // no ack id: nothing sent
}

func TestBinaryArgs(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var got []byte
	var gotAny any
	var nested struct {
		Name string `json:"name"`
		Blob []byte `json:"blob"`
	}
	onConn(func(s *socketio.Socket) {
		s.On("bin", func(b []byte, v any, n struct {
			Name string `json:"name"`
			Blob []byte `json:"blob"`
		}, ack func(...any)) {
			got, gotAny, nested = b, v, n
			ack([]byte{9, 8})
		})
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`52-7["bin",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}],{"name":"n","blob":{"_placeholder":true,"num":1}}]`)
	c.DeliverBinary([]byte{1, 2, 3})
	c.DeliverBinary([]byte{4})
	if string(got) != "\x01\x02\x03" {
		t.Errorf("[]byte param = %v", got)
	}
	if diff := cmp.Diff([]any{[]byte{4}}, gotAny); diff != "" {
		t.Errorf("any param (-want +got):\n%s", diff)
	}
	if nested.Name != "n" || string(nested.Blob) != "\x04" {
		t.Errorf("nested = %+v", nested)
	}
	if got, want := next(t, c), `61-7[{"_placeholder":true,"num":0}]`; got != want {
		t.Fatalf("binary ack = %q, want %q", got, want)
	}
	if got := next(t, c); got != "bin:\x09\x08" {
		t.Fatalf("attachment = %q", got)
	}
}

func TestRawHandler(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var first string
	var rest socketio.Args
	onConn(func(s *socketio.Socket) {
		s.On("raw", func(a string, args socketio.Args) { first, rest = a, args })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["raw","a",1,{"b":true}]`)
	if first != "a" || rest.Len() != 2 || string(rest.Raw(0)) != "1" || string(rest.Raw(1)) != `{"b":true}` {
		t.Fatalf("first=%q rest=%v", first, rest.Values())
	}
	var n int
	var m map[string]bool
	if err := rest.Scan(&n, &m); err != nil || n != 1 || !m["b"] {
		t.Errorf("Scan = %v, %d %v", err, n, m)
	}
}

func TestArgsThatDoNotFit(t *testing.T) {
	srv, logs, onConn := setupSocket(t)
	calls := 0
	onConn(func(s *socketio.Socket) {
		s.On("num", func(n int) { calls++ })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["num","not a number"]`)
	if calls != 0 {
		t.Fatal("handler must not be called with arguments that do not fit")
	}
	if !strings.Contains(logs.String(), `handler for \"num\": argument 0 does not fit`) {
		t.Errorf("log must explain the mismatch, got:\n%s", logs.String())
	}
	expectOpen(t, c)
	c.Deliver(`2["num",3]`)
	if calls != 1 {
		t.Fatal("socket must survive a mismatch")
	}
}

func TestHandlerShapesChecked(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var msgs []string
	onConn(func(s *socketio.Socket) {
		for _, h := range []any{
			"not a func",
			func(ack func(), x int) {},
			func() int { return 0 },
			func(a socketio.Args, b int) {},
		} {
			func() {
				defer func() { msgs = append(msgs, recoverString(recover())) }()
				s.On("x", h)
			}()
		}
	})
	connect(t, srv, "/")
	for i, m := range msgs {
		if m == "" {
			t.Errorf("handler %d: On must panic with a clear message", i)
		}
	}
	if !strings.Contains(msgs[1], "ack callback must be the last parameter") {
		t.Errorf("message = %q", msgs[1])
	}
}

func recoverString(r any) string {
	if r == nil {
		return ""
	}
	if err, ok := r.(error); ok {
		return err.Error()
	}
	return "panic"
}

func TestOnceOffOnAny(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var log []string
	h := func(s string) { log = append(log, "h:"+s) }
	onConn(func(s *socketio.Socket) {
		s.Once("once", func(s string) { log = append(log, "once:"+s) })
		s.On("h", h)
		s.OnAny(func(ev string, a socketio.Args) { log = append(log, "any:"+ev) })
		s.PrependAny(func(ev string, a socketio.Args) { log = append(log, "first:"+ev) })
		s.On("off", func() { s.Off("h", h) })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["once","1"]`)
	c.Deliver(`2["once","2"]`)
	c.Deliver(`2["h","a"]`)
	c.Deliver(`2["off"]`)
	c.Deliver(`2["h","b"]`)
	want := []string{"first:once", "any:once", "once:1", "first:once", "any:once", "first:h", "any:h", "h:a", "first:off", "any:off", "first:h", "any:h"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPacketMiddleware(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var got []string
	var errs []string
	onConn(func(s *socketio.Socket) {
		s.Use(func(ev *socketio.Event) error {
			if ev.Name == "forbidden" {
				return errors.New("not allowed")
			}
			if ev.Name == "rename" {
				ev.Name = "renamed"
			}
			return nil
		})
		s.On("renamed", func(a int) { got = append(got, "renamed") })
		s.On("forbidden", func() { got = append(got, "forbidden") })
		s.OnError(func(err error) { errs = append(errs, err.Error()) })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["forbidden"]`)
	c.Deliver(`2["rename",1]`)
	if diff := cmp.Diff([]string{"renamed"}, got); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"not allowed"}, errs); diff != "" {
		t.Error(diff)
	}
	expectOpen(t, c)
}

func TestHandlersRunInArrivalOrder(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var got []int
	onConn(func(s *socketio.Socket) { s.On("n", func(i int) { got = append(got, i) }) })
	c, _ := connect(t, srv, "/")
	for i := range 50 {
		c.Deliver(`2["n",` + itoa(i) + `]`)
	}
	for i := range 50 {
		if got[i] != i {
			t.Fatalf("got %v", got)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestPanicInHandlerClosesOnlyThatConnection(t *testing.T) {
	srv, logs, onConn := setupSocket(t)
	onConn(func(s *socketio.Socket) { s.On("boom", func() { panic("kaboom") }) })
	c1, _ := connect(t, srv, "/")
	c2, _ := connect(t, srv, "/")
	c1.Deliver(`2["boom"]`)
	expectClosed(t, c1)
	expectOpen(t, c2)
	if !strings.Contains(logs.String(), "kaboom") {
		t.Error("panic must be logged")
	}
}

func TestOnConnectionAliasAndErrorParam(t *testing.T) {
	srv, _ := newServer(t, nil)
	var errs []string
	srv.On("connection", func(s *socketio.Socket) {
		s.On("error", func(err error) { errs = append(errs, err.Error()) })
		s.Use(func(ev *socketio.Event) error { return errors.New("refused") })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`2["x"]`)
	if diff := cmp.Diff([]string{"refused"}, errs); diff != "" {
		t.Error(diff)
	}
}
