package browser

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

const (
	// chromiumPath is Debian's chromium, which the tests drive.
	chromiumPath = "/usr/bin/chromium"
	// installCommand installs it.
	installCommand = "apt-get update && apt-get install -y chromium"
	// installTimeout bounds installCommand.
	installTimeout = 10 * time.Minute
)

var (
	installOnce sync.Once
	installErr  error
	installLog  string
)

// chromium returns chromiumPath, installing Chromium with installCommand first when it is
// missing (once per test binary). Without apt-get the test is skipped with a loud message
// (failed under GOSOCKIO_REQUIRE_NODE=1); a failed install fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		msg := fmt.Sprintf("\n"+
			"************************************************************************\n"+
			"*** BROWSER TEST NOT RUN: %s is missing and apt-get is not available (%v).\n"+
			"*** Install Chromium at %s, e.g. on Debian/Ubuntu as root: %s\n"+
			"************************************************************************",
			chromiumPath, err, chromiumPath, installCommand)
		if os.Getenv("GOSOCKIO_REQUIRE_NODE") == "1" {
			t.Fatal(msg + "\n(GOSOCKIO_REQUIRE_NODE=1: failing instead of skipping)")
		}
		t.Skip(msg)
	}
	installOnce.Do(func() {
		t.Logf("%s is missing: running `%s` (at most %v)", chromiumPath, installCommand, installTimeout)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", installCommand)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.WaitDelay = 5 * time.Second
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		installErr = cmd.Run()
		installLog = out.String()
		if installErr == nil {
			t.Logf("installed Chromium in %v", time.Since(start).Round(time.Second))
		}
	})
	if installErr != nil {
		t.Fatalf("`%s` failed (%v); it needs root and network access to the Debian mirrors; output:\n%s",
			installCommand, installErr, tail(installLog, 4000))
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("`%s` succeeded but %s is still missing: %v", installCommand, chromiumPath, err)
	}
	return chromiumPath
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
