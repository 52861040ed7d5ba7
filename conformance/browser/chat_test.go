package browser

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

// runTimeout bounds one browser run (Chromium's start, two pages, the whole scenario).
const runTimeout = 2 * time.Minute

// chatRun is the line node/browser-chat.js prints at the end.
type chatRun struct {
	OK          bool                      `json:"ok"`
	Error       string                    `json:"error"`
	Browser     string                    `json:"browser"`
	Checks      []string                  `json:"checks"`
	Screenshots []string                  `json:"screenshots"`
	Requests    map[string]map[string]int `json:"requests"`
}

// Two Chromium pages chat through the chat example (examples/chat, the official
// socket.io-client 4.8.4 bundle served by our server) over polling only, websocket only
// and across the polling -> websocket upgrade: nickname login, "user joined", messages
// both ways, typing, room isolation, "user left". The scenario and its checks are in
// node/browser-chat.js.
func TestChatInBrowser(t *testing.T) {
	nodeenv.Node(t) // skips loudly without node
	nodeenv.EnsureModules(t)
	chrome := chromium(t)
	bin := buildChat(t, t.TempDir())
	artifacts := filepath.Join(nodeenv.Dir(t), ".artifacts")

	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			chat := startChat(t, bin)
			ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
			defer cancel()
			p := nodeenv.Start(t, "browser-chat.js", &nodeenv.Options{
				Args: []string{chat.url, mode, chrome, artifacts},
			})
			var run chatRun
			if err := p.ReadJSON(ctx, &run); err != nil {
				t.Fatalf("browser-chat.js %s: %v\nnode stderr:\n%s\nchat output:\n%s", mode, err, p.Stderr(), chat.output.String())
			}
			for _, file := range run.Screenshots {
				t.Logf("screenshot: %s", file)
			}
			if !run.OK {
				t.Fatalf("%s: %s\nnode stderr:\n%s\nchat output:\n%s", mode, run.Error, p.Stderr(), chat.output.String())
			}
			t.Logf("%s: %d checks passed in %s; engine.io requests %v", mode, len(run.Checks), run.Browser, run.Requests)
			if len(run.Checks) < 20 || len(run.Screenshots) != 2 {
				t.Errorf("%s: %d checks and %d screenshots; want the whole scenario (>= 20 checks, 2 screenshots):\n%s",
					mode, len(run.Checks), len(run.Screenshots), strings.Join(run.Checks, "\n"))
			}
		})
	}
}
