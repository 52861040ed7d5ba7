package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/socketio"
)

// Feature is a capability the server announces to the UI in the config event; the UI
// shows only the actions the server supports. Node: the Feature enum.
type Feature string

// The features, with Node's names.
const (
	FeatureEmit             Feature = "EMIT"
	FeatureJoin             Feature = "JOIN"
	FeatureLeave            Feature = "LEAVE"
	FeatureDisconnect       Feature = "DISCONNECT"
	FeatureMJoin            Feature = "MJOIN"
	FeatureMLeave           Feature = "MLEAVE"
	FeatureMDisconnect      Feature = "MDISCONNECT"
	FeatureAggregatedEvents Feature = "AGGREGATED_EVENTS"
	FeatureAllEvents        Feature = "ALL_EVENTS"
)

// fetchTimeout bounds the cluster-wide socket fetch done for a newly connected UI.
const fetchTimeout = 5 * time.Second

// Instrumentation is a socket.io server instrumented for the admin UI: it owns the
// admin namespace's handlers, the observer registered on the server and the goroutine
// that emits server_stats. Close stops them.
type Instrumentation struct {
	io       *socketio.Server
	opts     Options
	log      *slog.Logger
	admin    *socketio.Namespace
	features []Feature

	events  eventBuffer
	polling pollingConns

	statsMu      sync.Mutex
	lastCounters engineCounters // guarded by statsMu

	regMu      sync.Mutex
	registered map[*socketio.Namespace]bool // namespaces with verbose listeners; guarded by regMu

	closed       atomic.Bool
	stopObserver func()
	done         chan struct{} // closed by Close: stops the stats goroutine
	wg           sync.WaitGroup
}

// Instrument makes io observable by the Socket.IO admin UI (@socket.io/admin-ui 0.5,
// https://admin.socket.io or the UI served from its npm package): it creates the admin
// namespace (Options.NamespaceName) with its authentication, answers the UI's commands
// unless Options.ReadOnly, and reports the server's state. Call Close to stop. Node:
// instrument(io, opts).
//
// opts may be nil only to get an error: one of Options.Auth and Options.NoAuth must be
// set. Instrument returns an error naming the option that is invalid.
func Instrument(io *socketio.Server, opts *Options) (*Instrumentation, error) {
	if io == nil {
		return nil, fmt.Errorf("admin: Instrument needs a *socketio.Server, got nil")
	}
	o, err := opts.withDefaults(io.Options().Logger)
	if err != nil {
		return nil, err
	}
	in := &Instrumentation{
		io:         io,
		opts:       o,
		log:        o.Logger,
		registered: make(map[*socketio.Namespace]bool),
		done:       make(chan struct{}),
	}
	if !o.ReadOnly {
		in.features = []Feature{FeatureEmit, FeatureJoin, FeatureLeave, FeatureDisconnect, FeatureMJoin, FeatureMLeave, FeatureMDisconnect}
	}
	in.features = append(in.features, FeatureAggregatedEvents)
	if o.Mode == Development {
		in.features = append(in.features, FeatureAllEvents)
	}
	if e := io.Engine(); e != nil {
		in.lastCounters = countersOf(e.Stats())
	}

	in.admin = io.Of(o.NamespaceName)
	in.admin.Use(in.authenticate)

	obs := socketio.Observer{
		ConnOpened: func(c socketio.EngineConn) {
			in.events.push(time.Now(), "rawConnection", "", 1)
			in.polling.opened(c)
		},
		ConnUpgraded: func(c socketio.EngineConn, transport string, sockets []*socketio.Socket) {
			in.polling.gone(c)
			if o.Mode != Development {
				return
			}
			for _, s := range sockets {
				in.emit("socket_updated", socketUpdate{ID: s.ID(), Nsp: s.Namespace().Name(), Transport: transport})
			}
		},
		ConnClosed: func(c socketio.EngineConn, reason string) {
			in.events.push(time.Now(), "rawDisconnection", reason, 1)
			in.polling.gone(c)
		},
	}
	if o.Mode == Development {
		obs.RoomJoined = func(n *socketio.Namespace, room, id string) {
			in.emit("room_joined", n.Name(), room, id, jsTime(time.Now()))
		}
		obs.RoomLeft = func(n *socketio.Namespace, room, id string) {
			in.emit("room_left", n.Name(), room, id, jsTime(time.Now()))
		}
		obs.DataSet = func(s *socketio.Socket) {
			in.emit("socket_updated", socketUpdate{ID: s.ID(), Nsp: s.Namespace().Name(), Data: serializeData(s.Data())})
		}
		// New namespaces first, then the existing ones: register dedupes, so none is
		// missed or registered twice.
		io.OnNewNamespace(in.register)
		for _, n := range io.Namespaces() {
			in.register(n)
		}
	}
	in.stopObserver = io.Observe(obs)
	in.admin.OnConnection(in.onAdminConnection)

	in.emit("server_stats", in.collectStats(time.Now()))
	in.wg.Add(1)
	// Owned by the Instrumentation: Close closes done and waits for it.
	go in.statsLoop()
	in.log.Debug("admin: instrumented", "namespace", o.NamespaceName, "mode", o.Mode, "readonly", o.ReadOnly, "features", in.features)
	return in, nil
}

// Features returns the features announced to the UI.
func (in *Instrumentation) Features() []Feature { return append([]Feature(nil), in.features...) }

// Namespace returns the admin namespace.
func (in *Instrumentation) Namespace() *socketio.Namespace { return in.admin }

// Close stops the instrumentation: server_stats stop, nothing more is reported,
// connected admin UIs are disconnected and new ones refused. The admin namespace itself
// stays (socket.io namespaces cannot be removed). Close returns after the stats goroutine
// has exited; a second call returns nil.
func (in *Instrumentation) Close() error {
	if !in.closed.CompareAndSwap(false, true) {
		return nil
	}
	in.stopObserver()
	close(in.done)
	in.wg.Wait()
	in.admin.DisconnectSockets(false)
	return nil
}

func (in *Instrumentation) statsLoop() {
	defer in.wg.Done()
	t := time.NewTicker(in.opts.ServerStatsInterval)
	defer t.Stop()
	for {
		select {
		case <-in.done:
			return
		case now := <-t.C:
			in.emit("server_stats", in.collectStats(now))
		}
	}
}

// emit sends an event to every admin UI, unless closed.
func (in *Instrumentation) emit(event string, args ...any) {
	if in.closed.Load() {
		return
	}
	if err := in.admin.Emit(event, args...); err != nil {
		in.log.Warn("admin: emit", "event", event, "err", err)
	}
}

// authenticate is the admin namespace's middleware. Node: initAuthenticationMiddleware.
func (in *Instrumentation) authenticate(s *socketio.Socket) error {
	if in.closed.Load() {
		return &socketio.ConnectError{Message: "admin instrumentation closed"}
	}
	if in.opts.NoAuth {
		return nil
	}
	ok, err := in.validSession(s)
	if err != nil {
		in.log.Warn("admin: session store", "err", err)
	}
	if ok {
		in.log.Debug("admin: authentication success with valid session ID")
		return nil
	}
	auth := s.Handshake().Auth
	user, _ := auth["username"].(string)
	pass, _ := auth["password"].(string)
	if user == in.opts.Auth.Username && bcrypt.CompareHashAndPassword([]byte(in.opts.Auth.Password), []byte(pass)) == nil {
		in.log.Debug("admin: authentication success with valid credentials")
		return nil
	}
	in.log.Debug("admin: invalid credentials")
	// The UI recognizes this message (Node's, verbatim).
	return &socketio.ConnectError{Message: "invalid credentials"}
}

// validSession reports whether the socket's CONNECT auth carries a known session id.
func (in *Instrumentation) validSession(s *socketio.Socket) (bool, error) {
	id, _ := s.Handshake().Auth["sessionId"].(string)
	if id == "" {
		return false, nil
	}
	return in.opts.Store.DoesSessionExist(context.Background(), id)
}

// onAdminConnection greets a UI: a session id after a password login, the config, and
// in development mode every socket. Node: adminNamespace.on("connection").
func (in *Instrumentation) onAdminConnection(s *socketio.Socket) {
	if in.opts.Auth != nil {
		if ok, _ := in.validSession(s); !ok {
			// The middleware accepted the password: hand out a session id. Node does this
			// in the middleware; here it waits for the connection, as a socket cannot
			// emit before it is connected.
			id := newSessionID()
			if err := in.opts.Store.SaveSession(context.Background(), id); err != nil {
				in.log.Warn("admin: save session", "err", err)
			} else if err := s.Emit("session", id); err != nil {
				in.log.Debug("admin: emit session", "err", err)
			}
		}
	}
	in.registerCommands(s)
	if err := s.Emit("config", map[string]any{"supportedFeatures": in.features}); err != nil {
		in.log.Debug("admin: emit config", "err", err)
	}
	if in.opts.Mode == Development {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		if err := s.Emit("all_sockets", fetchAllSockets(ctx, in.io)); err != nil {
			in.log.Debug("admin: emit all_sockets", "err", err)
		}
	}
}

func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// register adds the development-mode listeners to namespace n, once.
// Node: registerVerboseListeners.
func (in *Instrumentation) register(n *socketio.Namespace) {
	in.regMu.Lock()
	seen := in.registered[n]
	in.registered[n] = true
	in.regMu.Unlock()
	if seen || in.closed.Load() {
		return
	}
	isAdmin := n == in.admin
	n.OnConnection(func(s *socketio.Socket) {
		if in.closed.Load() {
			return
		}
		in.emit("socket_connected", serializeLocal(s), jsTime(time.Now()))
		nsp, id := n.Name(), s.ID()
		if !isAdmin {
			s.OnAny(func(event string, args socketio.Args) {
				in.emit("event_received", nsp, id, append([]any{event}, args.Values()...), jsTime(time.Now()))
			})
			s.OnAnyOutgoing(func(event string, args []any) {
				in.emit("event_sent", nsp, id, append([]any{event}, args...), jsTime(time.Now()))
			})
		}
		s.OnDisconnect(func(reason socketio.DisconnectReason) {
			in.emit("socket_disconnected", nsp, id, reason, jsTime(time.Now()))
		})
	})
}
