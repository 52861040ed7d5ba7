package client

import (
	"fmt"
	"net/url"
	"sync"
)

// managers caches the Manager of each host for Connect (Node: the lookup cache).
var (
	managersMu sync.Mutex
	managers   = map[string]*Manager{}
)

// Connect returns a socket for the namespace of rawURL's path ("http://host/chat" →
// "/chat"; "/" without a path) and, unless Options.AutoConnect is off, connects it in the
// background: it returns at once, and the "connect" or "connect_error" event tells the
// outcome. Sockets of different namespaces of one host share one Manager (one engine
// connection), unless Options.ForceNew is set, Multiplex is off, or the host's Manager
// already has a socket for this namespace. Node: io(url, opts).
//
// Listeners registered right after Connect returns are in place before any event is
// delivered unless the connection completes first; to be certain, set AutoConnect off,
// register, then call Socket.Connect.
//
// rawURL's query is sent with the handshake. A Manager shared this way keeps the options
// of the first Connect; it leaves the cache when it closes.
func Connect(rawURL string, opts *Options) (*Socket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: parse URL %q: %w", rawURL, err)
	}
	nsp := normalizeNamespace(u.Path)
	var o Options
	if opts != nil {
		o = *opts
	}
	key := u.Scheme + "://" + u.Host
	newConn := o.ForceNew || !o.multiplex()
	managersMu.Lock()
	defer managersMu.Unlock()
	m := managers[key]
	if m != nil && !newConn {
		m.mu.Lock()
		_, same := m.nsps[nsp]
		closed := m.closed
		m.mu.Unlock()
		if same || closed {
			m = nil
			newConn = true
		}
	}
	if m == nil || newConn {
		m, err = NewManager(rawURL, &o)
		if err != nil {
			return nil, err
		}
		if !newConn {
			managers[key] = m
			m.onClose = func(m *Manager) { go forget(key, m) } // the goroutine only takes managersMu
		}
	}
	var so *SocketOptions
	if o.Protocol == 4 && u.RawQuery != "" {
		so = &SocketOptions{Query: u.Query()}
	}
	return m.Socket(nsp, so), nil
}

func forget(key string, m *Manager) {
	managersMu.Lock()
	defer managersMu.Unlock()
	if managers[key] == m {
		delete(managers, key)
	}
}
