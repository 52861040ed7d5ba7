package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gosockio/gosockio/socketio"
)

const (
	// defaultRoom is where users land after picking a nickname.
	defaultRoom = "general"
	// Limits on what users send: longer names and messages are cut, longer room names
	// refused.
	maxNameRunes    = 14 // the classic page's maxlength
	maxRoomRunes    = 24
	maxMessageRunes = 2000
	// roomPrefix keeps chat rooms apart from the rooms socket.io makes for each socket id:
	// a user who joins a room named like someone's id must not read their private packets.
	roomPrefix = "room:"
	// usersRoom holds the sockets that picked a nickname: the others (a page still on the
	// nickname form) hear nothing.
	usersRoom = "users"
)

// The payloads, as the Node demo sends them (plus the room fields this version adds).
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
		Room     string `json:"room,omitempty"`
		NumUsers int    `json:"numUsers,omitempty"`
		Error    string `json:"error,omitempty"`
	}
	roomInfo struct {
		Name     string `json:"name"`
		NumUsers int    `json:"numUsers"`
	}
)

// user is a socket that has picked a nickname.
type user struct {
	name string
	room string
}

// chat is the state of the demo: who is logged in and in which room.
//
// A change to the state happens under mu and returns the actions that report it (emits,
// room joins and leaves); do runs them outside mu, in the order of the changes, so every
// client sees the changes in one order. They must not run under mu: an emit that
// overflows a slow client's queue closes that client at once, in the emitting goroutine,
// and its "disconnect" handler changes the state in turn (see leave).
type chat struct {
	io *socketio.Server

	mu       sync.Mutex
	users    map[string]*user // by socket id
	outbox   []func()         // actions of the changes made so far, not run yet
	flushing bool             // a goroutine is running the outbox; others only add to it
}

func newChat(io *socketio.Server) *chat {
	c := &chat{io: io, users: make(map[string]*user)}
	io.OnConnection(c.onConnection)
	return c
}

// do applies change under mu and runs the actions it returns, with those of changes made
// meanwhile by other goroutines (or by the actions themselves), in order, outside mu.
func (c *chat) do(change func() []func()) {
	c.mu.Lock()
	c.outbox = append(c.outbox, change()...)
	if c.flushing {
		c.mu.Unlock()
		return // the flushing goroutine runs them next
	}
	c.flushing = true
	defer func() {
		if r := recover(); r != nil { // an action panicked: let the next change flush
			c.mu.Lock()
			c.flushing, c.outbox = false, nil
			c.mu.Unlock()
			panic(r)
		}
	}()
	for len(c.outbox) > 0 {
		batch := c.outbox
		c.outbox = nil
		c.mu.Unlock()
		for _, act := range batch {
			act()
		}
		c.mu.Lock()
	}
	c.flushing = false
	c.mu.Unlock()
}

// onConnection registers the demo's events on a new socket. Node's demo names them:
// "add user", "new message", "typing", "stop typing"; "join" is the room switch.
func (c *chat) onConnection(s *socketio.Socket) {
	s.On("add user", func(name string) { c.addUser(s, name) })
	s.On("new message", func(text string) { c.newMessage(s, text) })
	s.On("typing", func() { c.typing(s, "typing") })
	s.On("stop typing", func() { c.typing(s, "stop typing") })
	s.On("join", func(room string, ack func(joinReply)) { ack(c.join(s, room)) })
	s.OnDisconnect(func(socketio.DisconnectReason) { c.leave(s) })
}

// addUser logs the socket in under name, in the default room: it gets "login" with the
// number of users, the other users get "user joined", all of them the room list.
func (c *chat) addUser(s *socketio.Socket, name string) {
	name = clean(name, maxNameRunes)
	if name == "" {
		name = "anonymous"
	}
	c.do(func() []func() {
		if _, ok := c.users[s.ID()]; ok || !s.Connected() {
			return nil // logged in already (the Node demo ignores it too), or gone
		}
		c.users[s.ID()] = &user{name: name, room: defaultRoom}
		n := len(c.users)
		return []func(){
			func() { s.Join(usersRoom, roomPrefix+defaultRoom) },
			func() { _ = s.Emit("login", loginReply{NumUsers: n, Room: defaultRoom}) },
			func() { _ = s.To(usersRoom).Emit("user joined", presence{Username: name, NumUsers: n}) },
			c.roomsAction(),
		}
	})
}

// newMessage relays text to the other users of the sender's room.
func (c *chat) newMessage(s *socketio.Socket, text string) {
	text = clean(text, maxMessageRunes)
	if text == "" {
		return
	}
	c.do(func() []func() {
		u, ok := c.users[s.ID()]
		if !ok {
			return nil
		}
		msg := chatMessage{Username: u.name, Message: text, Room: u.room}
		return []func(){func() { _ = s.To(roomPrefix+msg.Room).Emit("new message", msg) }}
	})
}

// typing relays "typing" or "stop typing" to the other users of the sender's room.
func (c *chat) typing(s *socketio.Socket, event string) {
	c.do(func() []func() {
		u, ok := c.users[s.ID()]
		if !ok {
			return nil
		}
		t, room := typing{Username: u.name}, u.room
		return []func(){func() { _ = s.To(roomPrefix+room).Emit(event, t) }}
	})
}

// join moves the socket to room: the old room gets "stop typing" and "user left room", the
// new one "user entered room", every user the room list. The answer says where the user is
// now and how many users are there, or what was wrong.
func (c *chat) join(s *socketio.Socket, room string) joinReply {
	room, problem := roomName(room)
	if problem != "" {
		return joinReply{Error: problem}
	}
	var reply joinReply
	c.do(func() []func() {
		u, ok := c.users[s.ID()]
		if !ok {
			reply.Error = "pick a nickname first"
			return nil
		}
		old, name := u.room, u.name
		u.room = room
		reply = joinReply{Room: room, NumUsers: c.countIn(room)}
		if old == room {
			return nil
		}
		return []func(){
			func() { _ = s.To(roomPrefix+old).Emit("stop typing", typing{Username: name}) },
			func() { s.Leave(roomPrefix + old) },
			func() { s.Join(roomPrefix + room) },
			func() { _ = s.To(roomPrefix+old).Emit("user left room", roomMove{Username: name, Room: old}) },
			func() { _ = s.To(roomPrefix+room).Emit("user entered room", roomMove{Username: name, Room: room}) },
			c.roomsAction(),
		}
	})
	return reply
}

// leave forgets a disconnected user: the others get "user left" and the room list.
func (c *chat) leave(s *socketio.Socket) {
	c.do(func() []func() {
		u, ok := c.users[s.ID()]
		if !ok {
			return nil
		}
		delete(c.users, s.ID())
		left := presence{Username: u.name, NumUsers: len(c.users)}
		return []func(){
			// s has left its rooms already.
			func() { _ = c.io.To(usersRoom).Emit("user left", left) },
			c.roomsAction(),
		}
	})
}

// roomsAction returns the action that sends every user the rooms in use (the default
// one always) with their number of users, sorted by name. c.mu is held.
func (c *chat) roomsAction() func() {
	counts := map[string]int{defaultRoom: 0}
	for _, u := range c.users {
		counts[u.room]++
	}
	rooms := make([]roomInfo, 0, len(counts))
	for name, n := range counts {
		rooms = append(rooms, roomInfo{Name: name, NumUsers: n})
	}
	slices.SortFunc(rooms, func(a, b roomInfo) int { return cmp.Compare(a.Name, b.Name) })
	return func() { _ = c.io.To(usersRoom).Emit("rooms", rooms) }
}

// countIn returns the number of users in room. c.mu is held.
func (c *chat) countIn(room string) int {
	n := 0
	for _, u := range c.users {
		if u.room == room {
			n++
		}
	}
	return n
}

// roomName normalizes a room name (trimmed, a leading '#' dropped, lower case) and says
// what is wrong with it, if anything.
func roomName(s string) (name, problem string) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	switch {
	case s == "":
		return "", "a room needs a name: /join <name>"
	case utf8.RuneCountInString(s) > maxRoomRunes:
		return "", fmt.Sprintf("room names have at most %d characters", maxRoomRunes)
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return "", "room names are made of letters, digits, '-' and '_'"
		}
	}
	return s, ""
}

// clean trims s, turns control characters into spaces and cuts it to max runes.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max]))
	}
	return s
}
