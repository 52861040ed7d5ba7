// Package soak holds the long-running soak test of issue 10 (GOSOCKIO_SOAK) and its
// always-on smoke variant.
package soak

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
