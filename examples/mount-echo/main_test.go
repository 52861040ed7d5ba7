package main

import (
	"testing"

	"github.com/gosockio/gosockio/examples/internal/mounttest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestMount(t *testing.T) {
	mounttest.Check(t, newHandler)
}
