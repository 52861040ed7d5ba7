package main

import (
	"context"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// socketHandler is the contract server on the socketio package.
type socketHandler struct{ *socketio.Server }

func newSocketHandler() (*socketHandler, error) {
	io, err := socketio.NewServer(&socketio.Options{
		Options: engineio.Options{Path: "/socket.io/", PingInterval: 25 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		// echo: acknowledge with the same arguments, passed through undecoded.
		s.On("echo", func(args socketio.Args, ack func(...any)) {
			ack(rawValues(args)...)
		})
		// bcast: re-emit to every socket of "/", the sender included (io.emit).
		s.On("bcast", func(args socketio.Args) {
			_ = io.Emit("bcast", rawValues(args)...)
		})
	})
	return &socketHandler{io}, nil
}

// rawValues returns the arguments as json.RawMessage values, written verbatim by the
// encoder (sioload sends no binary attachments).
func rawValues(args socketio.Args) []any {
	vals := make([]any, args.Len())
	for i := range vals {
		vals[i] = args.Raw(i)
	}
	return vals
}

func (h *socketHandler) close(ctx context.Context) error { return h.Close(ctx) }
