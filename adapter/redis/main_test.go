package redis_test

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
		fmt.Fprintln(os.Stderr, "adapter/redis tests need a Redis server:", err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

// ensureRedis starts redis-server on 127.0.0.1:6379 when nothing listens there.
func ensureRedis() error {
	if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
		return c.Close()
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("nothing listens on %s and redis-server is not installed (apt-get install redis-server)", redisAddr)
	}
	cmd := exec.Command(path, "--daemonize", "yes", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if out, err := cmd.CombinedOutput(); err != nil {
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
