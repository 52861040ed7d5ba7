package engineio

import (
	"testing"
	"testing/synctest"
)

// FuzzClientHandshake: any open packet data is either rejected with an error or gives a
// session with an id and positive heartbeat periods; never a panic.
func FuzzClientHandshake(f *testing.F) {
	f.Add([]byte(hsV4[1:]))
	f.Add([]byte(hsV3[1:]))
	f.Add([]byte(`{"sid":"a","pingInterval":1e3,"pingTimeout":1}`))
	f.Add([]byte(`{"sid":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &ClientSocket{}
		if err := s.applyHandshake(Packet{Type: PacketOpen, Data: data}); err != nil {
			return
		}
		if s.sid == "" || s.pingInterval <= 0 || s.pingTimeout <= 0 || s.maxPayload < 0 {
			t.Fatalf("accepted %q as sid %q, ping %v/%v, maxPayload %d", data, s.sid, s.pingInterval, s.pingTimeout, s.maxPayload)
		}
	})
}

// FuzzClientPollingAnswer: whatever a server answers to a poll, the client delivers
// messages or closes with a reason; it never panics and never leaks a goroutine (synctest
// checks that every goroutine of the bubble has exited).
func FuzzClientPollingAnswer(f *testing.F) {
	for _, seed := range []struct {
		protocol int
		body     string
	}{
		{4, "4hello\x1ebAQID"}, {4, "2\x1e6\x1e4x"}, {4, "1"}, {4, "9"}, {4, "\x1e"},
		{3, "6:4hello2:4€"}, {3, "1:2"}, {3, "99:4"}, {3, "\x00\x02\xff4a"},
	} {
		f.Add(seed.protocol == 3, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, v3 bool, body []byte) {
		synctest.Test(t, func(t *testing.T) {
			hs, protocol := hsV4, ProtocolV4
			if v3 {
				hs, protocol = v3Payload(hsV3), ProtocolV3
			}
			fk := newFakeEngine(hs)
			hc := servePipe(t, fk)
			ev := newClientEvents()
			s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Protocol: protocol, Transports: []string{"polling"}}))
			if err != nil {
				t.Fatal(err)
			}
			fk.gets <- string(body)
			synctest.Wait()
			s.Close()
			switch c := ev.waitClose(t); c.reason {
			case ReasonForcedClose, ReasonParseError, ReasonTransportClose:
			default:
				t.Errorf("closed with %q (%v)", c.reason, c.cause)
			}
		})
	})
}
