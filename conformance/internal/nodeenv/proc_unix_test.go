//go:build unix

package nodeenv

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no such")
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

func TestCleanupKillsTheProcessGroup(t *testing.T) {
	var child int
	t.Run("owner", func(t *testing.T) {
		p := Start(t, selftest, &Options{Args: []string{"spawn"}})
		var hello struct{ Child int }
		if err := p.ReadJSON(ctxFor(t), &hello); err != nil {
			t.Fatal(err)
		}
		child = hello.Child
		if !alive(child) {
			t.Fatalf("child %d is not running", child)
		}
	})
	// SIGKILL is asynchronous: poll until the child is gone.
	deadline := time.Now().Add(10 * time.Second)
	for alive(child) {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("the script's child %d survived the cleanup", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
