package redis

import (
	"testing"
	"time"
)

func TestHealthCheckDefaults(t *testing.T) {
	for _, c := range []struct {
		interval, timeout time.Duration
		want              healthCheck
	}{
		{0, 0, healthCheck{5 * time.Second, 3 * time.Second}},
		{time.Second, 0, healthCheck{time.Second, 3 * time.Second}},
		{0, time.Second, healthCheck{5 * time.Second, time.Second}},
		{2 * time.Second, time.Second, healthCheck{2 * time.Second, time.Second}},
		{-1, time.Second, healthCheck{}},
	} {
		if got := newHealthCheck(c.interval, c.timeout); got != c.want {
			t.Errorf("newHealthCheck(%v, %v) = %+v, want %+v", c.interval, c.timeout, got, c.want)
		}
	}
}
