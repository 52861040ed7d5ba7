package enginetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
)

// tb is the part of testing.TB the cases use (see [suiteharness.T]).
type tb = suiteharness.T

// The suites' timings (pingInterval 300 ms, pingTimeout 200 ms) are the
// contract, and every case assumes it runs faster than them: a message case
// expects its echo before the first ping (300 ms after the handshake; a v3
// session times out after 500 ms without a client ping), a heartbeat case
// expects its pong to reach the server within 200 ms. On a loaded machine a
// case can run slower than that, and then a ping or a timeout legitimately
// lands where the case does not expect one. Such an attempt is not evidence
// against the server, so it is run again (logged), up to maxAttempts times.
// An attempt is "slow" when the machine kept this process from running for
// more than maxStall in total (a third of pingInterval), or when it ran longer
// than the case's window (fastWindow for cases that must beat the first ping;
// heartbeat cases have none). An attempt that fails without being slow, or
// that waited waitLimit for an event (no slowness explains that), fails the
// test at once.
const (
	maxStall    = 100 * time.Millisecond
	fastWindow  = 250 * time.Millisecond
	maxAttempts = 5
)

// runAttempts runs body until an attempt passes, fails without being slow, or
// maxAttempts are used. window is how long the case may take before it may
// meet a ping it does not expect (0: no such limit).
func runAttempts(t *testing.T, window time.Duration, body func(tb)) {
	t.Helper()
	for n := 1; ; n++ {
		a := suiteharness.NewAttempt(t)
		start := time.Now()
		stall := a.Run(func(a *attempt) { body(a) })
		elapsed := time.Since(start)
		if !a.Failed() {
			if n > 1 {
				t.Logf("passed on attempt %d", n)
			}
			return
		}
		slow := ""
		switch {
		case stall > maxStall:
			slow = fmt.Sprintf("this process lost %v to stalls (over %v)", stall.Round(time.Millisecond), maxStall)
		case window > 0 && elapsed > window:
			slow = fmt.Sprintf("it took %v, longer than the %v the case must beat the suite's timers in", elapsed.Round(time.Millisecond), window)
		}
		if slow == "" || n == maxAttempts || a.IsFinal() {
			for _, l := range a.Logs() {
				t.Error(l)
			}
			if slow != "" && !a.IsFinal() {
				t.Errorf("all %d attempts were slow (the last: %s); the suite's 300/200 ms timers cannot be met on this machine now", n, slow)
			}
			t.FailNow()
		}
		t.Logf("attempt %d failed, but %s; running the case again. Its failures:\n\t%s", n, slow, strings.Join(a.Logs(), "\n\t"))
	}
}

// attempt is one run of a case (see [suiteharness.Attempt]).
type attempt = suiteharness.Attempt
