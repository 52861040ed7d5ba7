package postgres_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/socketio"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Servers that share a PostgreSQL database form one cluster: an emit on any of them
// reaches the clients of all, Node servers with @socket.io/postgres-adapter included.
func ExampleCreateAdapter() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:5432/test")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	srv, err := socketio.NewServer(&socketio.Options{
		Adapter: postgres.CreateAdapter(pool, &postgres.Options{
			CreateTable:     true, // Node's README creates it by hand
			RequestsTimeout: 3 * time.Second,
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		// Reaches the sockets in "lobby" on every server of the cluster.
		_ = srv.To("lobby").Emit("joined", s.ID())
	})
	srv.On("ping-all", func(from string, ack func(string)) { ack("pong from here") })
	go func() {
		// Every other server answers once.
		answers, err := srv.ServerSideEmitWithAck(ctx, "ping-all", "me")
		log.Println(answers, err)
	}()
	log.Fatal(http.ListenAndServe(":3000", srv))
}
