package socketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// Server is a socket.io server: an http.Handler that serves the engine under Path, and
// the registry of namespaces. It embeds its main namespace "/" (Node: io.sockets), so
// io.OnConnection, io.Use, io.To(...).Emit and the rest act on "/". Node: Server.
//
// All methods are safe for concurrent use.
type Server struct {
	*Namespace // the main namespace, "/"

	opts     Options
	log      *slog.Logger
	encoder  parser.Encoder // broadcasts, all revisions (EVENT/ACK bytes are identical)
	parserV5 parser.Parser
	parserV4 parser.Parser
	engine   *engineio.Server

	mu       sync.RWMutex
	nsps     map[string]*Namespace     // guarded by mu
	parents  []parentEntry             // guarded by mu
	clients  map[*client]struct{}      // guarded by mu
	https    map[*http.Server]struct{} // guarded by mu
	onNewNsp []func(*Namespace)        // guarded by mu
	closed   bool                      // guarded by mu

	stats     serverStats                 // counters read by Stats
	observers atomic.Pointer[[]*Observer] // see Observe; written under mu
}

type parentEntry struct {
	match func(name string, auth map[string]any) bool
	nsp   *Namespace
}

// NewServer returns a server with the given options (nil means all defaults). It builds
// an engineio.Server for Path and binds to it. Node: new Server(opts).
func NewServer(opts *Options) (*Server, error) {
	o := opts.withDefaults()
	if r := o.ConnectionStateRecovery; r != nil && r.MaxDisconnectionDuration < 0 {
		return nil, fmt.Errorf("socketio: ConnectionStateRecovery.MaxDisconnectionDuration must not be negative, got %v", r.MaxDisconnectionDuration)
	}
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("socketio: Path must start with \"/\", got %q", o.Path)
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	srv := &Server{
		opts:    o,
		log:     o.Logger.With("component", "socket.io:server"),
		nsps:    make(map[string]*Namespace),
		clients: make(map[*client]struct{}),
		https:   make(map[*http.Server]struct{}),
	}
	if o.Parser != nil {
		srv.parserV5, srv.parserV4 = o.Parser, o.Parser
	} else {
		srv.parserV5 = parser.New(&parser.Options{Revision: parser.V5})
		srv.parserV4 = parser.New(&parser.Options{Revision: parser.V4})
	}
	srv.encoder = srv.parserV5.Encoder()
	eopts := o.Options
	if eopts.Logger == nil && opts != nil && opts.Logger != nil {
		eopts.Logger = opts.Logger
	}
	engine, err := engineio.NewServer(&eopts)
	if err != nil {
		return nil, fmt.Errorf("socketio: engine: %w", err)
	}
	srv.engine = engine
	main, err := srv.of("/")
	if err != nil {
		return nil, err
	}
	srv.Namespace = main
	srv.Bind(engine)
	return srv, nil
}

// Bind serves the connections of an engineio.Server: it sets the engine's OnConnection
// to ServeConn. NewServer binds its own engine; Bind is for a server made separately.
// Node: server.bind(engine).
func (srv *Server) Bind(e *engineio.Server) {
	e.OnConnection(func(s *engineio.Socket) { srv.ServeConn(s) })
}

// Engine returns the engine the server built. Node: server.engine.
func (srv *Server) Engine() *engineio.Server { return srv.engine }

// Options returns a copy of the server's options, defaults filled in.
func (srv *Server) Options() Options { return srv.opts }

// ServeHTTP serves the engine (and, with ServeClient, the client files) under Path, and
// answers 404 elsewhere.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := srv.opts.Path
	if !strings.HasPrefix(r.URL.Path, prefix) && r.URL.Path != strings.TrimSuffix(prefix, "/") {
		http.NotFound(w, r)
		return
	}
	if srv.opts.ServeClient != nil {
		if name := strings.TrimPrefix(r.URL.Path, prefix); clientFiles[name] {
			srv.serveClientFile(w, r, name)
			return
		}
	}
	srv.engine.ServeHTTP(w, r)
}

// clientFiles are the browser client files Node serves. Node: CLIENT_FILES.
var clientFiles = map[string]bool{
	"socket.io.esm.min.js": true, "socket.io.esm.min.js.map": true,
	"socket.io.js": true, "socket.io.js.map": true,
	"socket.io.min.js": true, "socket.io.min.js.map": true,
	"socket.io.msgpack.min.js": true, "socket.io.msgpack.min.js.map": true,
}

func (srv *Server) serveClientFile(w http.ResponseWriter, r *http.Request, name string) {
	ct := "application/javascript; charset=utf-8"
	if path.Ext(name) == ".map" {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=0")
	http.ServeFileFS(w, r, srv.opts.ServeClient, name)
}

// Listen listens on the TCP address addr and serves until Close. It returns
// ErrServerClosed after Close. Node: server.listen(port).
func (srv *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("socketio: listen: %w", err)
	}
	return srv.Serve(ln)
}

// Serve serves HTTP on ln until Close; it returns ErrServerClosed after Close.
func (srv *Server) Serve(ln net.Listener) error {
	hs := &http.Server{Handler: srv}
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	srv.https[hs] = struct{}{}
	srv.mu.Unlock()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrServerClosed
	}
	return err
}

// Close disconnects every socket (reason "server shutting down"), closes the adapters,
// shuts the engine down and the HTTP servers started by Listen/Serve, and waits for them
// until ctx ends. Node: server.close().
func (srv *Server) Close(ctx context.Context) error {
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		return ErrServerClosed
	}
	srv.closed = true
	nsps := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		nsps = append(nsps, n)
	}
	clients := make([]*client, 0, len(srv.clients))
	for c := range srv.clients {
		clients = append(clients, c)
	}
	https := make([]*http.Server, 0, len(srv.https))
	for hs := range srv.https {
		https = append(https, hs)
	}
	srv.mu.Unlock()

	var errs []error
	for _, n := range nsps {
		for _, s := range n.Sockets() {
			s.onClose(ReasonServerShuttingDown)
		}
		if n.adapter != nil {
			if err := n.adapter.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, c := range clients {
		c.onClose(ReasonServerShuttingDown, nil)
		_ = c.conn.Close()
	}
	if err := srv.engine.Shutdown(ctx); err != nil && !errors.Is(err, engineio.ErrServerClosed) {
		errs = append(errs, err)
	}
	for _, hs := range https {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// OnNewNamespace registers fn, called when a namespace is created (Of, or a child of a
// parent namespace). Node: io.on("new_namespace").
func (srv *Server) OnNewNamespace(fn func(*Namespace)) {
	srv.mu.Lock()
	srv.onNewNsp = append(srv.onNewNsp, fn)
	srv.mu.Unlock()
}

// Of returns the namespace name, creating it if needed ("chat" means "/chat"). A name
// matched by a regexp given to OfRegexp becomes a child of that parent. Node: io.of(name).
//
// Of panics if the adapter factory fails for the new namespace (NewServer has already
// called it once for "/", so this means a factory that fails intermittently).
func (srv *Server) Of(name string) *Namespace {
	n, err := srv.of(name)
	if err != nil {
		// Only the adapter factory can fail; a namespace without adapter is unusable.
		panic(err)
	}
	return n
}

func (srv *Server) of(name string) (*Namespace, error) {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	srv.mu.Lock()
	if n := srv.nsps[name]; n != nil {
		srv.mu.Unlock()
		return n, nil
	}
	for _, p := range srv.parents {
		if p.match != nil && p.isRegexp(name) {
			srv.mu.Unlock()
			return srv.createChild(p.nsp, name)
		}
	}
	n, err := newNamespace(srv, name)
	if err != nil {
		srv.mu.Unlock()
		return nil, err
	}
	srv.nsps[name] = n
	hooks := srv.onNewNsp
	srv.mu.Unlock()
	if name != "/" {
		for _, fn := range hooks {
			fn(n)
		}
	}
	return n, nil
}

func (p parentEntry) isRegexp(name string) bool { return p.nsp.re != nil && p.nsp.re.MatchString(name) }

// OfRegexp returns a parent namespace: a client connecting to a namespace whose name
// matches re creates it as a child. Node: io.of(/regex/).
func (srv *Server) OfRegexp(re *regexp.Regexp) *Namespace {
	p := srv.newParent()
	p.re = re
	srv.mu.Lock()
	srv.parents = append(srv.parents, parentEntry{match: func(name string, _ map[string]any) bool { return re.MatchString(name) }, nsp: p})
	srv.mu.Unlock()
	return p
}

// OfFunc returns a parent namespace: a client connecting to an unknown namespace for
// which allow returns true creates it as a child. allow runs on the connection's read
// path. Node: io.of((name, auth, next) => next(null, bool)).
func (srv *Server) OfFunc(allow func(name string, auth map[string]any) bool) *Namespace {
	p := srv.newParent()
	srv.mu.Lock()
	srv.parents = append(srv.parents, parentEntry{match: allow, nsp: p})
	srv.mu.Unlock()
	return p
}

func (srv *Server) newParent() *Namespace {
	srv.mu.Lock()
	id := len(srv.parents)
	srv.mu.Unlock()
	name := fmt.Sprintf("/_%d", id)
	return &Namespace{
		name:     name,
		srv:      srv,
		log:      srv.log.With("component", "socket.io:parent-namespace", "nsp", name),
		sockets:  make(map[string]*Socket),
		children: make(map[*Namespace]struct{}),
		isParent: true,
	}
}

// createChild makes name a child of parent p. Node: parentNamespace.createChild.
func (srv *Server) createChild(p *Namespace, name string) (*Namespace, error) {
	n, err := newNamespace(srv, name)
	if err != nil {
		return nil, err
	}
	n.parent = p
	p.mu.RLock()
	n.mws = p.mws
	n.onConn = p.onConn
	p.mu.RUnlock()
	srv.mu.Lock()
	if existing := srv.nsps[name]; existing != nil { // created meanwhile
		srv.mu.Unlock()
		_ = n.adapter.Close()
		return existing, nil
	}
	srv.nsps[name] = n
	hooks := srv.onNewNsp
	srv.mu.Unlock()
	p.mu.Lock()
	p.children[n] = struct{}{}
	p.mu.Unlock()
	for _, fn := range hooks {
		fn(n)
	}
	return n, nil
}

// removeChild deletes an empty child namespace (CleanupEmptyChildNamespaces).
func (srv *Server) removeChild(n *Namespace) {
	srv.mu.Lock()
	if srv.nsps[n.name] == n {
		delete(srv.nsps, n.name)
	}
	srv.mu.Unlock()
	n.parent.mu.Lock()
	delete(n.parent.children, n)
	n.parent.mu.Unlock()
	_ = n.adapter.Close()
}

// namespaceFor returns the namespace a CONNECT to name joins: an existing one, or a new
// child of the first parent that accepts it; nil when none does.
func (srv *Server) namespaceFor(name string, auth map[string]any) *Namespace {
	srv.mu.RLock()
	n := srv.nsps[name]
	parents := srv.parents
	srv.mu.RUnlock()
	if n != nil {
		return n
	}
	for _, p := range parents {
		if p.match(name, auth) {
			child, err := srv.createChild(p.nsp, name)
			if err != nil {
				srv.log.Error("socket.io: create child namespace", "nsp", name, "err", err)
				return nil
			}
			return child
		}
	}
	return nil
}

func (srv *Server) parserFor(protocol int) parser.Parser {
	if protocol == 3 {
		return srv.parserV4
	}
	return srv.parserV5
}

func (srv *Server) addClient(c *client) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return false
	}
	srv.clients[c] = struct{}{}
	return true
}

func (srv *Server) removeClient(c *client) {
	srv.mu.Lock()
	delete(srv.clients, c)
	srv.mu.Unlock()
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// discards reports whether l drops every record: its handler is slog.DiscardHandler, the
// default logger's without DEBUG. Then the per-connection and per-socket loggers are l
// itself, not l.With(...), which would copy the logger and its attributes for every
// connection only to drop them.
func discards(l *slog.Logger) bool { return l.Handler() == slog.DiscardHandler }
