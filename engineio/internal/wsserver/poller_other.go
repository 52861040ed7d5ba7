//go:build !linux

package wsserver

import "errors"

// Poller waits for the readability of parked connections. It exists on Linux only (epoll);
// elsewhere NewPoller fails and every connection keeps its reading goroutine.
type Poller struct{}

// NewPoller returns an error: parking needs epoll.
func NewPoller() (*Poller, error) {
	return nil, errors.New("wsserver: parking idle connections needs epoll (Linux)")
}

// Len returns 0.
func (p *Poller) Len() int { return 0 }

// Close does nothing.
func (p *Poller) Close() error { return nil }

func (p *Poller) add(*Conn) error { return errors.New("wsserver: no poller") }

func (p *Poller) remove(*Conn) {}
