package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

// startServer runs a socketio server that greets and echoes, for the examples.
func startServer() (url string, stop func()) {
	io, _ := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("greeting", "welcome")
		s.On("echo", func(msg string, ack func(string)) { ack("echo: " + msg) })
	})
	ts := httptest.NewServer(io)
	return ts.URL, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	}
}

func ExampleConnect() {
	url, stop := startServer()
	defer stop()

	s, err := client.Connect(url, &client.Options{AutoConnect: new(false)})
	if err != nil {
		panic(err)
	}
	defer s.Manager().Close()
	done := make(chan struct{})
	s.On("greeting", func(msg string) {
		fmt.Println("server says:", msg)
		close(done)
	})
	s.Connect() // Connect returns at once; events come on the Manager's dispatcher
	<-done
	// Output: server says: welcome
}

func ExampleSocket_EmitWithAck() {
	url, stop := startServer()
	defer stop()

	s, _ := client.Connect(url, nil)
	defer s.Manager().Close()
	// Emits made before the connection completes wait in the offline buffer.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := s.Timeout(2*time.Second).EmitWithAck(ctx, "echo", "hello")
	if err != nil {
		panic(err)
	}
	var text string
	_ = answer.Decode(0, &text)
	fmt.Println(text)
	// Output: echo: hello
}

func ExampleSocket_Emit() {
	url, stop := startServer()
	defer stop()

	s, _ := client.Connect(url, nil)
	defer s.Manager().Close()
	got := make(chan string, 1)
	// A trailing func is the ack callback; with an error first it also learns of timeouts.
	_ = s.Timeout(2*time.Second).Emit("echo", "hi", func(err error, answer string) {
		if err != nil {
			got <- err.Error()
			return
		}
		got <- answer
	})
	fmt.Println(<-got)
	// Output: echo: hi
}
