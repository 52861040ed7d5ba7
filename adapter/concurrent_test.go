package adapter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// TestInMemoryConcurrentSafe runs membership changes, broadcasts and queries at once;
// -race finds unsynchronized state.
func TestInMemoryConcurrentSafe(t *testing.T) {
	rec := &adapter.RecoveryConfig{MaxDisconnectionDuration: 60e9}
	a, nsp, _ := setup(rec, nil)
	nsp.discard = true
	for i := range 8 {
		nsp.connected[fmt.Sprint("s", i)] = true
	}
	var wg sync.WaitGroup
	for i := range 8 {
		id := fmt.Sprint("s", i)
		wg.Go(func() {
			for j := range 60 {
				room := fmt.Sprint("r", j%3)
				a.AddAll(id, []string{id, room})
				_ = a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, &adapter.BroadcastOptions{Rooms: []string{room, "r1"}, Except: []string{"r2"}})
				_ = a.SocketRooms(id)
				_, _ = a.Sockets(context.Background(), []string{room})
				a.Del(id, room)
				if j%20 == 0 {
					a.PersistSession(&adapter.Session{SID: id, PID: id, Rooms: []string{room}})
					_, _ = a.RestoreSession(context.Background(), id, "x")
					a.DelAll(id)
				}
			}
		})
	}
	wg.Wait()
}
