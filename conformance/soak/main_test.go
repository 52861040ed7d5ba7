// Package soak holds the long-running soak test of issue 10 (GOSOCKIO_SOAK) and its
// always-on smoke variant.
package soak

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(serveChild(spec)) // a server child of the split mode (child_test.go)
	}
	goleak.VerifyTestMain(m)
}
