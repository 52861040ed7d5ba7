package adapter

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gosockio/gosockio/parser"
)

// RecoveryConfig is the connection state recovery setting an adapter receives.
type RecoveryConfig struct {
	// MaxDisconnectionDuration is how long a session and the packets it may miss are kept.
	// Node: connectionStateRecovery.maxDisconnectionDuration (default 2 minutes).
	MaxDisconnectionDuration time.Duration
}

// Session is the state of a socket kept across a lost connection. Node: Session and
// SessionToPersist.
type Session struct {
	SID   string   // the socket id
	PID   string   // the private session id the client presents to recover
	Rooms []string // the rooms the socket was in (its own id included)
	Data  any      // the socket's user data
	// MissedPackets, on restore, are the EVENT packets broadcast since the client's offset
	// that it would have received, in order. Their Data ends with the offset. They are
	// shared: do not modify them.
	MissedPackets []*parser.Packet
}

type storedSession struct {
	s              Session
	disconnectedAt time.Time
}

type storedPacket struct {
	offset    string
	rooms     []string
	except    []string
	p         *parser.Packet
	emittedAt time.Time
}

// sessionStore keeps sessions and recent packets for recovery, in memory. Expired entries
// are pruned when new ones are added; no goroutine.
type sessionStore struct {
	max    time.Duration
	prefix string

	mu        sync.Mutex
	counter   uint64                    // guarded by mu
	sessions  map[string]*storedSession // guarded by mu
	packets   []storedPacket            // oldest first; guarded by mu
	lastPrune time.Time                 // guarded by mu
}

func newSessionStore(max time.Duration) *sessionStore {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &sessionStore{
		max:      max,
		prefix:   base64.RawURLEncoding.EncodeToString(b[:]),
		sessions: make(map[string]*storedSession),
	}
}

// store appends an offset to pkt's arguments (replacing pkt.Data by a new slice) and keeps
// the packet for replay.
func (st *sessionStore) store(pkt *parser.Packet, opts *BroadcastOptions) {
	now := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.counter++
	offset := st.prefix + "-" + strconv.FormatUint(st.counter, 36)
	switch d := pkt.Data.(type) {
	case []any:
		nd := make([]any, len(d), len(d)+1)
		copy(nd, d)
		pkt.Data = append(nd, offset)
	case json.RawMessage:
		nd, ok := appendJSONArray(d, offset)
		if !ok {
			return
		}
		pkt.Data = nd
	default:
		return
	}
	sp := storedPacket{offset: offset, p: pkt, emittedAt: now}
	if opts != nil {
		sp.rooms = slices.Clone(opts.Rooms)
		sp.except = slices.Clone(opts.Except)
	}
	cp := *pkt
	sp.p = &cp
	st.pruneLocked(now)
	st.packets = append(st.packets, sp)
}

// appendJSONArray returns a copy of the JSON array arr with s appended.
func appendJSONArray(arr json.RawMessage, s string) (json.RawMessage, bool) {
	t := bytes.TrimSpace(arr)
	if len(t) < 2 || t[0] != '[' || t[len(t)-1] != ']' {
		return nil, false
	}
	enc, _ := json.Marshal(s)
	out := make([]byte, 0, len(t)+len(enc)+1)
	out = append(out, t[:len(t)-1]...)
	if len(bytes.TrimSpace(t[1:len(t)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, enc...)
	return append(out, ']'), true
}

func (st *sessionStore) pruneLocked(now time.Time) {
	threshold := now.Add(-st.max)
	i := 0
	for i < len(st.packets) && st.packets[i].emittedAt.Before(threshold) {
		i++
	}
	if i > 0 {
		clear(st.packets[:i])
		st.packets = st.packets[i:]
	}
	if now.Sub(st.lastPrune) < time.Minute {
		return
	}
	st.lastPrune = now
	for pid, s := range st.sessions {
		if s.disconnectedAt.Before(threshold) {
			delete(st.sessions, pid)
		}
	}
}

func (st *sessionStore) persist(s *Session) {
	now := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(now)
	cp := *s
	cp.Rooms = slices.Clone(s.Rooms)
	cp.MissedPackets = nil
	st.sessions[s.PID] = &storedSession{s: cp, disconnectedAt: now}
}

func (st *sessionStore) restore(pid, offset string) *Session {
	now := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	ss := st.sessions[pid]
	if ss == nil {
		return nil
	}
	if now.Sub(ss.disconnectedAt) > st.max {
		delete(st.sessions, pid)
		return nil
	}
	idx := slices.IndexFunc(st.packets, func(p storedPacket) bool { return p.offset == offset })
	if idx < 0 {
		return nil
	}
	delete(st.sessions, pid)
	out := ss.s
	for _, sp := range st.packets[idx+1:] {
		if includes(out.Rooms, sp) {
			out.MissedPackets = append(out.MissedPackets, sp.p)
		}
	}
	return &out
}

// includes reports whether a socket in sessionRooms was a recipient of sp.
func includes(sessionRooms []string, sp storedPacket) bool {
	included := len(sp.rooms) == 0
	for _, r := range sessionRooms {
		if !included && slices.Contains(sp.rooms, r) {
			included = true
		}
		if slices.Contains(sp.except, r) {
			return false
		}
	}
	return included
}
