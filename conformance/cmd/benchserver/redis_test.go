package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const redisAddr = "127.0.0.1:6379"

// needRedis starts redis-server on redisAddr when nothing listens there.
func needRedis(t *testing.T) {
	t.Helper()
	if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
		_ = c.Close()
		return
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("nothing listens on %s and redis-server is not installed (apt-get install redis-server)", redisAddr)
	}
	if out, err := exec.Command(path, "--daemonize", "yes", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no").CombinedOutput(); err != nil {
		t.Fatalf("start redis-server: %v: %s", err, out)
	}
	for range 200 {
		if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		tm := time.NewTimer(50 * time.Millisecond)
		<-tm.C
	}
	t.Fatalf("redis-server did not start listening on %s", redisAddr)
}

func uniqueKey(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("gosockio-test-benchserver-%s-%s", t.Name(), hex.EncodeToString(b[:]))
}

// TestRedisCluster: with -redis, a "bcast" sent to one server reaches the sockets of
// another server on the same -redis-key, and not those of a server on another key.
func TestRedisCluster(t *testing.T) {
	needRedis(t)
	ctx := testCtx(t)
	key := uniqueKey(t)
	s1 := start(t, config{addr: "127.0.0.1:0", redis: redisAddr, key: key})
	s2 := start(t, config{addr: "127.0.0.1:0", redis: redisAddr, key: key})
	s3 := start(t, config{addr: "127.0.0.1:0", redis: redisAddr, key: key + "-other"})
	a, b, c := dial(t, ctx, s1.base), dial(t, ctx, s2.base), dial(t, ctx, s3.base)
	a.connect(ctx)
	b.connect(ctx)
	c.connect(ctx)
	const msg = `42["bcast",{"t":1764000000000000000,"s":1,"p":"xx"}]`
	a.send(ctx, msg)
	if got := a.read(ctx); got != msg {
		t.Errorf("sender got %q, want %q", got, msg)
	}
	// Through Redis the object is decoded and encoded again: the same bytes, keys in
	// the sender's order (as a Node server delivers them).
	if got, want := b.read(ctx), msg; got != want {
		t.Errorf("client of the other server got %q, want %q", got, want)
	}
	// c's server is in another cluster: the next thing c reads is its own broadcast.
	const own = `42["bcast",{"t":1764000000000000000,"s":2,"p":"yy"}]`
	c.send(ctx, own)
	if got := c.read(ctx); got != own {
		t.Errorf("client of another cluster got %q, want only its own %q", got, own)
	}
}

// TestRedisFlagErrors: an unreachable -redis and -redis with -engine are reported.
func TestRedisFlagErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := run(ctx, config{addr: "127.0.0.1:0", redis: dead, key: "k"}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "-redis "+dead) {
		t.Errorf("run with an unreachable -redis = %v, want an error naming -redis %s", err, dead)
	}
	if err := run(ctx, config{addr: "127.0.0.1:0", redis: redisAddr, engine: true}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "-engine and -redis") {
		t.Errorf("run with -engine -redis = %v, want an error naming both", err)
	}
}
