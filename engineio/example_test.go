package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

// An echo server: every message a client sends comes back to it.
func ExampleNewServer() {
	srv, err := engineio.NewServer(&engineio.Options{PingInterval: 10 * time.Second})
	if err != nil {
		panic(err)
	}
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(m engineio.Message) {
			_ = s.Send([]engineio.Message{m}, engineio.SendOptions{})
		})
		s.OnClose(func(reason string, cause error) {
			fmt.Println("closed:", reason)
		})
	})
	ts := httptest.NewServer(srv) // or http.Handle("/engine.io/", srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	// A protocol v4 polling client by hand: handshake, send, receive, close.
	client := &http.Client{}
	defer client.CloseIdleConnections()
	body := func(res *http.Response, err error) string {
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	open := body(client.Get(ts.URL + "/engine.io/?EIO=4&transport=polling"))
	sid := open[len(`0{"sid":"`):strings.Index(open, `","upgrades`)]
	url := ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid
	fmt.Println(body(client.Post(url, "text/plain", strings.NewReader("4hello\x1ebAQID"))))
	fmt.Printf("%q\n", body(client.Get(url)))
	fmt.Println(body(client.Post(url, "text/plain", strings.NewReader("1"))))
	// Output:
	// ok
	// "4hello\x1ebAQID"
	// closed: transport close
	// ok
}

// Sending to a socket from outside its callbacks, with a volatile message that is dropped
// when the client is not ready for it.
func ExampleSocket_Send() {
	srv, _ := engineio.NewServer(nil)
	sockets := make(chan *engineio.Socket, 1)
	srv.OnConnection(func(s *engineio.Socket) { sockets <- s })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	res, _ := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	res.Body.Close()
	s := <-sockets
	err := s.Send([]engineio.Message{{Data: []byte("tick")}}, engineio.SendOptions{Volatile: true})
	fmt.Println(err)
	err = s.Send([]engineio.Message{{Data: []byte("news")}, {Data: []byte{1, 2}, Binary: true}}, engineio.SendOptions{})
	fmt.Println(err)
	// Output:
	// engineio: volatile message dropped
	// <nil>
}

// Watching a session move from polling to websocket (Node: socket.on("upgrade")); the
// client is this package's Dial, which upgrades by default.
func ExampleSocket_OnUpgrade() {
	srv, _ := engineio.NewServer(nil)
	upgraded := make(chan string, 1)
	srv.OnConnection(func(s *engineio.Socket) {
		fmt.Println("connected over", s.Transport())
		s.OnUpgrade(func(transport string) { upgraded <- transport })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	c, err := engineio.Dial(context.Background(), ts.URL, nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println("upgraded to", <-upgraded)
	// Output:
	// connected over polling
	// upgraded to websocket
}
