package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestProxyPrefix(t *testing.T) {
	sio, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(sio)
	backendURL, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(newProxy(backendURL))
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		front.Close()
		backend.Close()
	})

	status, body := get(t, front.URL+"/chat/socket.io/?EIO=4&transport=polling")
	if status != http.StatusOK || !strings.HasPrefix(body, `0{"sid":`) {
		t.Errorf("handshake through the proxy = %d %q, want an open packet 0{\"sid\":...", status, body)
	}
	if status, _ := get(t, front.URL+"/socket.io/?EIO=4&transport=polling"); status != http.StatusNotFound {
		t.Errorf("/socket.io/ without the prefix = %d, want 404: only /chat/ is proxied", status)
	}

	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			s, err := client.Connect(front.URL, &client.Options{
				ForceNew: true, Transports: []string{transport}, Path: "/chat/socket.io/",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Manager().Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			answer, err := s.EmitWithAck(ctx, "echo", "via proxy")
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if err := answer.Scan(&got); err != nil || got != "via proxy" {
				t.Errorf("echo answered %q (%v), want %q", got, err, "via proxy")
			}
			if tr := s.Manager().Transport(); tr != transport {
				t.Errorf("transport = %q, want %q", tr, transport)
			}
		})
	}
}

// get returns the status and body of the answer to GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}
