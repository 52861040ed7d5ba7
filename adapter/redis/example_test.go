package redis_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// Two servers of one cluster (here in one process; usually two processes, Go or Node)
// share rooms and broadcasts through Redis.
func ExampleCreateAdapter() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	srv, err := socketio.NewServer(&socketio.Options{
		Adapter: redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: "example-" + randomName()}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close(context.Background())
	srv.OnConnection(func(s *socketio.Socket) { s.Join("lobby") })

	// Reaches the sockets in "lobby" on every server of the cluster.
	_ = srv.To("lobby").Emit("news", "hello")

	n, err := srv.Adapter().ServerCount(context.Background())
	fmt.Println(n, err)
	_ = http.Handler(srv) // mount srv on your HTTP server
	// Output: 1 <nil>
}

// A worker process that is not a socket.io server sends events to the cluster.
func ExampleEmitter() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	em := redisadapter.NewEmitter(rdb, &redisadapter.EmitterOptions{Key: "example-worker"})
	ctx := context.Background()

	if err := em.To("lobby").Except("muted").Emit(ctx, "news", "from a worker"); err != nil {
		log.Fatal(err)
	}
	if err := em.Of("/admin").SocketsJoin(ctx, "audit"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent")
	// Output: sent
}
