package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/examples/internal/mounttest"
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

	mounttest.Handshake(t, nil, front.URL+"/chat/socket.io/")
	if status, _ := mounttest.Get(t, nil, front.URL+"/socket.io/?EIO=4&transport=polling"); status != http.StatusNotFound {
		t.Errorf("/socket.io/ without the prefix = %d, want 404: only /chat/ is proxied", status)
	}
	mounttest.EchoTransports(t, front.URL, &client.Options{Path: "/chat/socket.io/"}, "via proxy")
}
