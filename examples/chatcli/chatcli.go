package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/client"
)

// The chat's payloads (examples/chat).
type (
	loginReply struct {
		NumUsers int    `json:"numUsers"`
		Room     string `json:"room"`
	}
	presence struct {
		Username string `json:"username"`
		NumUsers int    `json:"numUsers"`
	}
	chatMessage struct {
		Username string `json:"username"`
		Message  string `json:"message"`
		Room     string `json:"room"`
	}
	typing struct {
		Username string `json:"username"`
	}
	roomMove struct {
		Username string `json:"username"`
		Room     string `json:"room"`
	}
	joinReply struct {
		Room     string `json:"room"`
		NumUsers int    `json:"numUsers"`
		Error    string `json:"error"`
	}
	roomInfo struct {
		Name     string `json:"name"`
		NumUsers int    `json:"numUsers"`
	}
)

// joinTimeout bounds the wait for the server's answer to /join.
const joinTimeout = 5 * time.Second

// printer writes lines from the input loop and from the client's dispatcher.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// run connects to the chat at url as name, sends the lines of in and prints the chat to
// out until in ends, "/quit" is read, or ctx ends.
func run(ctx context.Context, url, name string, in io.Reader, out io.Writer, opts *client.Options) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("pick a nickname with -name")
	}
	var o client.Options
	if opts != nil {
		o = *opts
	}
	o.AutoConnect = new(false) // listeners first, then Connect: no event can be missed
	s, err := client.Connect(url, &o)
	if err != nil {
		return err
	}
	defer s.Manager().Close()
	p := &printer{w: out}
	// The server ignores a user who has not logged in ("add user", sent at each
	// connection): lines wait until the login is answered.
	var mu sync.Mutex
	room := "general"
	loggedIn := make(chan struct{}) // closed at login, replaced at disconnection
	setRoom := func(r string) { mu.Lock(); room = r; mu.Unlock() }
	getRoom := func() string { mu.Lock(); defer mu.Unlock(); return room }

	s.OnConnect(func() { _ = s.Emit("add user", name) }) // on every (re)connection
	s.OnConnectError(func(err error) { p.printf("* cannot connect: %v (retrying)", err) })
	s.OnDisconnect(func(reason string) {
		mu.Lock()
		select {
		case <-loggedIn:
			loggedIn = make(chan struct{})
		default:
		}
		mu.Unlock()
		p.printf("* disconnected: %s", reason)
	})
	s.On("login", func(r loginReply) {
		mu.Lock()
		room = r.Room
		select {
		case <-loggedIn:
		default:
			close(loggedIn)
		}
		mu.Unlock()
		p.printf("* welcome, %s: you are in #%s, %s", name, r.Room, users(r.NumUsers))
	})
	s.On("new message", func(m chatMessage) { p.printf("[#%s] %s: %s", m.Room, m.Username, m.Message) })
	s.On("user joined", func(u presence) { p.printf("* %s joined (%s)", u.Username, users(u.NumUsers)) })
	s.On("user left", func(u presence) { p.printf("* %s left (%s)", u.Username, users(u.NumUsers)) })
	s.On("typing", func(u typing) { p.printf("* %s is typing", u.Username) })
	s.On("user entered room", func(m roomMove) { p.printf("* %s entered #%s", m.Username, m.Room) })
	s.On("user left room", func(m roomMove) { p.printf("* %s left #%s", m.Username, m.Room) })
	s.On("rooms", func(rs []roomInfo) {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("#%s (%d)", r.Name, r.NumUsers)
		}
		p.printf("* rooms: %s", strings.Join(parts, ", "))
	})

	s.Connect()

	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	// The reader ends at the end of in, or at its next line after run returned; run does
	// not wait for it, since a terminal's read cannot be interrupted.
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		mu.Lock()
		ready := loggedIn
		mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		}
		var line string
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case line = <-lines:
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case line == "/quit":
			return nil
		case strings.HasPrefix(line, "/join"):
			target := strings.TrimSpace(strings.TrimPrefix(line, "/join"))
			jctx, cancel := context.WithTimeout(ctx, joinTimeout)
			a, err := s.EmitWithAck(jctx, "join", target)
			cancel()
			var r joinReply
			if err == nil {
				err = a.Decode(0, &r)
			}
			switch {
			case err != nil:
				p.printf("* join failed: %v", err)
			case r.Error != "":
				p.printf("* join refused: %s", r.Error)
			default:
				setRoom(r.Room)
				p.printf("* you are in #%s, %s", r.Room, users(r.NumUsers))
			}
		default:
			_ = s.Emit("new message", line)
			p.printf("[#%s] %s: %s", getRoom(), name, line)
		}
	}
}

func users(n int) string {
	if n == 1 {
		return "1 user"
	}
	return fmt.Sprintf("%d users", n)
}
