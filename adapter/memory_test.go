package adapter_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

func TestRooms(t *testing.T) {
	a, _, _ := setup(nil, map[string][]string{"s1": {"a", "b"}, "s2": {"b"}})
	if diff := cmp.Diff([]string{"a", "b", "s1", "s2"}, a.Rooms()); diff != "" {
		t.Errorf("Rooms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b", "s1"}, a.SocketRooms("s1")); diff != "" {
		t.Errorf("SocketRooms(s1) (-want +got):\n%s", diff)
	}
	a.Del("s1", "b")
	a.Del("s2", "b")
	if diff := cmp.Diff([]string{"a", "s1", "s2"}, a.Rooms()); diff != "" {
		t.Errorf("empty room b must be deleted (-want +got):\n%s", diff)
	}
	a.DelAll("s1")
	if got := a.SocketRooms("s1"); got != nil {
		t.Errorf("SocketRooms after DelAll = %v, want nil", got)
	}
	if diff := cmp.Diff([]string{"s2"}, a.Rooms()); diff != "" {
		t.Errorf("Rooms after DelAll (-want +got):\n%s", diff)
	}
}

func TestBroadcastEncodesOnce(t *testing.T) {
	a, nsp, enc := setup(nil, map[string][]string{"s1": {"r"}, "s2": {"r"}, "s3": {"r"}})
	p := &parser.Packet{Type: parser.Event, Data: []any{"hi", 1}}
	if err := a.Broadcast(p, &adapter.BroadcastOptions{Rooms: []string{"r"}}); err != nil {
		t.Fatal(err)
	}
	if n := enc.calls.Load(); n != 1 {
		t.Errorf("Encode called %d times, want 1", n)
	}
	nsp.mu.Lock()
	got := nsp.got
	nsp.mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("delivered %d, want 3", len(got))
	}
	for _, d := range got[1:] {
		if &d.frames[0] != &got[0].frames[0] {
			t.Errorf("recipient %s got a different frame slice; frames must be shared", d.id)
		}
	}
	if want := `2/chat,["hi",1]`; string(got[0].frames[0].Data) != want {
		t.Errorf("frame = %q, want %q (namespace set by the adapter)", got[0].frames[0].Data, want)
	}
	if p.Namespace != "" {
		t.Errorf("Broadcast modified the caller's packet: Namespace = %q", p.Namespace)
	}
}

func TestBroadcastSelection(t *testing.T) {
	members := map[string][]string{"s1": {"a"}, "s2": {"a", "b"}, "s3": {"b"}, "s4": nil}
	tests := []struct {
		name string
		opts adapter.BroadcastOptions
		want []string
	}{
		{"all", adapter.BroadcastOptions{}, []string{"s1", "s2", "s3", "s4"}},
		{"one room", adapter.BroadcastOptions{Rooms: []string{"a"}}, []string{"s1", "s2"}},
		{"two rooms dedup", adapter.BroadcastOptions{Rooms: []string{"a", "b", "a"}}, []string{"s1", "s2", "s3"}},
		{"except room", adapter.BroadcastOptions{Except: []string{"b"}}, []string{"s1", "s4"}},
		{"room except socket", adapter.BroadcastOptions{Rooms: []string{"a"}, Except: []string{"s1"}}, []string{"s2"}},
		{"unknown room", adapter.BroadcastOptions{Rooms: []string{"zzz"}}, nil},
		{"socket id as room", adapter.BroadcastOptions{Rooms: []string{"s3", "s4"}}, []string{"s3", "s4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, nsp, _ := setup(nil, members)
			if err := a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, &tt.opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nsp.receivers()); diff != "" {
				t.Errorf("receivers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBroadcastSkipsUnconnected(t *testing.T) {
	a, nsp, _ := setup(nil, map[string][]string{"s1": {"r"}})
	a.AddAll("pending", []string{"r"}) // joined a room but not connected (yet)
	if err := a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, &adapter.BroadcastOptions{Rooms: []string{"r"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"s1"}, nsp.receivers()); diff != "" {
		t.Errorf("receivers (-want +got):\n%s", diff)
	}
}

func TestBroadcastFlags(t *testing.T) {
	a, nsp, _ := setup(nil, map[string][]string{"s1": nil})
	no := false
	opts := &adapter.BroadcastOptions{Flags: adapter.BroadcastFlags{Volatile: true, Compress: &no}}
	if err := a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, opts); err != nil {
		t.Fatal(err)
	}
	want := adapter.DeliverOptions{Volatile: true, NoCompress: true}
	if got := nsp.got[0].opts; got.Volatile != want.Volatile || got.NoCompress != want.NoCompress {
		t.Errorf("deliver options = %+v, want %+v", got, want)
	}
}

func TestBroadcastWithAck(t *testing.T) {
	a, nsp, enc := setup(nil, map[string][]string{"s1": {"r"}, "s2": {"r"}, "s3": nil})
	nsp.ids.Store(7)
	count := -1
	err := a.BroadcastWithAck(&parser.Packet{Type: parser.Event, Data: []any{"q"}},
		&adapter.BroadcastOptions{Rooms: []string{"r"}},
		func(n int) { count = n }, func(*adapter.AckPacket) {})
	if err != nil {
		t.Fatal(err)
	}
	if count != 2 {
		t.Errorf("client count = %d, want 2", count)
	}
	if enc.calls.Load() != 1 {
		t.Errorf("Encode calls = %d, want 1", enc.calls.Load())
	}
	for _, d := range nsp.got {
		if d.opts.Ack == nil {
			t.Errorf("delivery to %s has no ack callback", d.id)
		}
		if want := `2/chat,7["q"]`; string(d.frames[0].Data) != want {
			t.Errorf("frame = %q, want %q", d.frames[0].Data, want)
		}
	}
}

func TestSocketsAndFetch(t *testing.T) {
	a, _, _ := setup(nil, map[string][]string{"s1": {"a"}, "s2": {"a"}, "s3": nil})
	ids, err := a.Sockets(context.Background(), []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"s1", "s2"}, ids); diff != "" {
		t.Errorf("Sockets (-want +got):\n%s", diff)
	}
	all, _ := a.Sockets(context.Background(), nil)
	if diff := cmp.Diff([]string{"s1", "s2", "s3"}, all); diff != "" {
		t.Errorf("Sockets(all) (-want +got):\n%s", diff)
	}
	ds, err := a.FetchSockets(context.Background(), &adapter.BroadcastOptions{Rooms: []string{"a"}, Except: []string{"s2"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []adapter.SocketDetails{{ID: "s1", Rooms: []string{"a", "s1"}, Data: "data-s1"}}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("FetchSockets (-want +got):\n%s", diff)
	}
}

func TestAddDelDisconnectSockets(t *testing.T) {
	a, nsp, _ := setup(nil, map[string][]string{"s1": {"a"}, "s2": {"a"}, "s3": nil})
	a.AddSockets(&adapter.BroadcastOptions{Rooms: []string{"a"}}, []string{"x", "y"})
	if diff := cmp.Diff([]string{"a", "s2", "x", "y"}, a.SocketRooms("s2")); diff != "" {
		t.Errorf("after AddSockets (-want +got):\n%s", diff)
	}
	if a.SocketRooms("s3") == nil || slices.Contains(a.SocketRooms("s3"), "x") {
		t.Errorf("s3 must not join x: %v", a.SocketRooms("s3"))
	}
	a.DelSockets(&adapter.BroadcastOptions{Except: []string{"s1"}}, []string{"x"})
	if !slices.Contains(a.SocketRooms("s1"), "x") || slices.Contains(a.SocketRooms("s2"), "x") {
		t.Errorf("DelSockets except s1: s1=%v s2=%v", a.SocketRooms("s1"), a.SocketRooms("s2"))
	}
	a.DisconnectSockets(&adapter.BroadcastOptions{Rooms: []string{"y"}}, false)
	slices.Sort(nsp.disc)
	if diff := cmp.Diff([]string{"s1", "s2"}, nsp.disc); diff != "" {
		t.Errorf("disconnected (-want +got):\n%s", diff)
	}
}

func TestInMemoryFactoryNeedsEncoder(t *testing.T) {
	if _, err := adapter.InMemoryFactory(newFakeNamespace(), &adapter.Config{}); err == nil {
		t.Fatal("InMemoryFactory without encoder: want error")
	}
}

func TestServerCountAndServerSideEmit(t *testing.T) {
	a, _, _ := setup(nil, nil)
	if n, err := a.ServerCount(context.Background()); n != 1 || err != nil {
		t.Errorf("ServerCount = %d, %v; want 1, nil", n, err)
	}
	if err := a.ServerSideEmit([]any{"ev"}); err != nil {
		t.Errorf("ServerSideEmit = %v, want nil", err)
	}
}
