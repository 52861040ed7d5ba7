package adapter

import (
	"context"

	"github.com/gosockio/gosockio/parser"
)

// Adapter keeps the room membership of one namespace and decides who receives a
// broadcast. Node: the Adapter class of socket.io-adapter.
//
// One adapter serves one namespace; the namespace creates it through a Factory and
// calls Close when the namespace goes away. All methods must be safe for concurrent use.
// Methods that reach local sockets do so through the Namespace the adapter was built
// with, never while holding a lock the namespace may need (a socket that is closed while
// delivering leaves its rooms by calling DelAll).
//
// The interface grows only by optional interfaces found by type assertion
// (see ServerSideEmitterWithAck), so existing implementations keep compiling.
type Adapter interface {
	// Close releases the adapter's resources (cluster subscriptions, timers). Node: close.
	Close() error

	// ServerCount returns the number of socket.io servers in the cluster, this one
	// included (1 for the in-memory adapter). Node: serverCount.
	ServerCount(ctx context.Context) (int, error)

	// AddAll adds socket id to rooms. Node: addAll.
	AddAll(id string, rooms []string)
	// Del removes socket id from room. Node: del.
	Del(id, room string)
	// DelAll removes socket id from every room and forgets it. Node: delAll.
	DelAll(id string)

	// Broadcast sends p to the recipients opts selects. p is encoded once and the same
	// frames go to every recipient. The adapter must not modify p or keep it after the
	// call (it may keep a copy, for example for connection state recovery).
	// Node: broadcast.
	Broadcast(p *parser.Packet, opts *BroadcastOptions) error
	// BroadcastWithAck is Broadcast for a packet that expects an acknowledgement from
	// each recipient: it sets the packet's ack id (p.ID and p.HasID, the only
	// change it makes to p), calls clientCount once per server with
	// the number of sockets reached there, and ack once per answer. Node: broadcastWithAck.
	BroadcastWithAck(p *parser.Packet, opts *BroadcastOptions, clientCount func(int), ack func(*AckPacket)) error

	// Sockets returns the ids of the sockets in any of rooms (all sockets when rooms is
	// empty). Node: sockets.
	Sockets(ctx context.Context, rooms []string) ([]string, error)
	// SocketRooms returns the rooms socket id is in (a copy), or nil for an unknown
	// socket. Node: socketRooms.
	SocketRooms(id string) []string
	// Rooms returns the names of all rooms known locally (a copy). Node: adapter.rooms.
	Rooms() []string

	// FetchSockets returns the details of the sockets opts selects. Node: fetchSockets.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]SocketDetails, error)
	// AddSockets makes the sockets opts selects join rooms. Node: addSockets.
	AddSockets(opts *BroadcastOptions, rooms []string)
	// DelSockets makes the sockets opts selects leave rooms. Node: delSockets.
	DelSockets(opts *BroadcastOptions, rooms []string)
	// DisconnectSockets disconnects the sockets opts selects; close also closes their
	// engine connections. Node: disconnectSockets.
	DisconnectSockets(opts *BroadcastOptions, close bool)

	// ServerSideEmit sends an event (args[0] is its name) to the other servers of the
	// cluster; each receives it through Namespace.ServerSideEvent. The in-memory adapter
	// has no other server and does nothing. Node: serverSideEmit.
	ServerSideEmit(args []any) error

	// PersistSession stores the state of a socket that lost its connection, for
	// connection state recovery. Adapters without recovery ignore it. Node: persistSession.
	PersistSession(s *Session)
	// RestoreSession returns the session stored under pid with the packets broadcast
	// after offset that the session's socket should have received, or (nil, nil) when
	// there is none (unknown or expired session, unknown offset). Node: restoreSession.
	RestoreSession(ctx context.Context, pid, offset string) (*Session, error)
}

// ServerSideEmitterWithAck is implemented by cluster adapters that can collect answers
// to a server-side emit. Node: serverSideEmit with a trailing callback.
type ServerSideEmitterWithAck interface {
	// ServerSideEmitWithAck sends the event to the other servers and returns one
	// answer per server, or an error when ctx ends first (with the answers so far).
	ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error)
}

// Factory makes the adapter of a namespace. socketio calls it once per namespace.
// Node: the server's "adapter" option (a constructor).
type Factory func(nsp Namespace, cfg *Config) (Adapter, error)

// Config is what an adapter gets from the server besides its namespace.
type Config struct {
	// Encoder encodes broadcast packets; it is the server's parser's encoder.
	Encoder parser.Encoder
	// Recovery is the connection state recovery setting; nil when recovery is off.
	Recovery *RecoveryConfig
}

// AckPacket is one socket's acknowledgement: the payload of its ACK packet, a JSON array
// (a json.RawMessage, binary placeholders left in) with its attachments. Cluster
// adapters may instead put a decoded []any in Data.
type AckPacket = parser.Packet
