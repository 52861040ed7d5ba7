package client

import (
	"fmt"
	"reflect"
	"slices"
)

// On registers handler for event. handler is a func whose parameters receive the event's
// arguments in order, decoded from JSON (a []byte parameter receives a binary
// attachment; a client.Args parameter, last, receives the remaining arguments undecoded;
// a trailing func parameter is the ack callback: calling it answers the server). It may
// return an error, which is logged. Arguments that do not fit are logged as an
// *ArgsError and the handler is not called.
//
// The reserved events take: "connect" func(), "disconnect" func(reason string),
// "connect_error" func(err error) (see OnConnect, OnDisconnect, OnConnectError).
//
// On panics if handler is not such a func (a programming error). Node: socket.on.
func (s *Socket) On(event string, handler any) { s.on(event, handler, false) }

// Once is On for one call. Node: socket.once.
func (s *Socket) Once(event string, handler any) { s.on(event, handler, true) }

// Off removes handler from event, or every handler of event when handler is nil.
// Handlers are compared by function pointer. Node: socket.off.
func (s *Socket) Off(event string, fn any) {
	var ptr uintptr
	if fn != nil {
		ptr = reflect.ValueOf(fn).Pointer()
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	drop := func(h *handler) bool { return fn == nil || h.ptr == ptr }
	if list := s.reservedList(event); list != nil {
		*list = slices.DeleteFunc(*list, drop)
		return
	}
	s.handlers[event] = slices.DeleteFunc(s.handlers[event], drop)
	if len(s.handlers[event]) == 0 {
		delete(s.handlers, event)
	}
}

func (s *Socket) reservedList(event string) *[]*handler {
	switch event {
	case "connect":
		return &s.connectL
	case "connect_error":
		return &s.connectErrL
	case "disconnect":
		return &s.disconnL
	}
	return nil
}

func (s *Socket) on(event string, fn any, once bool) {
	h, err := newHandler(fn)
	if err != nil {
		panic(err)
	}
	h.once = once
	want := map[string]reflect.Type{
		"connect":       reflect.TypeFor[func()](),
		"disconnect":    reflect.TypeFor[func(string)](),
		"connect_error": reflect.TypeFor[func(error)](),
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	switch event {
	case "connect", "disconnect", "connect_error":
		t := reflect.TypeOf(fn)
		if t != want[event] && !(t.NumIn() == 0 && t.NumOut() == 0) {
			panic(fmt.Sprintf("client: handler for %q must be a %s, got %s", event, want[event], t))
		}
		l := s.reservedList(event)
		*l = append(*l, h)
	default:
		s.handlers[event] = append(s.handlers[event], h)
	}
}

// OnConnect registers fn for "connect": the socket connected (or reconnected) to its
// namespace.
func (s *Socket) OnConnect(fn func()) { s.On("connect", fn) }

// OnDisconnect registers fn for "disconnect", with socket.io-client's reason: "io server
// disconnect", "io client disconnect", "ping timeout", "transport close", "transport
// error", "parse error" or "forced close" (see the Reason constants).
func (s *Socket) OnDisconnect(fn func(reason string)) { s.On("disconnect", fn) }

// OnConnectError registers fn for "connect_error": the server refused the namespace
// (a *ConnectError, see errors.As; the socket will not reconnect by itself) or a
// connection attempt failed (the Manager retries).
func (s *Socket) OnConnectError(fn func(err error)) { s.On("connect_error", fn) }

// OnAny registers fn for every incoming event, called before the event's handlers.
// Node: socket.onAny.
func (s *Socket) OnAny(fn func(event string, args Args)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyL = append(s.anyL, anyListener{fn, reflect.ValueOf(fn).Pointer()})
}

// PrependAny is OnAny, called before the listeners already registered. Node: prependAny.
func (s *Socket) PrependAny(fn func(event string, args Args)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyL = append([]anyListener{{fn, reflect.ValueOf(fn).Pointer()}}, s.anyL...)
}

// OffAny removes fn, or every any-listener when fn is nil. Node: socket.offAny.
func (s *Socket) OffAny(fn func(event string, args Args)) {
	var ptr uintptr
	if fn != nil {
		ptr = reflect.ValueOf(fn).Pointer()
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyL = slices.DeleteFunc(s.anyL, func(l anyListener) bool { return fn == nil || l.ptr == ptr })
}

// OnAnyOutgoing registers fn for every event sent to the server, called when the packet
// is handed to the connection (args must not be modified). Node: socket.onAnyOutgoing.
func (s *Socket) OnAnyOutgoing(fn func(event string, args []any)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyOutL = append(s.anyOutL, anyOutListener{fn, reflect.ValueOf(fn).Pointer()})
}

// PrependAnyOutgoing is OnAnyOutgoing, called before the listeners already registered.
func (s *Socket) PrependAnyOutgoing(fn func(event string, args []any)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyOutL = append([]anyOutListener{{fn, reflect.ValueOf(fn).Pointer()}}, s.anyOutL...)
}

// OffAnyOutgoing removes fn, or every outgoing listener when fn is nil.
func (s *Socket) OffAnyOutgoing(fn func(event string, args []any)) {
	var ptr uintptr
	if fn != nil {
		ptr = reflect.ValueOf(fn).Pointer()
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyOutL = slices.DeleteFunc(s.anyOutL, func(l anyOutListener) bool { return fn == nil || l.ptr == ptr })
}
