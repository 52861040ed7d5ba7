package sockettest_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// A handler tested without a network: the Conn plays a socket.io 3/4 client.
func Example() {
	srv, err := socketio.NewServer(nil)
	if err != nil {
		panic(err)
	}
	defer srv.Close(context.Background())
	var sid string
	srv.OnConnection(func(s *socketio.Socket) {
		sid = s.ID()
		s.On("hello", func(name string, ack func(string)) {
			s.Emit("welcome", name)
			ack("hi " + name)
		})
	})

	conn := sockettest.NewConn(nil)
	srv.ServeConn(conn)
	conn.Deliver("0")                    // CONNECT to "/"
	conn.Deliver(`21["hello","gopher"]`) // EVENT "hello" with ack id 1
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		m, err := conn.Next(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(strings.Replace(string(m.Data), sid, "<sid>", 1))
	}
	// Output:
	// 0{"sid":"<sid>"}
	// 2["welcome","gopher"]
	// 31["hi gopher"]
}

// Connect joins a namespace and returns the socket id; a refusal comes back as a
// *socketio.ConnectError.
func ExampleConn_Connect() {
	srv, err := socketio.NewServer(nil)
	if err != nil {
		panic(err)
	}
	defer srv.Close(context.Background())
	srv.Of("/admin").Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "secret" {
			return &socketio.ConnectError{Message: "not authorized"}
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	conn := sockettest.NewConn(nil)
	srv.ServeConn(conn)
	sid, err := conn.Connect(ctx, "/admin", `{"token":"secret"}`)
	_, ok := srv.Of("/admin").Socket(sid)
	fmt.Println(ok, err)

	other := sockettest.NewConn(nil)
	srv.ServeConn(other)
	_, err = other.Connect(ctx, "/admin", "")
	fmt.Println(err)
	// Output:
	// true <nil>
	// sockettest: CONNECT to /admin refused: not authorized
}
