package engineio

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/coder/websocket"
)

// TestIsCloseError pins which websocket read errors are "transport close" (the peer went
// away) and which are "transport error" (the peer broke a rule), as Node's ws and
// engine.io report them.
func TestIsCloseError(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"close frame", fmt.Errorf("failed to read: %w", websocket.CloseError{Code: websocket.StatusNormalClosure}), true},
		{"close frame going away", websocket.CloseError{Code: websocket.StatusGoingAway}, true},
		{"end of stream", fmt.Errorf("failed to read frame header: %w", io.EOF), true},
		{"stream cut in a frame", fmt.Errorf("failed to read frame payload: %w", io.ErrUnexpectedEOF), true},
		{"reset", fmt.Errorf("read: %w", &net.OpError{Op: "read", Err: syscall.ECONNRESET}), true},
		{"closed here", fmt.Errorf("read: %w", net.ErrClosed), true},
		{"message too big", fmt.Errorf("read limited at 10 bytes: %w", websocket.ErrMessageTooBig), false},
		{"protocol error (rsv bits)", errors.New("failed to read frame header: received header with unexpected rsv bits set: false:true:false"), false},
	} {
		if got := isCloseError(tt.err); got != tt.want {
			t.Errorf("%s: isCloseError(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
