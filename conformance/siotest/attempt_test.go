package siotest

import (
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
)

// tb is the part of testing.TB the cases use (see [suiteharness.T]).
type tb = suiteharness.T

// The suite's timers (pingInterval 300 ms, pingTimeout 200 ms, connectTimeout 1 s)
// are the contract, and the cases assume the client keeps up with them: it answers
// a ping within 200 ms, and a case that never joins a namespace finishes its
// heartbeats before the connect timeout. When the machine keeps this process from
// running for a while (other test binaries share the cores), a timer legitimately
// fires where the case does not expect it. Such an attempt is not evidence against
// the server, so it is run again (logged), up to maxAttempts times. An attempt is
// "slow" when this process lost more than maxStall to stalls in total (half the
// ping timeout). A failure of a fast attempt, or a wait of waitLimit for an event
// (no stall explains that), fails the test at once.
const (
	maxStall    = 100 * time.Millisecond
	maxAttempts = 5
)

// runAttempts runs body until an attempt passes, fails without being slow, or
// maxAttempts are used.
func runAttempts(t *testing.T, body func(tb)) {
	t.Helper()
	for n := 1; ; n++ {
		a := suiteharness.NewAttempt(t)
		stall := a.Run(func(a *attempt) { body(a) })
		if !a.Failed() {
			if n > 1 {
				t.Logf("passed on attempt %d", n)
			}
			return
		}
		slow := stall > maxStall
		if !slow || n == maxAttempts || a.IsFinal() {
			for _, l := range a.Logs() {
				t.Error(l)
			}
			if slow && !a.IsFinal() {
				t.Errorf("all %d attempts were slow (the last lost %v to stalls); the suite's timers cannot be met on this machine now", n, stall.Round(time.Millisecond))
			}
			t.FailNow()
		}
		t.Logf("attempt %d failed, but this process lost %v to stalls (over %v); running the case again. Its failures:\n\t%s",
			n, stall.Round(time.Millisecond), maxStall, strings.Join(a.Logs(), "\n\t"))
	}
}

// attempt is one run of a case (see [suiteharness.Attempt]).
type attempt = suiteharness.Attempt
