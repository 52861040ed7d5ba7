package main

import (
	"bytes"
	"context"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

// engineHandler is a bare engine.io server that answers a socket.io CONNECT to "/"
// itself (no socketio layer), for measuring the engine's cost per idle connection.
type engineHandler struct{ *engineio.Server }

func newEngineHandler() (*engineHandler, error) {
	e, err := engineio.NewServer(&engineio.Options{Path: "/socket.io/", PingInterval: 25 * time.Second})
	if err != nil {
		return nil, err
	}
	e.OnConnection(func(s *engineio.Socket) {
		// m.Data is the socket.io packet (the engine's "4" prefix is gone): "0" = CONNECT.
		s.OnMessage(func(m engineio.Message) {
			if m.Binary || !bytes.HasPrefix(m.Data, []byte("0")) {
				return
			}
			_ = s.Send([]engineio.Message{{Data: []byte(`0{"sid":"` + s.ID() + `"}`)}}, engineio.SendOptions{})
		})
	})
	return &engineHandler{e}, nil
}

func (h *engineHandler) close(ctx context.Context) error { return h.Shutdown(ctx) }
