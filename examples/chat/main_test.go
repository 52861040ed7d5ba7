package main

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/gosockio/gosockio/socketio"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startTest starts the chat on a free port and shuts it down at the end of the test.
func startTest(t *testing.T, opts *socketio.Options) *app {
	t.Helper()
	a, err := start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := a.shutdown(ctx); err != nil && !errors.Is(err, socketio.ErrServerClosed) {
			t.Errorf("shutdown: %v", err)
		}
	})
	return a
}

// The demo's conversation, with rooms, between three users on raw websockets.
func TestChat(t *testing.T) {
	a := startTest(t, nil)

	alice := dialPeer(t, a.url, "alice")
	if got := alice.login(); got != (loginReply{NumUsers: 1, Room: "general"}) {
		t.Errorf("alice's login = %+v, want 1 user in general", got)
	}

	bob := dialPeer(t, a.url, "bob")
	if got := bob.login(); got != (loginReply{NumUsers: 2, Room: "general"}) {
		t.Errorf("bob's login = %+v, want 2 users in general", got)
	}
	var joined presence
	alice.waitFor("user joined", &joined)
	if joined != (presence{Username: "bob", NumUsers: 2}) {
		t.Errorf("alice got user joined %+v, want bob and 2 users", joined)
	}

	// Messages go to the others, not back to the sender.
	alice.emit(-1, "new message", "hello bob")
	var msg chatMessage
	bob.waitFor("new message", &msg)
	if msg != (chatMessage{Username: "alice", Message: "hello bob", Room: "general"}) {
		t.Errorf("bob got %+v", msg)
	}

	bob.emit(-1, "typing")
	var typer typing
	alice.notIn(alice.waitFor("typing", &typer), "new message")
	if typer.Username != "bob" {
		t.Errorf("typing from %q, want bob", typer.Username)
	}
	bob.emit(-1, "stop typing")
	alice.waitFor("stop typing", &typer)
	if typer.Username != "bob" {
		t.Errorf("stop typing from %q, want bob", typer.Username)
	}

	carol := dialPeer(t, a.url, "carol")
	carol.login()
	alice.waitFor("user joined", &joined)
	bob.waitFor("user joined", &joined)

	// alice moves to #games: the others see her leave general, and the room list.
	if got, _ := alice.join(1, " #Games "); got != (joinReply{Room: "games", NumUsers: 1}) {
		t.Errorf("alice's join = %+v, want games with 1 user", got)
	}
	var moved roomMove
	bob.waitFor("user left room", &moved)
	if moved != (roomMove{Username: "alice", Room: "general"}) {
		t.Errorf("bob got user left room %+v", moved)
	}
	var rooms []roomInfo
	bob.waitFor("rooms", &rooms)
	if want := []roomInfo{{"games", 1}, {"general", 2}}; !slices.Equal(rooms, want) {
		t.Errorf("rooms = %+v, want %+v", rooms, want)
	}

	// Rooms are isolated: general's message reaches carol, not alice; games' reaches no one.
	bob.emit(-1, "new message", "general only")
	carol.waitFor("new message", &msg)
	if msg != (chatMessage{Username: "bob", Message: "general only", Room: "general"}) {
		t.Errorf("carol got %+v", msg)
	}
	bob.emit(-1, "typing")
	carol.waitFor("typing", &typer)
	alice.emit(-1, "new message", "games only")
	alice.emit(-1, "typing")
	if got, _ := alice.join(2, "games"); got != (joinReply{Room: "games", NumUsers: 1}) {
		t.Errorf("alice's second join = %+v, want games with 1 user", got)
	}

	// bob follows alice. Nothing said before crossed rooms: it would have arrived before
	// the events of the join, or before the next message.
	reply, skipped := bob.join(3, "games")
	if reply != (joinReply{Room: "games", NumUsers: 2}) {
		t.Errorf("bob's join = %+v, want games with 2 users", reply)
	}
	bob.notIn(skipped, "new message", "typing")
	skipped = alice.waitFor("user entered room", &moved)
	if moved != (roomMove{Username: "bob", Room: "games"}) {
		t.Errorf("alice got user entered room %+v", moved)
	}
	alice.notIn(skipped, "new message", "typing")
	alice.emit(-1, "new message", "hi bob")
	bob.notIn(bob.waitFor("new message", &msg), "typing")
	if msg != (chatMessage{Username: "alice", Message: "hi bob", Room: "games"}) {
		t.Errorf("bob's first message in games = %+v, want alice's hi bob", msg)
	}
	carol.emit(-1, "new message", "still here")
	var left roomMove
	carol.notIn(carol.waitFor("user left room", &left), "new message")
	if left != (roomMove{Username: "bob", Room: "general"}) {
		t.Errorf("carol got user left room %+v", left)
	}

	// bob goes away: everyone else hears it, with the new number of users.
	_ = bob.ws.Close(websocket.StatusNormalClosure, "")
	for _, p := range []*peer{alice, carol} {
		var gone presence
		p.waitFor("user left", &gone)
		if gone != (presence{Username: "bob", NumUsers: 2}) {
			p.t.Errorf("%s got user left %+v, want bob and 2 users", p.name, gone)
		}
		p.waitFor("rooms", &rooms)
		if want := []roomInfo{{"games", 1}, {"general", 1}}; !slices.Equal(rooms, want) {
			t.Errorf("%s: rooms = %+v, want %+v", p.name, rooms, want)
		}
	}

	// Shutdown disconnects the users left (and waits for their close frames: read them).
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- a.shutdown(ctx) }() // returns when the peers are closed, or at ctx's end
	for _, p := range []*peer{alice, carol} {
		p.expectClosed()
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
