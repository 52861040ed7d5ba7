package redis

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gosockio/gosockio/adapter/internal/jsvalue"

	goredis "github.com/redis/go-redis/v9"
)

// The streams adapter speaks socket.io-adapter's ClusterAdapter messages
// {type, data, uid, nsp} (types ct* in sharded.go) on two transports, as Node's
// @socket.io/redis-streams-adapter 0.3.1 does:
//
//   - BROADCAST without acknowledgements, SOCKETS_JOIN, SOCKETS_LEAVE and
//     DISCONNECT_SOCKETS are stream entries (XADD <stream> MAXLEN ~ <maxLen> *) with the
//     fields uid, nsp, type (the number as a string) and data: JSON, or, when the
//     message may carry binary and does, base64 of its msgpack;
//   - the other requests (FETCH_SOCKETS, SERVER_SIDE_EMIT, BROADCAST with a requestId)
//     are msgpack on <prefix>#<nsp>#, and answers msgpack on the requester's
//     <prefix>#<nsp>#<uid>#.

// mayContainBinary lists the message types whose data Node checks for binary.
func mayContainBinary(t int) bool {
	switch t {
	case ctBroadcast, ctFetchSocketsResponse, ctServerSideEmit, ctServerSideEmitResponse, ctBroadcastAck:
		return true
	}
	return false
}

// xadd appends a message to the namespace's stream and returns its entry id (the
// offset of connection state recovery).
func (a *StreamsAdapter) xadd(ctx context.Context, t int, data jsvalue.Object) (string, error) {
	var field string
	if !a.opts.OnlyPlaintext && mayContainBinary(t) && jsvalue.HasBinary(data) {
		b, err := jsvalue.EncodeMsgpack(data)
		if err != nil {
			return "", err
		}
		field = base64.StdEncoding.EncodeToString(b)
	} else {
		b, err := json.Marshal(data)
		if err != nil {
			return "", fmt.Errorf("redis: encode cluster message: %w", err)
		}
		field = string(b)
	}
	id, err := a.rdb.XAdd(ctx, &goredis.XAddArgs{
		Stream: a.stream,
		MaxLen: a.opts.MaxLen,
		Approx: true,
		ID:     "*",
		Values: []string{"uid", a.uid, "nsp", a.nsp.Name(), "type", strconv.Itoa(t), "data", field},
	}).Result()
	if err != nil {
		return "", fmt.Errorf("redis: XADD to stream %s: %w", a.stream, err)
	}
	return id, nil
}

// decodeStreamEntry turns the fields of a stream entry into a message object, data
// decoded from JSON (when it starts with "{") or base64 msgpack.
func decodeStreamEntry(values map[string]any) (jsvalue.Object, error) {
	field := func(k string) string { s, _ := values[k].(string); return s }
	t, err := strconv.Atoi(field("type"))
	if err != nil {
		return nil, fmt.Errorf("type %q is not a number", field("type"))
	}
	msg := jsvalue.Object{{"uid", field("uid")}, {"nsp", field("nsp")}, {"type", int64(t)}}
	raw := field("data")
	if raw == "" {
		return msg, nil
	}
	var data any
	if raw[0] == '{' {
		data, err = jsvalue.DecodeJSON([]byte(raw))
	} else {
		var b []byte
		if b, err = base64.StdEncoding.DecodeString(raw); err == nil {
			data, err = jsvalue.DecodeMsgpack(b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return append(msg, jsvalue.KV{"data", data}), nil
}

// encodePubSub writes a message as Node writes it on pub/sub: msgpack of
// {type, data, uid, nsp}.
func (a *StreamsAdapter) encodePubSub(t int, data jsvalue.Object) ([]byte, error) {
	return jsvalue.EncodeMsgpack(jsvalue.Object{{"type", int64(t)}, {"data", data}, {"uid", a.uid}, {"nsp", a.nsp.Name()}})
}

func (a *StreamsAdapter) publishTo(ctx context.Context, channel string, t int, data jsvalue.Object) error {
	msg, err := a.encodePubSub(t, data)
	if err != nil {
		return err
	}
	if a.opts.UseShardedPubSub {
		err = a.rdb.SPublish(ctx, channel, msg).Err()
	} else {
		err = a.rdb.Publish(ctx, channel, msg).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: publish to %s: %w", channel, err)
	}
	return nil
}

// appendBackground appends to the stream for a caller with no error to return.
func (a *StreamsAdapter) appendBackground(t int, data jsvalue.Object) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if _, err := a.xadd(ctx, t, data); err != nil {
		a.log.Warn("socket.io-redis-streams-adapter: append to the stream failed", "err", err)
	}
}
