// Package redisinterop runs a mixed socket.io cluster on one real Redis: two Go
// servers with gosockio's Redis adapter (adapter/redis) and one Node server with
// socket.io 4.8.4 and @socket.io/redis-adapter 8.3.0 (conformance/node/redis-node.js),
// with official socket.io-client 4.8.4 clients on every server, and checks that
// broadcasts, rooms, requests between servers, acknowledgements and both emitters
// (@socket.io/redis-emitter 5.1.0 and ours) work across the two implementations.
//
// Redis must listen on 127.0.0.1:6379; when nothing does, TestMain starts
// redis-server (it must be installed). Each test uses its own channel prefix.
package redisinterop

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const redisAddr = "127.0.0.1:6379"

func TestMain(m *testing.M) {
	if err := ensureRedis(); err != nil {
		fmt.Fprintln(os.Stderr, "redisinterop needs a Redis server:", err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

func ensureRedis() error {
	if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
		return c.Close()
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("nothing listens on %s and redis-server is not installed (apt-get install redis-server)", redisAddr)
	}
	out, err := exec.Command(path, "--daemonize", "yes", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no").CombinedOutput()
	if err != nil {
		return fmt.Errorf("start redis-server: %v: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
			return c.Close()
		}
		t := time.NewTimer(50 * time.Millisecond)
		<-t.C
	}
	return fmt.Errorf("redis-server did not start listening on %s", redisAddr)
}
