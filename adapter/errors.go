package adapter

import "errors"

// ErrClosed is returned by an adapter's methods after Close.
var ErrClosed = errors.New("adapter: closed")

// ErrUnsupported is returned when an adapter does not implement an optional feature, for
// example when the in-memory adapter is asked for a server-side emit with acknowledgements.
var ErrUnsupported = errors.New("adapter: not supported by this adapter")
