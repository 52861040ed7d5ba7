package socketio_test

import (
	"context"
	"fmt"

	"github.com/gosockio/gosockio/socketio"
)

// Stats reports the socket.io counters with the engine's (Stats.Engine).
func ExampleServer_Stats() {
	io, err := socketio.NewServer(nil)
	if err != nil {
		panic(err)
	}
	defer io.Close(context.Background())
	io.Of("/admin")

	st := io.Stats()
	fmt.Println("namespaces:", st.Namespaces, "sockets:", st.SocketsConnected, "events in:", st.EventsIn)
	fmt.Println("engine sessions:", st.Engine.ConnectionsOpen)
	// Output:
	// namespaces: 2 sockets: 0 events in: 0
	// engine sessions: 0
}
