package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"
)

// dsn is the PostgreSQL the tests use: 127.0.0.1:5432, database test, trust auth.
const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := pgx.Connect(ctx, dsn)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "adapter/postgres tests need PostgreSQL at %s (trust auth, database test): %v\n", dsn, err)
		os.Exit(1)
	}
	_ = conn.Close(context.Background())
	goleak.VerifyTestMain(m)
}
