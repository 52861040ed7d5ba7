package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgListener is the test's own LISTEN connection, to see what the servers send.
type pgListener struct {
	t    *testing.T
	conn *pgx.Conn
}

func newListener(t *testing.T, channel string) *pgListener {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return &pgListener{t: t, conn: conn}
}

// waitFor returns the first notification payload that contains s.
func (l *pgListener) waitFor(s string) string {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		n, err := l.conn.WaitForNotification(ctx)
		if err != nil {
			l.t.Fatalf("waiting for a notification containing %q: %v", s, err)
		}
		if strings.Contains(n.Payload, s) {
			return n.Payload
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
