package suiteharness

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

// NodePort waits up to waitLimit for the Node test server p to announce its
// port ({"port": N} on its first stdout line) and returns it; a server that
// does not fails t. name names the server in the failure.
func NodePort(t *testing.T, p *nodeenv.Process, name string, waitLimit time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	var hello struct{ Port int }
	if err := p.ReadJSON(ctx, &hello); err != nil || hello.Port == 0 {
		t.Fatalf("%s did not announce its port: %v", name, err)
	}
	return hello.Port
}

// ReadNodeReports feeds each further stdout line of the Node test server p to
// dispatch, on a goroutine, until t's cleanup; an error from dispatch fails t
// (prefixed with name). The cleanup stops the reader, waits for it, then calls
// after (nil: nothing).
func ReadNodeReports(t *testing.T, p *nodeenv.Process, name string, dispatch func(line string) error, after func()) {
	readCtx, stopReading := context.WithCancel(context.Background())
	done := make(chan struct{})
	// Reads the server's reports until stopReading (below, on cleanup) or the
	// process's stdout closes.
	go func() {
		defer close(done)
		for {
			line, err := p.ReadLine(readCtx)
			if err != nil {
				return
			}
			if err := dispatch(line); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}()
	t.Cleanup(func() {
		stopReading()
		<-done
		if after != nil {
			after()
		}
	})
}
