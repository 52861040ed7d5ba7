// Package wsserver is the server side of the WebSocket protocol (RFC 6455) as engineio
// needs it: the opening handshake, a frame reader that enforces the protocol as Node's ws
// does (masking, fragmentation, control frames, close codes, UTF-8 of text messages, a
// message size limit checked from the frame header), and frame writing in batches: frames
// are appended to one buffer (AppendHeader, AppendFrame) and written with one Write, or
// without blocking (TryWrite) by a sender that must not wait for a slow peer.
//
// The one extension is permessage-deflate without context takeover (deflate.go). A
// connection over *net.TCPConn reads through syscall.RawConn so that an idle connection
// holds no read buffer, and on Linux an idle connection can park (Conn.EnablePark): its
// reader goroutine ends and one epoll instance (Poller) waits for all parked connections,
// so that an idle connection holds no goroutine and no stack either.
package wsserver
