package enginetest

import (
	"net/http"
	"strings"
	"testing"
)

// TestEchoServerCORS checks the part of the suites' server contract that the
// suites themselves only exercise from a browser: cors {origin: "*"}, as the
// Node "cors" package answers it.
func TestEchoServerCORS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	req, _ := http.NewRequestWithContext(h.ctx(), http.MethodOptions, h.base+"?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status %d, want 204", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("preflight Access-Control-Allow-Origin %q, want *", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
		t.Errorf("preflight Access-Control-Allow-Methods %q, want it to list POST", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(strings.ToLower(got), "content-type") {
		t.Errorf("preflight Access-Control-Allow-Headers %q, want the requested content-type", got)
	}

	req, _ = http.NewRequestWithContext(h.ctx(), http.MethodGet, h.base+"?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "http://example.com")
	resp, err = h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("handshake with an Origin: status %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("handshake Access-Control-Allow-Origin %q, want *", got)
	}
}

// TestEchoServerPath checks that only /engine.io/ is served.
func TestEchoServerPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	req, _ := http.NewRequestWithContext(h.ctx(), http.MethodGet, "http://"+h.host+"/socket.io/?EIO=4&transport=polling", nil)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /socket.io/: status %d, want 404", resp.StatusCode)
	}
}
