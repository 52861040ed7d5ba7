package adapter

import "time"

// BroadcastFlags modify one broadcast. The zero value is Node's default (no flag set).
type BroadcastFlags struct {
	// Volatile: the packet may be dropped for a recipient whose connection is not writable
	// right now or whose queue is full. Default false (Node: flags.volatile).
	Volatile bool
	// Local: deliver to this server's sockets only, not to the rest of a cluster.
	// Default false (Node: flags.local).
	Local bool
	// Compress: whether to compress the packet (permessage-deflate). nil means true
	// (Node: flags.compress, default true).
	Compress *bool
	// Timeout bounds a broadcast with acknowledgements; zero means none was set
	// (Node: flags.timeout).
	Timeout time.Duration
	// ExpectSingleResponse marks a broadcast aimed at one socket (a RemoteSocket's emit);
	// the caller wants one answer, not a list (Node: flags.expectSingleResponse).
	ExpectSingleResponse bool
}

// NoCompress reports whether the flags turn compression off.
func (f BroadcastFlags) NoCompress() bool { return f.Compress != nil && !*f.Compress }

// BroadcastOptions select the recipients of a broadcast and of the other multi-socket
// operations (FetchSockets, AddSockets, ...). Node: BroadcastOptions.
//
// Recipients are the sockets in any of Rooms (every socket of the namespace when Rooms is
// empty), minus the sockets in any of Except. A socket id is also a room holding that socket
// alone, so both lists can name sockets.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  BroadcastFlags
}

// DeliverOptions tell the namespace how to hand a pre-encoded packet to one socket.
type DeliverOptions struct {
	// Volatile: drop rather than queue when the connection is not writable.
	Volatile bool
	// NoCompress turns off compression for this packet.
	NoCompress bool
	// Ack, when non-nil, is registered on the socket under the packet's ack id and called
	// with the socket's ACK packet (a broadcast with acknowledgements). The namespace
	// must call it at most once.
	Ack func(*AckPacket)
}
