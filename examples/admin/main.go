// Command admin serves a socket.io server instrumented for the Socket.IO Admin UI
// (package admin): open https://admin.socket.io (or the UI from @socket.io/admin-ui's
// ui/dist folder, served from the origin given with -origin), enter this server's URL,
// the user name and the password, and watch the sockets, rooms and events.
//
// The server joins every socket to the room "lobby", and to the room named by its
// handshake query ?room=…; event "echo" is answered with its argument. Rooms live in the
// in-memory adapter (the default).
//
//	go run ./admin -addr 127.0.0.1:3000 -user admin -password changeit
//	node -e 'require("socket.io-client").io("http://127.0.0.1:3000?room=blue")'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/admin"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "address to serve on (host:port)")
	user := flag.String("user", "admin", "admin UI user name")
	password := flag.String("password", "", "admin UI password (required; hashed with bcrypt at start)")
	origin := flag.String("origin", "https://admin.socket.io", "origin of the admin UI page (CORS)")
	readonly := flag.Bool("readonly", false, "refuse the UI's commands (join, leave, disconnect, emit)")
	flag.Parse()
	if *password == "" {
		log.Fatal("admin: -password is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, config{user: *user, password: *password, origin: *origin, readonly: *readonly}); err != nil {
		log.Fatal(err)
	}
}

// config is what the flags set.
type config struct {
	user, password, origin string
	readonly               bool
}

// serve runs the server on addr until ctx ends.
func serve(ctx context.Context, addr string, cfg config) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	io, in, err := newServer(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer in.Close()
	hs := &http.Server{Handler: io, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("admin: socket.io on http://%s (admin UI user %q, UI origin %s)\n", ln.Addr(), cfg.user, cfg.origin)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }() // ends when hs shuts down below
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = in.Close()
	_ = io.Close(sctx)
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer returns the socket.io server, with CORS for the UI's origin, instrumented.
func newServer(cfg config) (*socketio.Server, *admin.Instrumentation, error) {
	io, err := socketio.NewServer(&socketio.Options{Options: engineio.Options{
		// The UI runs on another origin and connects with credentials.
		CORS: &engineio.CORSOptions{Origins: []string{cfg.origin}, Credentials: true},
	}})
	if err != nil {
		return nil, nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		if room := s.Handshake().Query.Get("room"); room != "" {
			s.Join(room)
		}
		s.On("echo", func(msg string, ack func(string)) { ack(msg) })
	})
	hash, err := bcrypt.GenerateFromPassword([]byte(cfg.password), bcrypt.DefaultCost)
	if err != nil {
		return nil, nil, fmt.Errorf("admin: hash the password: %w", err)
	}
	in, err := admin.Instrument(io, &admin.Options{
		Auth:     &admin.BasicAuth{Username: cfg.user, Password: string(hash)},
		ReadOnly: cfg.readonly,
	})
	if err != nil {
		return nil, nil, err
	}
	return io, in, nil
}
