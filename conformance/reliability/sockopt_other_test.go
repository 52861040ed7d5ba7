//go:build !unix

package reliability

import "syscall"

// setRcvBuf leaves the receive buffer as is where SO_RCVBUF cannot be set this way; the
// tests that stall a reader then fill the system's larger default window.
func setRcvBuf(int) func(network, address string, c syscall.RawConn) error { return nil }
