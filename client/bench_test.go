package client

import (
	"testing"

	"github.com/gosockio/gosockio/engineio"
)

// discardConn is a connected engine that drops what it is sent.
type discardConn struct{}

func (discardConn) ID() string                                          { return "bench" }
func (discardConn) Transport() string                                   { return "websocket" }
func (discardConn) Send([]engineio.Message, engineio.SendOptions) error { return nil }
func (discardConn) Close() error                                        { return nil }

// connectedSocket returns a socket marked connected on a discardConn, without network.
func connectedSocket(b *testing.B) *Socket {
	m, err := NewManager("http://bench.test", &Options{AutoConnect: new(false)})
	if err != nil {
		b.Fatal(err)
	}
	s := m.Socket("/", nil)
	m.mu.Lock()
	m.att = &attempt{conn: discardConn{}, opened: true, cancel: func() {}, dec: m.opts.Parser.NewDecoder()}
	m.state = stateOpen
	s.active, s.connected, s.id = true, true, "bench"
	m.mu.Unlock()
	return s
}

func BenchmarkEmit(b *testing.B) {
	s := connectedSocket(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Emit("chat", "hello world", 42)
	}
}

func BenchmarkEmitBinary(b *testing.B) {
	s := connectedSocket(b)
	blob := make([]byte, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(blob)))
	for b.Loop() {
		_ = s.Emit("file", blob)
	}
}

func BenchmarkReceiveEvent(b *testing.B) {
	s := connectedSocket(b)
	done := make(chan struct{}, 1)
	s.On("chat", func(msg string, n int) {
		select {
		case done <- struct{}{}:
		default:
		}
	})
	m := s.m
	a := m.att
	frame := []byte(`2["chat","hello world",42]`)
	b.ReportAllocs()
	for b.Loop() {
		m.onMessage(a, engineio.Message{Data: frame})
		<-done
	}
}
