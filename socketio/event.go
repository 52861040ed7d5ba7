package socketio

// Event is an incoming event as per-packet middleware (Socket.Use) sees it. A middleware
// may change Name and Args; the handlers see the change. Node: the event array passed to
// socket.use().
type Event struct {
	// Name is the event name.
	Name string
	// Args are the arguments after the name.
	Args Args
	// Ack sends the acknowledgement the peer asked for; nil when it asked for none. Only
	// the first call sends.
	Ack func(args ...any)
}

// PacketMiddleware runs for each incoming event of one socket, in registration order,
// on the socket's read path, before the event's handlers. Returning an error stops the
// event: its handlers are not called and the socket's "error" listeners receive the
// error. Node: socket.use(fn) where fn(event, next) calls next(err); here returning is
// next, which keeps events in order.
type PacketMiddleware func(ev *Event) error

// Middleware runs when a socket connects to a namespace, in registration order, before
// the connection handlers. Returning an error refuses the connection: the client gets
// a CONNECT_ERROR (see ConnectError). It runs on the connection's read path; a slow
// middleware delays only that connection. Node: namespace.use(fn) where fn(socket, next)
// calls next(err).
type Middleware func(s *Socket) error
