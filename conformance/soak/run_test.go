package soak

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// soakConfig reads GOSOCKIO_SOAK (duration) and GOSOCKIO_SOAK_CONNS (default 10,000).
// The servers run in child processes when the connections need more fds than one
// process may hold, or when GOSOCKIO_SOAK_SPLIT=1 (GOSOCKIO_SOAK_SPLIT=0 keeps them in
// this process and caps the connections instead).
func soakConfig(t *testing.T, nodes int) config {
	v := os.Getenv("GOSOCKIO_SOAK")
	if v == "" {
		t.Skip("soak test skipped by design (the normal suite stays fast); run it with " +
			"GOSOCKIO_SOAK=10m [GOSOCKIO_SOAK_CONNS=10000] [GOSOCKIO_SOAK_SPLIT=1] go test -run Soak -timeout 0 ./soak/")
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("GOSOCKIO_SOAK=%q: want a Go duration such as 10m: %v", v, err)
	}
	n := 10000
	if s := os.Getenv("GOSOCKIO_SOAK_CONNS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("GOSOCKIO_SOAK_CONNS=%q: want a positive integer", s)
		}
	}
	return config{conns: n, dur: d, nodes: nodes}
}

func needRedis(t *testing.T) {
	if err := ensureRedis(); err != nil {
		t.Fatalf("the cluster variant needs Redis: %v", err)
	}
}

func TestSoakOneNode(t *testing.T) { runSoak(t, soakConfig(t, 1)) }

func TestSoakRedisCluster(t *testing.T) {
	cfg := soakConfig(t, 3)
	needRedis(t)
	runSoak(t, cfg)
}

// The smoke variants run the same code briefly on every test run, with the servers
// in this process and, with fewer connections, in child processes (the split mode).
func TestSmokeOneNode(t *testing.T) { runSoak(t, config{conns: 200, dur: 3 * time.Second, nodes: 1}) }

func TestSmokeRedisCluster(t *testing.T) {
	needRedis(t)
	runSoak(t, config{conns: 200, dur: 3 * time.Second, nodes: 3})
}

func TestSmokeSplitOneNode(t *testing.T) {
	runSoak(t, config{conns: 200, dur: 2 * time.Second, nodes: 1, split: true})
}

func TestSmokeSplitRedisCluster(t *testing.T) {
	needRedis(t)
	runSoak(t, config{conns: 200, dur: 2 * time.Second, nodes: 3, split: true})
}
