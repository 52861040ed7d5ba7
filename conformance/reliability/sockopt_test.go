//go:build unix

package reliability

import (
	"syscall"
)

// setRcvBuf returns a net.Dialer Control that sets SO_RCVBUF before the connection is
// made, so the advertised TCP window stays small.
func setRcvBuf(n int) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		})
		if err != nil {
			return err
		}
		return serr
	}
}
