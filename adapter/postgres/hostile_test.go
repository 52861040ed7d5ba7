package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// Malformed notifications and attachments are ignored: nothing panics, no client gets
// a packet from them, and the next valid broadcast still arrives once.
func TestMalformedMessagesAreIgnored(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{RequestsTimeout: 300 * time.Millisecond}, false)
	a := sockettest.NewClient(t, c.nodes[0].srv, "/")
	var garbageID, arrayID string
	if err := c.admin.QueryRow(context.Background(), "INSERT INTO "+c.table+" (payload) VALUES ('\\xd4ff00'::bytea) RETURNING id::text").Scan(&garbageID); err != nil {
		t.Fatal(err)
	}
	if err := c.admin.QueryRow(context.Background(), "INSERT INTO "+c.table+" (payload) VALUES ('\\x90'::bytea) RETURNING id::text").Scan(&arrayID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		`not json`,
		`[1,2,3]`,
		`{"type":3,"uid":"x","nsp":"/"}`,
		`{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":2,"data":["connect"]},"opts":{}}}`,
		`{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":0,"data":["ev"]},"opts":{}}}`,
		`{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":2,"data":[42]},"opts":{}}}`,
		`{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":2,"data":[]},"opts":{}}}`,
		`{"type":3,"uid":"x","nsp":"/","data":{"packet":"nope","opts":"nope"}}`,
		`{"type":4,"uid":"x","nsp":"/","data":{"opts":7,"rooms":"r"}}`,
		`{"type":7,"uid":"x","nsp":"/","data":{"opts":null}}`,
		`{"type":8,"uid":"x","nsp":"/","data":{"requestId":"nope","sockets":5}}`,
		`{"type":12,"uid":"x","nsp":"/","data":{"requestId":"nope"}}`,
		`{"type":99,"uid":"x","nsp":"/","data":{}}`,
		`{"uid":"x","type":3,"attachmentId":"999999999"}`,
		`{"uid":"x","type":3,"attachmentId":"12abc"}`,
		`{"uid":"x","type":3,"attachmentId":"` + garbageID + `"}`,
		`{"uid":"x","type":3,"attachmentId":` + arrayID + `}`,
	} {
		c.notify(p)
	}
	if err := c.nodes[1].srv.Emit("ok"); err != nil {
		t.Fatal(err)
	}
	if got := a.UntilAll(`2["ok"]`); len(got) != 0 {
		t.Errorf("client got %q from malformed messages", got)
	}
	// The fake sender "x" counts as a server until HeartbeatTimeout and never
	// answers: the request times out with the real server's answer.
	ids, err := c.nodes[1].srv.AllSockets(context.Background())
	if !slices.Contains(ids, a.SID) || !errors.Is(err, postgres.ErrRequestTimeout) {
		t.Errorf("AllSockets from the other server = %q, %v; want %s among them and ErrRequestTimeout", ids, err, a.SID)
	}
}
