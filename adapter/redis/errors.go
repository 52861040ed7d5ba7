package redis

import "errors"

// ErrRequestTimeout is returned (wrapped, with the request kind and the count of answers)
// when the other servers of the cluster did not all answer a request within
// Options.RequestsTimeout. Node: "timeout reached while waiting for ... response".
var ErrRequestTimeout = errors.New("redis: timeout reached while waiting for the other servers")

// ErrAckUnsupported is returned by Emitter.ServerSideEmit when the last argument is a
// function: the emitter cannot receive answers, as in Node's redis-emitter.
var ErrAckUnsupported = errors.New("redis: acknowledgements are not supported by the emitter")
