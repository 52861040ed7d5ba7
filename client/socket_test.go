package client

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestAckTimeoutAndDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect} // never answers events
		m := newFakeManager(t, f, &Options{AckTimeout: 500 * time.Millisecond, Reconnection: new(false)})
		s := m.Socket("/", nil)
		synctest.Wait()
		start := time.Now()
		var errs []string
		_ = s.Emit("a", func(err error, x int) {
			errs = append(errs, sprintf("%v %v %d", time.Since(start), errors.Is(err, ErrAckTimeout), x))
		})
		_ = s.Timeout(2*time.Second).Emit("b", func(err error) {
			errs = append(errs, sprintf("%v disconnected=%v", time.Since(start), errors.Is(err, ErrDisconnected)))
		})
		_ = s.Emit("c", func(x int) { errs = append(errs, "called without error param") })
		time.Sleep(time.Second)
		f.last().drop(ReasonTransportClose)
		time.Sleep(time.Second)
		synctest.Wait()
		want := []string{"500ms true 0", "1s disconnected=true"}
		if !slices.Equal(errs, want) {
			t.Fatalf("callbacks %q, want %q", errs, want)
		}
		if got := f.last().sent(); !slices.Equal(got, []string{"0", `20["a"]`, `21["b"]`, `22["c"]`}) {
			t.Fatalf("sent %q", got)
		}
		_ = m.Close()
	})
}

func TestEmitWithAckReturnsAnswerAndErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			answerConnect(c, msg)
			if strings.HasPrefix(msg, `2`) && strings.Contains(msg, `"answer"`) {
				id := msg[1:strings.IndexByte(msg, '[')]
				c.deliver("3" + id + `["ok",{"n":1}]`)
			}
		}}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/", nil)
		synctest.Wait()
		a, err := s.EmitWithAck(t.Context(), "answer", 1)
		if err != nil || mustMarshal(a) != `["ok",{"n":1}]` {
			t.Fatalf("answer %s, err %v", mustMarshal(a), err)
		}
		_, err = s.Timeout(time.Second).EmitWithAck(t.Context(), "silence")
		if !errors.Is(err, ErrAckTimeout) {
			t.Fatalf("err %v, want ErrAckTimeout", err)
		}
		if err := s.Emit("connect"); !errors.Is(err, ErrReservedEvent) {
			t.Fatalf("reserved: %v", err)
		}
		if _, err := s.EmitWithAck(t.Context(), "x", func() {}); err == nil {
			t.Fatal("EmitWithAck accepted an ack callback")
		}
		_ = m.Close()
	})
}

func TestRetriesResendUntilAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tries := 0
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			answerConnect(c, msg)
			if strings.HasPrefix(msg, `2`) {
				tries++
				if tries == 3 {
					id := msg[1:strings.IndexByte(msg, '[')]
					c.deliver("3" + id + `["done"]`)
				}
			}
		}}
		m := newFakeManager(t, f, &Options{AckTimeout: time.Second, Retries: 2})
		s := m.Socket("/", nil)
		synctest.Wait()
		var got []string
		_ = s.Emit("job", 1, func(err error, r string) { got = append(got, sprintf("%v %s", err, r)) })
		_ = s.Emit("job", 2) // queued behind the first
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if !slices.Equal(got, []string{"<nil> done"}) {
			t.Fatalf("callback %q", got)
		}
		want := []string{"0", `20["job",1]`, `21["job",1]`, `22["job",1]`, `23["job",2]`, `24["job",2]`, `25["job",2]`}
		if sent := f.last().sent(); !slices.Equal(sent, want) {
			t.Fatalf("sent %q, want %q", sent, want)
		}
		_ = m.Close()
	})
}

func TestRetriesGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{AckTimeout: time.Second, Retries: 1})
		s := m.Socket("/", nil)
		synctest.Wait()
		_, err := s.EmitWithAck(t.Context(), "x")
		if !errors.Is(err, ErrAckTimeout) || len(f.last().sent()) != 3 {
			t.Fatalf("err %v after %q", err, f.last().sent())
		}
		_ = m.Close()
	})
}

func TestOfflineBufferAndVolatile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{AutoConnect: new(false)})
		s := m.Socket("/", nil)
		var out []string
		s.OnAnyOutgoing(func(ev string, args []any) { out = append(out, ev) })
		_ = s.Emit("first", 1)
		_ = s.Volatile().Emit("dropped")
		_ = s.Emit("second", []byte{7})
		s.Connect()
		synctest.Wait()
		want := []string{"0", `2["first",1]`, `51-["second",{"_placeholder":true,"num":0}]`, "\x07"}
		if got := f.last().sent(); !slices.Equal(got, want) {
			t.Fatalf("sent %q, want %q", got, want)
		}
		if !slices.Equal(out, []string{"first", "second"}) {
			t.Fatalf("outgoing listeners saw %q", out)
		}
		_ = m.Close()
	})
}

func TestListeners(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/", nil)
		synctest.Wait()
		var log []string
		anyA := func(ev string, a Args) { log = append(log, "anyA "+ev) }
		s.OnAny(anyA)
		s.PrependAny(func(ev string, a Args) { log = append(log, "anyB "+ev) })
		s.Once("news", func(title string, n int, rest Args) {
			log = append(log, sprintf("once %s %d %d", title, n, rest.Len()))
		})
		h := func(title string) { log = append(log, "on "+title) }
		s.On("news", h)
		s.On("bad", func(n int) { log = append(log, "bad called") })
		c := f.last()
		c.deliver(`2["news","a",1,true,null]`)
		c.deliver(`2["news","b"]`)
		c.deliver(`2["bad","not a number"]`)
		synctest.Wait()
		s.Off("news", h)
		s.OffAny(anyA)
		c.deliver(`2["news","c"]`)
		synctest.Wait()
		s.OffAny(nil)
		want := []string{
			"anyB news", "anyA news", "once a 1 2", "on a",
			"anyB news", "anyA news", "on b",
			"anyB bad", "anyA bad",
			"anyB news",
		}
		if !slices.Equal(log, want) {
			t.Fatalf("log %q\nwant %q", log, want)
		}
		_ = m.Close()
	})
}

func TestServerAckRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/admin", nil)
		s.On("q", func(x int, ack func(int, []byte)) { ack(x*2, []byte("b")); ack(0, nil) })
		synctest.Wait()
		f.last().deliver(`2/admin,7["q",21]`)
		synctest.Wait()
		want := []string{"0/admin,", `61-/admin,7[42,{"_placeholder":true,"num":0}]`, "b"}
		if got := f.last().sent(); !slices.Equal(got, want) {
			t.Fatalf("sent %q, want %q (the ack is sent once)", got, want)
		}
		_ = m.Close()
	})
}

func TestConnectErrorAndServerDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			switch msg {
			case "0/no,":
				c.deliver(`4/no,{"message":"nope","data":{"why":"test"}}`)
			case "0":
				c.deliver(`0{"sid":"x"}`)
				c.deliver(`1`)
			}
		}}
		m := newFakeManager(t, f, nil)
		no := m.Socket("/no", nil)
		root := m.Socket("/", nil)
		var got []string
		no.OnConnectError(func(err error) {
			var ce *ConnectError
			if errors.As(err, &ce) {
				got = append(got, "connect_error "+ce.Message+" "+string(ce.Data))
			}
		})
		root.OnDisconnect(func(r string) { got = append(got, "disconnect "+r) })
		time.Sleep(time.Minute)
		synctest.Wait()
		want := []string{`connect_error nope {"why":"test"}`, "disconnect io server disconnect"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		if f.dials != 1 || no.Active() || root.Active() {
			t.Fatalf("dials %d, active %v %v: no reconnection expected", f.dials, no.Active(), root.Active())
		}
		_ = m.Close()
	})
}

func TestAuthFuncAndRecoveryOffset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			if strings.HasPrefix(msg, "0") {
				c.deliver(`0{"sid":"same","pid":"p1"}`)
				c.deliver(`2["ev","x","off-7"]`)
			}
		}}
		n := 0
		m := newFakeManager(t, f, &Options{Auth: func() map[string]any { n++; return map[string]any{"n": n} }})
		s := m.Socket("/", nil)
		synctest.Wait()
		if s.Recovered() {
			t.Fatal("recovered on first connection")
		}
		f.last().drop(ReasonTransportClose)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		sent := f.last().sent()
		var first map[string]any
		if len(sent) == 0 || json.Unmarshal([]byte(sent[0][1:]), &first) != nil {
			t.Fatalf("sent %q", sent)
		}
		if first["pid"] != "p1" || first["offset"] != "off-7" || first["n"] != 2.0 {
			t.Fatalf("reconnect CONNECT %s", sent[0])
		}
		if !s.Recovered() || s.ID() != "same" {
			t.Fatalf("recovered %v id %q", s.Recovered(), s.ID())
		}
		_ = m.Close()
	})
}

func TestV2ServerWithV5Client(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			if msg == "0" {
				c.deliver("0")
			}
		}}
		// The fake server answers at once: connect after the listener is set, or the
		// connect_error could be dispatched before it (see Manager.Socket).
		m := newFakeManager(t, f, &Options{Reconnection: new(false), AutoConnect: new(false)})
		s := m.Socket("/", nil)
		var got error
		s.OnConnectError(func(err error) { got = err })
		s.Connect()
		synctest.Wait()
		if !errors.Is(got, ErrV2Server) {
			t.Fatalf("connect_error %v", got)
		}
		_ = m.Close()
	})
}

func TestParseErrorClosesAndReconnects(t *testing.T) {
	for _, bad := range []string{
		`2{"not":"an array"}`,
		`9`,
		`511-["x",{"_placeholder":true,"num":0}]`, // more attachments than allowed
		`2[]`,
		`2["connect"]`,
	} {
		t.Run(bad, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeServer{onMessage: answerConnect}
				m := newFakeManager(t, f, nil)
				s := m.Socket("/", nil)
				var reasons []string
				s.OnDisconnect(func(r string) { reasons = append(reasons, r) })
				synctest.Wait()
				f.last().deliver(bad)
				time.Sleep(5 * time.Second)
				synctest.Wait()
				if !slices.Equal(reasons, []string{ReasonParseError}) || !s.Connected() || f.dials != 2 {
					t.Fatalf("reasons %q connected %v dials %d", reasons, s.Connected(), f.dials)
				}
				_ = m.Close()
			})
		})
	}
}

func mustMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func TestSendAndCompress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/", nil)
		synctest.Wait()
		_ = s.Send("x")
		_ = s.Compress(false).Volatile().Send("y")
		_ = s.Compress(true).Emit("z")
		synctest.Wait()
		want := []string{"0", `2["message","x"]`, `2["message","y"]`, `2["z"]`}
		if got := f.last().sent(); !slices.Equal(got, want) {
			t.Fatalf("sent %q, want %q", got, want)
		}
		_ = m.Close()
	})
}

func TestEmitConcurrentSafe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			answerConnect(c, msg)
			if strings.HasPrefix(msg, "2") {
				if i := strings.IndexByte(msg, '['); i > 1 {
					c.deliver("3" + msg[1:i] + "[]")
				}
			}
		}}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/", nil)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					if i%2 == 0 {
						_, _ = s.EmitWithAck(t.Context(), "e", g, i)
					} else {
						_ = s.Emit("e", g, i)
					}
					if g == 0 && i == 10 {
						f.last().drop(ReasonTransportClose)
					}
				}
			})
		}
		wg.Wait()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if !s.Connected() {
			t.Fatal("not reconnected")
		}
		_ = m.Close()
	})
}

func TestReservedAndOutgoingListeners(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, nil)
		s := m.Socket("/", nil)
		var log []string
		s.Once("connect", func() { log = append(log, "once connect") })
		onConn := func() { log = append(log, "connect") }
		s.On("connect", onConn)
		s.On("disconnect", func() { log = append(log, "disconnect (no args)") })
		outA := func(ev string, args []any) { log = append(log, "outA "+ev) }
		s.OnAnyOutgoing(outA)
		s.PrependAnyOutgoing(func(ev string, args []any) { log = append(log, "outB "+ev) })
		synctest.Wait()
		_ = s.Emit("e1")
		synctest.Wait()
		s.OffAnyOutgoing(outA)
		s.Off("connect", onConn)
		_ = s.Emit("e2")
		f.last().drop(ReasonTransportClose)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		s.OffAnyOutgoing(nil)
		_ = s.Emit("e3")
		synctest.Wait()
		want := []string{"once connect", "connect", "outB e1", "outA e1", "outB e2", "disconnect (no args)"}
		if !slices.Equal(log, want) {
			t.Fatalf("log %q\nwant %q", log, want)
		}
		defer func() {
			if recover() == nil {
				t.Error("On(\"disconnect\", func(int)) did not panic")
			}
			_ = m.Close()
		}()
		s.On("disconnect", func(int) {})
	})
}

func TestProtocol4RootNamespace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: func(c *fakeConn, msg string) {
			switch msg {
			case "0/admin?x=1,":
				c.deliver("0/admin,")
			} // a socket.io 2.x server connects "/" again without answering
		}}
		m := newFakeManager(t, f, &Options{Protocol: 4, Query: map[string][]string{"x": {"1"}}})
		root := m.Socket("/", nil)
		admin := m.Socket("/admin", nil)
		synctest.Wait()
		f.last().deliver("0") // the server connects "/" by itself on open
		synctest.Wait()
		if !root.Connected() || !admin.Connected() || root.ID() != "e1" || admin.ID() != "/admin#e1" {
			t.Fatalf("root %v %q, admin %v %q", root.Connected(), root.ID(), admin.Connected(), admin.ID())
		}
		root.Disconnect()
		root.Connect()
		synctest.Wait()
		if !root.Connected() {
			t.Fatal("root did not connect again")
		}
		want := []string{"0/admin?x=1,", "1", "0"}
		if got := f.last().sent(); !slices.Equal(got, want) {
			t.Fatalf("sent %q, want %q", got, want)
		}
		_ = m.Close()
	})
}

func TestMissingAttachmentsTimeOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{Timeout: 3 * time.Second})
		defer m.Close()
		s := m.Socket("/", nil)
		ev := &events{start: time.Now()}
		s.OnDisconnect(func(r string) { ev.add("%s", r) })
		synctest.Wait()
		f.last().deliver(`52-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		f.last().opts.OnMessage(engineMessage([]byte{1}, true)) // one of two
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := ev.get(); len(got) != 0 {
			t.Fatalf("disconnected early: %q", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := ev.get(); !slices.Equal(got, []string{"3s parse error"}) {
			t.Fatalf("disconnects %q, want one parse error after 3s", got)
		}
	})
}
