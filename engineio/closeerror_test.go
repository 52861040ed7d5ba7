package engineio

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
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
		{"close frame", fmt.Errorf("read: %w", &wsserver.CloseError{Code: wsserver.StatusNormalClosure}), true},
		{"close frame going away", &wsserver.CloseError{Code: wsserver.StatusGoingAway}, true},
		{"end of stream", fmt.Errorf("failed to read frame header: %w", io.EOF), true},
		{"stream cut in a frame", fmt.Errorf("failed to read frame payload: %w", io.ErrUnexpectedEOF), true},
		{"reset", fmt.Errorf("read: %w", &net.OpError{Op: "read", Err: syscall.ECONNRESET}), true},
		{"closed here", fmt.Errorf("read: %w", net.ErrClosed), true},
		{"message too big", &wsserver.ProtocolError{Code: wsserver.StatusMessageTooBig, Msg: "message of 11 bytes"}, false},
		{"protocol error (rsv bits)", &wsserver.ProtocolError{Code: wsserver.StatusProtocolError, Msg: "RSV2 and RSV3 must be clear"}, false},
		{"other error", errors.New("something else"), false},
	} {
		if got := isCloseError(tt.err); got != tt.want {
			t.Errorf("%s: isCloseError(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
