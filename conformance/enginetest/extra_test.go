package enginetest

import (
	"testing"

	"github.com/coder/websocket"
)

// TestCloseDuringUpgrade is not in the official suites: the server closes a
// session after answering the upgrade probe and before the client's upgrade
// packet. Node (engine.io 6.6) finishes the upgrade, then closes the new
// transport and reports "forced close" at once; it does not wait for the
// polling transport's 30 s close timeout. Run against both servers.
func TestCloseDuringUpgrade(t *testing.T) {
	node := startNodeTarget(t, true)
	targets := []struct {
		name string
		newH func(tb) *harness
	}{
		{"gosockio", newHarness},
		{"Node engine.io 6.6", func(t tb) *harness { return &harness{t: t, target: node} }},
	}
	versions := []struct {
		name  string
		open  func(h *harness) string
		query func(sid string) string
	}{
		{"EIO=4", v4OpenPolling, v4WSQuery},
		{"EIO=3", func(h *harness) string { return v3OpenPolling(h, false) }, v3WSQuery},
	}
	for _, v := range versions {
		for _, tg := range targets {
			t.Run(v.name+"/"+tg.name, func(t *testing.T) {
				t.Parallel()
				runAttempts(t, fastWindow, func(a tb) {
					h := tg.newH(a)
					sid := v.open(h)
					c := h.mustDial(v.query(sid))
					h.write(c, websocket.MessageText, "2probe")
					h.readText(c, "3probe")
					h.serverClose(sid)
					h.write(c, websocket.MessageText, "5")
					h.waitClosed(c)
					h.wantCloseReason(sid, "forced close")
				})
			})
		}
	}
}
