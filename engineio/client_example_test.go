package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

// A client for an echo server: handlers go in the options, so that no message is missed,
// then Dial, Send and Close.
func ExampleDial() {
	srv, _ := engineio.NewServer(nil)
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(m engineio.Message) { _ = s.Send([]engineio.Message{m}, engineio.SendOptions{}) })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	echoes := make(chan engineio.Message, 2)
	closed := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sock, err := engineio.Dial(ctx, ts.URL, &engineio.DialOptions{
		Transports: []string{"websocket"}, // default: polling, then upgrade to websocket
		HTTPClient: &http.Client{Transport: tr},
		OnMessage:  func(m engineio.Message) { echoes <- m },
		OnClose:    func(reason string, _ error) { closed <- reason },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("transport:", sock.Transport())
	_ = sock.Send([]engineio.Message{{Data: []byte("hello")}, {Data: []byte{1, 2, 3}, Binary: true}}, engineio.SendOptions{})
	for range 2 {
		m := <-echoes
		fmt.Printf("echo: %q binary=%v\n", m.Data, m.Binary)
	}
	sock.Close()
	fmt.Println("closed:", <-closed)
	// Output:
	// transport: websocket
	// echo: "hello" binary=false
	// echo: "\x01\x02\x03" binary=true
	// closed: forced close
}
