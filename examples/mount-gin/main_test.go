package main

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gosockio/gosockio/examples/internal/mounttest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route listing in the test output
	goleak.VerifyTestMain(m)
}

func TestMount(t *testing.T) {
	mounttest.Check(t, newHandler)
}
