// Package postgresinterop runs a mixed socket.io cluster on one real PostgreSQL: two Go
// servers with gosockio's Postgres adapter (adapter/postgres) and one Node server with
// socket.io 4.8.4 and @socket.io/postgres-adapter 0.5.0
// (conformance/node/postgres-node.js), with official socket.io-client 4.8.4 clients on
// every server, and checks that broadcasts, rooms, requests between servers,
// acknowledgements and the attachment table work across the two implementations.
//
// PostgreSQL must listen on 127.0.0.1:5432 (trust auth, database test). Each test uses
// its own channel prefix and attachment table, dropped at the end.
package postgresinterop

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"
)

const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := pgx.Connect(ctx, dsn)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "postgresinterop needs PostgreSQL at %s (trust auth, database test): %v\n", dsn, err)
		os.Exit(1)
	}
	_ = conn.Close(context.Background())
	goleak.VerifyTestMain(m)
}
