package socketio_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio"
)

// recordingAdapter is the in-memory adapter with ServerSideEmit recorded, standing in
// for a cluster adapter.
type recordingAdapter struct {
	*adapter.InMemory
	nsp     adapter.Namespace
	emitted [][]any
}

func (r *recordingAdapter) ServerSideEmit(args []any) error {
	r.emitted = append(r.emitted, args)
	return nil
}

func TestAdapterFactoryAndServerSideEvents(t *testing.T) {
	made := map[string]*recordingAdapter{}
	srv, _ := newServer(t, &socketio.Options{Adapter: func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		if cfg.Encoder == nil {
			t.Error("factory got no encoder")
		}
		a := &recordingAdapter{InMemory: adapter.NewInMemory(nsp, cfg), nsp: nsp}
		made[nsp.Name()] = a
		return a, nil
	}})
	a := made["/"]
	if a == nil || srv.Adapter() != adapter.Adapter(a) {
		t.Fatal("the factory must make the adapter of /")
	}
	if err := srv.ServerSideEmit("hello", 1); err != nil {
		t.Fatal(err)
	}
	if len(a.emitted) != 1 || a.emitted[0][0] != "hello" {
		t.Errorf("emitted = %v", a.emitted)
	}
	if err := srv.ServerSideEmit("connection"); !errors.Is(err, socketio.ErrReservedEvent) {
		t.Errorf("reserved = %v", err)
	}
	if _, err := srv.ServerSideEmitWithAck(context.Background(), "x"); !errors.Is(err, adapter.ErrUnsupported) {
		t.Errorf("with ack on in-memory = %v", err)
	}

	// another server's event arrives through the adapter
	var got int
	srv.On("ping", func(n int, ack func(string)) { got = n; ack("pong") })
	var answer any
	a.nsp.ServerSideEvent([]any{"ping", 42}, func(v any) { answer = v })
	if got != 42 || answer != "pong" {
		t.Errorf("handler got %d, answered %v", got, answer)
	}
}

func TestParentNamespaceServerSideEmit(t *testing.T) {
	srv, _ := newServer(t, nil)
	p := srv.OfFunc(func(string, map[string]any) bool { return true })
	if err := p.ServerSideEmit("x"); !errors.Is(err, socketio.ErrParentNamespace) {
		t.Errorf("= %v", err)
	}
}
