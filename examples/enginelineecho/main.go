// Command enginelineecho is a line echo service built on the engine alone (package engineio,
// no socket.io): the server uppercases every message it receives and sends it back; the
// client sends each line of its input as one message and prints the answers.
//
// Run both in one process (the server listens on a free local port, the client reads stdin):
//
//	go run ./enginelineecho
//
// or separately:
//
//	go run ./enginelineecho -listen 127.0.0.1:3000
//	go run ./enginelineecho -connect http://127.0.0.1:3000 -transports websocket
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

func main() {
	listen := flag.String("listen", "", "only serve, on this address (host:port)")
	connect := flag.String("connect", "", "only connect, to this server URL (http://host:port)")
	transports := flag.String("transports", "", "client transports, comma separated (default polling,websocket)")
	protocol := flag.Int("protocol", 4, "engine.io protocol revision of the client: 4, or 3")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var err error
	switch {
	case *listen != "":
		err = serve(ctx, *listen)
	default:
		url := *connect
		if url == "" {
			var shutdown func()
			url, shutdown, err = startServer("127.0.0.1:0")
			if err != nil {
				break
			}
			defer shutdown()
		}
		opts := &engineio.DialOptions{Protocol: *protocol}
		if *transports != "" {
			opts.Transports = strings.Split(*transports, ",")
		}
		err = runClient(ctx, url, opts, os.Stdin, os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// newServer returns the uppercasing engine.io server.
func newServer() (*engineio.Server, error) {
	srv, err := engineio.NewServer(nil)
	if err != nil {
		return nil, err
	}
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(m engineio.Message) {
			if !m.Binary {
				m.Data = []byte(strings.ToUpper(string(m.Data)))
			}
			_ = s.Send([]engineio.Message{m}, engineio.SendOptions{})
		})
	})
	return srv, nil
}

// startServer serves on addr in the background; shutdown stops it.
func startServer(addr string) (url string, shutdown func(), err error) {
	srv, err := newServer()
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv}
	done := make(chan struct{})
	go func() { // stopped by hs.Shutdown in shutdown
		defer close(done)
		_ = hs.Serve(l)
	}()
	return "http://" + l.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
		<-done
	}, nil
}

// serve runs the server until ctx ends.
func serve(ctx context.Context, addr string) error {
	url, shutdown, err := startServer(addr)
	if err != nil {
		return err
	}
	defer shutdown()
	log.Printf("serving engine.io on %s/engine.io/", url)
	<-ctx.Done()
	return ctx.Err()
}

// runClient sends every line of in as one message and writes each answer to out, one per
// line, until in ends and every answer has arrived.
func runClient(ctx context.Context, url string, opts *engineio.DialOptions, in io.Reader, out io.Writer) error {
	answers := make(chan string, 64)
	closed := make(chan error, 1)
	opts.OnMessage = func(m engineio.Message) { answers <- string(m.Data) }
	opts.OnClose = func(reason string, cause error) {
		closed <- fmt.Errorf("connection closed: %s (%v)", reason, cause)
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sock, err := engineio.Dial(dialCtx, url, opts)
	if err != nil {
		return err
	}
	defer sock.Close()

	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if err := sock.Send([]engineio.Message{{Data: []byte(sc.Text())}}, engineio.SendOptions{}); err != nil {
			return err
		}
		select {
		case a := <-answers:
			fmt.Fprintln(out, a)
		case err := <-closed:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return sc.Err()
}
