package socketio_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// A connection to "/" (ServeConn, CONNECT, the CONNECT reply, the close) allocates no
// per-connection loggers when logging is off (the default logger discards: l.With would
// copy it for every connection and socket), and does not encode the arguments of
// reserved events nobody listens to.
func TestConnectAllocations(t *testing.T) {
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	i := 0
	connect := func() {
		i++
		c := &nopConn{id: "c" + strconv.Itoa(i)}
		srv.ServeConn(c)
		c.msg(engineio.Message{Data: []byte("0")})
		c.onClose("transport close", nil)
	}
	connect() // warm up: namespace, pools, handler types
	n := testing.AllocsPerRun(200, connect)
	t.Logf("%.1f allocations per connection", n)
	// 32 when written (33-34 with -race, where sync.Pool drops some of what is put
	// back); 36 when "disconnecting" and "disconnect" encoded their reason for no
	// listener; 45 with a logger per client and per socket.
	if n > 35 {
		t.Fatalf("a connection allocated %.1f times, want at most 35", n)
	}
}
