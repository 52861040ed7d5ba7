package redis

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	goredis "github.com/redis/go-redis/v9"
)

// restoreMaxRanges bounds the XRANGE calls of one restore, as Node's
// RESTORE_SESSION_MAX_XRANGE_CALLS.
const restoreMaxRanges = 100

var offsetPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// PersistSession stores the session of a disconnected socket in Redis, where any
// server of the cluster can restore it: SET <SessionKeyPrefix><pid> to the base64 of
// the msgpack {sid, pid, rooms, data}, PX MaxDisconnectionDuration. A nil Data is
// written as {} (Node's default socket.data). Node: persistSession.
func (a *StreamsAdapter) PersistSession(s *adapter.Session) {
	if a.recovery == nil || s == nil {
		return
	}
	data, err := jsvalue.FromGo(s.Data)
	if err != nil {
		a.log.Warn("socket.io-redis-streams-adapter: encode session data", "sid", s.SID, "err", err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	b, err := jsvalue.EncodeMsgpack(jsvalue.Object{{"sid", s.SID}, {"pid", s.PID}, {"rooms", nonNil(s.Rooms)}, {"data", data}})
	if err != nil {
		a.log.Warn("socket.io-redis-streams-adapter: encode session", "sid", s.SID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	key := a.opts.SessionKeyPrefix + s.PID
	ms := a.recovery.MaxDisconnectionDuration.Milliseconds()
	if err := a.rdb.Do(ctx, "SET", key, base64.StdEncoding.EncodeToString(b), "PX", max(ms, 1)).Err(); err != nil {
		a.log.Warn("socket.io-redis-streams-adapter: persist session", "sid", s.SID, "err", err)
	}
}

// RestoreSession takes the session stored under pid (GET and DEL in one transaction:
// a session is restored at most once) and, if the entry offset is still in the stream,
// returns it with the events of this namespace appended after offset that the session's
// rooms would have received, each with its entry id as its last argument. It returns
// (nil, nil) when the session or the offset is gone, and an error for an offset that
// is not a stream entry id or when Redis fails. Node: restoreSession.
func (a *StreamsAdapter) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, error) {
	if a.recovery == nil {
		return nil, nil
	}
	if !offsetPattern.MatchString(offset) {
		return nil, fmt.Errorf("redis: restore session: offset %q is not a stream entry id", offset)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	key := a.opts.SessionKeyPrefix + pid
	var get *goredis.StringCmd
	if _, err := a.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.Get(ctx, key)
		p.Del(ctx, key)
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redis: restore session: %w", err)
	}
	at, err := a.rdb.XRange(ctx, a.stream, offset, offset).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: restore session: XRANGE %s: %w", a.stream, err)
	}
	raw, err := get.Result()
	if errors.Is(err, goredis.Nil) || len(at) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis: restore session: %w", err)
	}
	s, err := decodeSession(raw)
	if err != nil {
		return nil, err
	}
	name := a.nsp.Name()
	for range restoreMaxRanges {
		next, err := nextOffset(offset)
		if err != nil {
			return nil, err
		}
		entries, err := a.rdb.XRange(ctx, a.stream, next, "+").Result()
		if err != nil {
			return nil, fmt.Errorf("redis: restore session: XRANGE %s: %w", a.stream, err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			offset = e.ID
			if nsp, _ := e.Values["nsp"].(string); nsp != name {
				continue
			}
			if t, _ := e.Values["type"].(string); t != strconv.Itoa(ctBroadcast) {
				continue
			}
			msg, err := decodeStreamEntry(e.Values)
			if err != nil {
				continue
			}
			data, _ := msg.Get("data").(jsvalue.Object)
			pm, _ := data.Get("packet").(jsvalue.Object)
			om, _ := data.Get("opts").(jsvalue.Object)
			if pm == nil {
				continue
			}
			p, opts, err := decodeBroadcast(pm, om)
			if err != nil || !shouldInclude(s.Rooms, opts) {
				continue
			}
			withOffset(p, e.ID)
			p.Namespace = name
			s.MissedPackets = append(s.MissedPackets, p)
		}
	}
	return s, nil
}

// shouldInclude reports whether a socket in rooms received a broadcast with opts.
func shouldInclude(rooms []string, opts *adapter.BroadcastOptions) bool {
	included := len(opts.Rooms) == 0
	for _, r := range rooms {
		if slices.Contains(opts.Except, r) {
			return false
		}
		if slices.Contains(opts.Rooms, r) {
			included = true
		}
	}
	return included
}

// nextOffset is the entry id after offset (exclusive ranges need Redis 6.2).
func nextOffset(offset string) (string, error) {
	ts, seq, _ := strings.Cut(offset, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return "", fmt.Errorf("redis: restore session: offset %q: %w", offset, err)
	}
	return ts + "-" + strconv.FormatUint(n+1, 10), nil
}

func decodeSession(raw string) (*adapter.Session, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("redis: restore session: stored session is not base64: %w", err)
	}
	v, err := jsvalue.DecodeMsgpack(b)
	if err != nil {
		return nil, fmt.Errorf("redis: restore session: %w", err)
	}
	m, ok := v.(jsvalue.Object)
	if !ok || m.Text("sid") == "" {
		return nil, fmt.Errorf("redis: restore session: stored session is not a {sid, pid, rooms, data} object")
	}
	return &adapter.Session{SID: m.Text("sid"), PID: m.Text("pid"), Rooms: jsvalue.Strings(m.Get("rooms")), Data: jsvalue.ToGo(m.Get("data"))}, nil
}
