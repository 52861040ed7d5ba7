package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// A user who stops reading is closed when its queue overflows, in the middle of another
// user's broadcast; the chat reports it gone and goes on (the state is not locked while
// emitting, or this would deadlock).
func TestSlowUserIsDropped(t *testing.T) {
	a := startTest(t, &socketio.Options{Options: engineio.Options{MaxQueuedMessages: 16}})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	alice := dialPeer(t, a.url, "alice")
	alice.login()
	slow := dialPolling(t, a.url, &http.Client{Transport: tr})
	slow.post("40")
	slow.post(`42["add user","slow"]`)
	var joined presence
	alice.waitFor("user joined", &joined)
	if joined != (presence{Username: "slow", NumUsers: 2}) {
		t.Fatalf("alice got user joined %+v", joined)
	}
	for range 20 {
		alice.emit(-1, "new message", "are you there?")
	}
	var left presence
	alice.waitFor("user left", &left)
	if left != (presence{Username: "slow", NumUsers: 1}) {
		t.Errorf("alice got user left %+v, want slow and 1 user", left)
	}
	// The chat still works.
	bob := dialPeer(t, a.url, "bob")
	if got := bob.login(); got.NumUsers != 2 {
		t.Errorf("bob's login = %+v, want 2 users", got)
	}
}

// Events before a nickname is picked are ignored, as in the Node demo, and such a socket
// hears nothing; a second "add user" is ignored too; bad room names are refused with a
// reason.
func TestBeforeLoginAndBadInput(t *testing.T) {
	a := startTest(t, nil)
	alice := dialPeer(t, a.url, "alice")
	bob := dialPeer(t, a.url, "bob")

	bob.emit(-1, "new message", "who am I?")
	bob.emit(-1, "typing")
	if got, _ := bob.join(1, "games"); got.Error != "pick a nickname first" {
		t.Errorf("join before login = %+v, want an error", got)
	}
	alice.login()
	bob.emit(-1, "add user", "bob")
	var login loginReply
	if skipped := bob.waitFor("login", &login); len(skipped) != 0 || login.NumUsers != 2 {
		t.Errorf("bob's login = %+v after %v, want 2 users and nothing before", login, skipped)
	}
	bob.emit(-1, "add user", "bob again")
	bob.emit(-1, "new message", 42) // not a string: skipped, the socket stays
	bob.emit(-1, "new message", "   ")
	for _, bad := range []string{"", "#", "no spaces", "a/b", strings.Repeat("x", 25)} {
		if got, _ := bob.join(2, bad); got.Error == "" || got.Room != "" {
			t.Errorf("join %q = %+v, want an error", bad, got)
		}
	}
	bob.emit(-1, "new message", "  first\nreal message  ")

	var msg chatMessage
	skipped := alice.waitFor("new message", &msg)
	if msg != (chatMessage{Username: "bob", Message: "first real message", Room: "general"}) {
		t.Errorf("alice's first message = %+v", msg)
	}
	for _, s := range skipped {
		if s != "user joined" && s != "rooms" {
			t.Errorf("alice received %q before bob's first message (events: %v)", s, skipped)
		}
	}
	if n := countOf(skipped, "user joined"); n != 1 {
		t.Errorf("alice received %d user joined, want 1 (events: %v)", n, skipped)
	}
}

func countOf(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

func TestRoomName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"games", "games"},
		{"  #Games ", "games"},
		{"été_2-0", "été_2-0"},
		{strings.Repeat("é", 24), strings.Repeat("é", 24)},
		{"", ""},
		{"#", ""},
		{"two words", ""},
		{"semi;colon", ""},
		{strings.Repeat("x", 25), ""},
	} {
		got, problem := roomName(tc.in)
		if got != tc.want || (got == "") != (problem != "") {
			t.Errorf("roomName(%q) = %q, %q; want %q", tc.in, got, problem, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"  hi  ", 10, "hi"},
		{"a\x00b\nc\td", 10, "a b c d"},
		{"bad \xff utf8", 20, "bad   utf8"},
		{"ééééé", 3, "ééé"},
		{"ab  cd", 3, "ab"},
		{"\n\t", 5, ""},
	} {
		if got := clean(tc.in, tc.max); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
