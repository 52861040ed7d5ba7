package conformance

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/conformance/internal/propserver"
)

// startPropServer serves our contract server on a loopback port.
func startPropServer(t *testing.T, faults propserver.Faults) ServerDriver {
	t.Helper()
	s, err := propserver.New(&propserver.Options{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
		srv.Close()
	})
	return ServerURL(srv.URL + propserver.Path)
}

// TestServerProperties runs the server property against our socket.io server
// and, differentially, against Node's socket.io 4.8 with the same contract
// (node/prop-server.js): both must satisfy the model.
func TestServerProperties(t *testing.T) {
	t.Run("Go", func(t *testing.T) {
		limitChecks(t, 100)
		CheckServerRooms(t, startPropServer(t, propserver.Faults{}))
	})
	t.Run("Node", func(t *testing.T) {
		limitChecks(t, 100)
		p := nodeenv.Start(t, "prop-server.js", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var hello struct {
			Port int `json:"port"`
		}
		if err := p.ReadJSON(ctx, &hello); err != nil {
			t.Fatalf("prop-server.js did not announce its port: %v\nstderr:\n%s", err, p.Stderr())
		}
		CheckServerRooms(t, ServerURL(fmt.Sprintf("http://127.0.0.1:%d/socket.io/", hello.Port)))
	})
}

func TestServerPropertiesCatchBrokenServers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults propserver.Faults
		want   string
	}{
		{"broadcast reaches the sender", propserver.Faults{SelfBroadcast: true}, "received the wrong packets"},
		{"except ignored", propserver.Faults{IgnoreExcept: true}, "received the wrong packets"},
		{"acks sent twice", propserver.Faults{DoubleAck: true}, "received the wrong packets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startPropServer(t, tc.faults)
			r := runFailing(t, func(tb rapid.TB) { CheckServerRooms(tb, d) })
			if !r.Failed() {
				t.Fatalf("the property passed against a broken server; log:\n%s", r.log())
			}
			if !strings.Contains(r.log(), "[rapid] failed") || !strings.Contains(r.log(), tc.want) {
				t.Fatalf("the property failed, but not through rapid with %q:\n%s", tc.want, r.log())
			}
		})
	}
}
