package redis_test

import (
	"context"
	"fmt"
	"log"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// A server of a cluster on a Redis stream (Go or Node servers with
// @socket.io/redis-streams-adapter), with connection state recovery: a client that
// loses its connection may come back on any server of the cluster.
func ExampleCreateStreamsAdapter() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	stream := "example-" + randomName()
	defer rdb.Del(context.Background(), stream)

	srv, err := socketio.NewServer(&socketio.Options{
		Adapter:                 redisadapter.CreateStreamsAdapter(rdb, &redisadapter.StreamsOptions{StreamName: stream}),
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close(context.Background())

	// Appended to the stream: every server delivers it, and a client that reconnects
	// within two minutes gets it if it missed it.
	_ = srv.To("lobby").Emit("news", "hello")

	n, err := rdb.XLen(context.Background(), stream).Result()
	fmt.Println(n, err)
	// Output: 1 <nil>
}
