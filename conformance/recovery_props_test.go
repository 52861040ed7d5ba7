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

// startRecoveryPropServer serves our contract server with connection state
// recovery on, on a loopback port.
func startRecoveryPropServer(t *testing.T, faults propserver.Faults) ServerDriver {
	t.Helper()
	s, err := propserver.New(&propserver.Options{Faults: faults, Recovery: true})
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

// TestServerRecoveryProperty runs the recovery property against our server
// and, differentially, against Node's socket.io 4.8 (node/prop-server.js,
// its recovery port).
func TestServerRecoveryProperty(t *testing.T) {
	t.Run("Go", func(t *testing.T) {
		limitChecks(t, 30)
		CheckServerRecovery(t, startRecoveryPropServer(t, propserver.Faults{}))
	})
	t.Run("Node", func(t *testing.T) {
		limitChecks(t, 30)
		p := nodeenv.Start(t, "prop-server.js", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var hello struct {
			RecoveryPort int `json:"recoveryPort"`
		}
		if err := p.ReadJSON(ctx, &hello); err != nil || hello.RecoveryPort == 0 {
			t.Fatalf("prop-server.js did not announce its recovery port (%+v, %v)\nstderr:\n%s", hello, err, p.Stderr())
		}
		CheckServerRecovery(t, ServerURL(fmt.Sprintf("http://127.0.0.1:%d/socket.io/", hello.RecoveryPort)))
	})
}

func TestServerRecoveryPropertyCatchesBrokenServers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults propserver.Faults
		want   string
	}{
		{"a missed packet replayed twice", propserver.Faults{ReplayTwice: true}, "after recovering"},
		{"a missed packet dropped", propserver.Faults{DropReplayed: true}, "after recovering"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limitChecks(t, 30)
			d := startRecoveryPropServer(t, tc.faults)
			r := runFailing(t, func(tb rapid.TB) { CheckServerRecovery(tb, d) })
			if !r.Failed() {
				t.Fatalf("the property passed against a broken server; log:\n%s", r.log())
			}
			if !strings.Contains(r.log(), "[rapid] failed") || !strings.Contains(r.log(), tc.want) {
				t.Fatalf("the property failed, but not through rapid with %q:\n%s", tc.want, r.log())
			}
		})
	}
}
