package postgres

import "errors"

// ErrRequestTimeout is returned (wrapped, with the request kind and the servers that
// did not answer) when some servers of the cluster did not answer a request within
// Options.RequestsTimeout. Node: "timeout reached: missing N responses".
var ErrRequestTimeout = errors.New("postgres: timeout reached while waiting for the other servers")
