package conformance

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/conformance/internal/propserver"
)

// TestServerRecoveryProperty runs the recovery property against our server
// and, differentially, against Node's socket.io 4.8 (node/prop-server.js,
// its recovery port).
func TestServerRecoveryProperty(t *testing.T) {
	t.Run("Go", func(t *testing.T) {
		limitChecks(t, 30)
		CheckServerRecovery(t, startPropServer(t, propserver.Options{Recovery: true}))
	})
	t.Run("Node", func(t *testing.T) {
		limitChecks(t, 30)
		ports := startNodePropServer(t)
		CheckServerRecovery(t, ServerURL(fmt.Sprintf("http://127.0.0.1:%d/socket.io/", ports.RecoveryPort)))
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
			d := startPropServer(t, propserver.Options{Faults: tc.faults, Recovery: true})
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
