package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosockio/gosockio/client"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// An admin client with the example's credentials gets the config and sees the socket
// that joined "blue" through its query; wrong credentials are refused.
func TestAdmin(t *testing.T) {
	io, in, err := newServer(config{user: "admin", password: "changeit", origin: "http://ui.example"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer func() {
		_ = in.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	no := false

	user, err := client.Connect(ts.URL+"/?room=blue", &client.Options{ForceNew: true, Reconnection: &no})
	if err != nil {
		t.Fatal(err)
	}
	defer user.Manager().Close()
	if got, err := user.EmitWithAck(ctx, "echo", "hi"); err != nil || got.Len() != 1 {
		t.Fatalf("echo: %v %v", got, err)
	}

	joined := make(chan bool, 1)
	// AutoConnect off (here and below): the listeners are in place before the
	// connection can complete.
	adm, err := client.Connect(ts.URL+"/admin", &client.Options{
		ForceNew: true, Reconnection: &no, AutoConnect: new(false),
		Auth: map[string]any{"username": "admin", "password": "changeit"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Manager().Close()
	adm.On("all_sockets", func(sockets []struct {
		ID    string   `json:"id"`
		Rooms []string `json:"rooms"`
	}) {
		for _, s := range sockets {
			if s.ID == user.ID() {
				has := map[string]bool{}
				for _, r := range s.Rooms {
					has[r] = true
				}
				joined <- has["lobby"] && has["blue"]
			}
		}
	})
	adm.Connect()
	select {
	case ok := <-joined:
		if !ok {
			t.Fatal("the user socket is not in lobby and blue")
		}
	case <-ctx.Done():
		t.Fatal("no all_sockets with the user socket")
	}

	refused := make(chan error, 1)
	bad, err := client.Connect(ts.URL+"/admin", &client.Options{
		ForceNew: true, Reconnection: &no, AutoConnect: new(false),
		Auth: map[string]any{"username": "admin", "password": "wrong"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Manager().Close()
	bad.OnConnectError(func(err error) { refused <- err })
	bad.Connect()
	select {
	case err := <-refused:
		var ce *client.ConnectError
		if !errors.As(err, &ce) || ce.Message != "invalid credentials" {
			t.Fatalf("wrong password: %v, want invalid credentials", err)
		}
	case <-ctx.Done():
		t.Fatal("wrong password was not refused")
	}
}
