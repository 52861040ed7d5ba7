package admin

import (
	"context"
	"sync"
)

// Store keeps the session ids handed to authenticated admin UIs. A UI that reconnects
// (a page reload, a network blip) sends its session id instead of the password.
// Implementations must be safe for concurrent use. Node: the Store class.
type Store interface {
	// DoesSessionExist reports whether id was saved (and has not expired).
	DoesSessionExist(ctx context.Context, id string) (bool, error)
	// SaveSession stores id.
	SaveSession(ctx context.Context, id string) error
}

// InMemoryStore is a Store in this process's memory: sessions last until the process
// exits (one short string per successful password login). Node: InMemoryStore.
type InMemoryStore struct {
	mu       sync.Mutex
	sessions map[string]struct{} // guarded by mu
}

// NewInMemoryStore returns an empty InMemoryStore.
func NewInMemoryStore() *InMemoryStore {
	return &InMemoryStore{sessions: make(map[string]struct{})}
}

// DoesSessionExist reports whether id was saved.
func (s *InMemoryStore) DoesSessionExist(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sessions[id]
	return ok, nil
}

// SaveSession stores id.
func (s *InMemoryStore) SaveSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[id] = struct{}{}
	return nil
}
