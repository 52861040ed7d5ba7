package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

// chatServer is a minimal server for the chat protocol of examples/chat: login, user
// joined, new message relayed to the room, join with an answer.
func chatServer(t *testing.T) string {
	io, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	names := map[string]string{}
	rooms := map[string]string{}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("add user", func(name string) {
			mu.Lock()
			names[s.ID()], rooms[s.ID()] = name, "general"
			n := len(names)
			mu.Unlock()
			s.Join("room:general")
			_ = s.Emit("login", loginReply{NumUsers: n, Room: "general"})
			_ = s.Broadcast().Emit("user joined", presence{Username: name, NumUsers: n})
		})
		s.On("new message", func(text string) {
			mu.Lock()
			m := chatMessage{Username: names[s.ID()], Message: text, Room: rooms[s.ID()]}
			mu.Unlock()
			_ = s.To("room:"+m.Room).Emit("new message", m)
		})
		s.On("join", func(room string, ack func(joinReply)) {
			mu.Lock()
			_, ok := names[s.ID()]
			mu.Unlock()
			if !ok {
				ack(joinReply{Error: "pick a nickname first"})
				return
			}
			if room == "" {
				ack(joinReply{Error: "a room needs a name"})
				return
			}
			mu.Lock()
			old := rooms[s.ID()]
			rooms[s.ID()] = room
			mu.Unlock()
			s.Leave("room:" + old)
			s.Join("room:" + room)
			ack(joinReply{Room: room, NumUsers: 1})
		})
		s.OnDisconnect(func(socketio.DisconnectReason) {
			mu.Lock()
			name := names[s.ID()]
			delete(names, s.ID())
			n := len(names)
			mu.Unlock()
			_ = io.Emit("user left", presence{Username: name, NumUsers: n})
		})
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	})
	return ts.URL
}

// output collects what run prints and lets the test wait for a line.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until line has been printed, woken by each write.
func (o *output) waitFor(t *testing.T, line string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		o.mu.Lock()
		found := strings.Contains(o.buf.String(), line+"\n")
		changed := o.changed
		o.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no line %q in output:\n%s", line, o.String())
		}
	}
}

type user struct {
	in   *io.PipeWriter
	out  *output
	done chan error
}

func startUser(t *testing.T, url, name string) *user {
	r, w := io.Pipe()
	u := &user{in: w, out: newOutput(), done: make(chan error, 1)}
	go func() { // ends when the user's input is closed
		u.done <- run(context.Background(), url, name, r, u.out, &client.Options{ForceNew: true})
	}()
	t.Cleanup(func() {
		_ = w.Close()
		if err := <-u.done; err != nil {
			t.Errorf("%s: run: %v", name, err)
		}
	})
	return u
}

func (u *user) say(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(u.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

func TestChatCLI(t *testing.T) {
	url := chatServer(t)
	alice := startUser(t, url, "alice")
	alice.out.waitFor(t, "* welcome, alice: you are in #general, 1 user")
	bob := startUser(t, url, "bob")
	bob.out.waitFor(t, "* welcome, bob: you are in #general, 2 users")
	alice.out.waitFor(t, "* bob joined (2 users)")

	alice.say(t, "hello bob")
	alice.out.waitFor(t, "[#general] alice: hello bob")
	bob.out.waitFor(t, "[#general] alice: hello bob")

	bob.say(t, "/join")
	bob.out.waitFor(t, "* join refused: a room needs a name")
	bob.say(t, "/join games")
	bob.out.waitFor(t, "* you are in #games, 1 user")
	bob.say(t, "anyone?")
	bob.out.waitFor(t, "[#games] bob: anyone?")

	bob.say(t, "/quit")
	if err := <-bob.done; err != nil {
		t.Fatal(err)
	}
	bob.done <- nil // for the cleanup
	alice.out.waitFor(t, "* bob left (1 user)")
	if strings.Contains(alice.out.String(), "anyone?") {
		t.Fatal("alice got a message of another room")
	}
}

func TestChatCLINeedsName(t *testing.T) {
	if err := run(context.Background(), "http://127.0.0.1:1", " ", strings.NewReader(""), io.Discard, nil); err == nil {
		t.Fatal("run accepted an empty nickname")
	}
}

// Lines typed before the login is answered wait for it: the server ignores users who
// have not logged in.
func TestChatCLILinesWaitForLogin(t *testing.T) {
	url := chatServer(t)
	carol := startUser(t, url, "carol")
	carol.say(t, "/join early")
	carol.out.waitFor(t, "* you are in #early, 1 user")
	carol.say(t, "/quit")
	if err := <-carol.done; err != nil {
		t.Fatal(err)
	}
	carol.done <- nil
}
