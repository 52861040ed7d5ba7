package client

import (
	"testing"
	"testing/synctest"
)

// FuzzServerFrames feeds arbitrary frames from the server to a connected socket: nothing
// may panic, and the socket either stays connected or disconnects with "parse error".
func FuzzServerFrames(f *testing.F) {
	for _, seed := range []string{
		`2["ev",1]`, `21["ev",{"a":[1,2]}]`, `3["x"]`, `30[]`, `1`, `0{"sid":"y"}`,
		`4{"message":"m","data":[1]}`, `51-["b",{"_placeholder":true,"num":0}]`,
		`2{"x":1}`, `8`, `2["a",`, `5999999999-[]`, `2["connect"]`, `2[]`, ``, `2/other,["x"]`,
	} {
		f.Add(seed, []byte{1, 2})
	}
	f.Fuzz(func(t *testing.T, text string, bin []byte) {
		synctest.Test(t, func(t *testing.T) {
			fs := &fakeServer{onMessage: answerConnect}
			m := newFakeManager(t, fs, &Options{Reconnection: new(false)})
			defer m.Close()
			s := m.Socket("/", nil)
			var reasons []string
			s.OnDisconnect(func(r string) { reasons = append(reasons, r) })
			s.On("ev", func(a int, b map[string]any, ack func(string)) { ack("ok") })
			synctest.Wait()
			c := fs.last()
			c.deliver(text)
			c.opts.OnMessage(engineMessage(bin, true))
			synctest.Wait()
			for _, r := range reasons {
				if r != ReasonParseError && r != ReasonIOServerDisconnect {
					t.Fatalf("disconnect reason %q", r)
				}
			}
		})
	})
}
