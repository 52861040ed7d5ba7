package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// socketHandler is the contract server on the socketio package, alone or in a
// cluster through the Redis adapter.
type socketHandler struct {
	*socketio.Server
	rdb *goredis.Client // nil for a lone server
}

// newSocketHandler builds the contract server; with redisAddr set it uses the Redis
// adapter on that Redis with channel prefix key.
func newSocketHandler(redisAddr, key string) (*socketHandler, error) {
	h := &socketHandler{}
	var factory adapter.Factory
	if redisAddr != "" {
		h.rdb = goredis.NewClient(&goredis.Options{Addr: redisAddr, ClientName: "benchserver-" + key})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := h.rdb.Ping(ctx).Err()
		cancel()
		if err != nil {
			_ = h.rdb.Close()
			return nil, fmt.Errorf("-redis %s: %w (is redis-server running there?)", redisAddr, err)
		}
		factory = redisadapter.CreateAdapter(h.rdb, &redisadapter.Options{Key: key})
	}
	io, err := socketio.NewServer(&socketio.Options{
		Options: engineio.Options{Path: "/socket.io/", PingInterval: 25 * time.Second},
		Adapter: factory,
	})
	if err != nil {
		if h.rdb != nil {
			_ = h.rdb.Close()
		}
		return nil, err
	}
	h.Server = io
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
	return h, nil
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

// close closes the server (and its adapter), then the Redis client.
func (h *socketHandler) close(ctx context.Context) error {
	err := h.Close(ctx)
	if h.rdb != nil {
		err = errors.Join(err, h.rdb.Close())
	}
	return err
}
