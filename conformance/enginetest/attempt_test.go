package enginetest

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// tb is the part of testing.TB the cases use. *testing.T satisfies it, and so
// does *attempt, which lets a case run more than once.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	FailNow()
	Failed() bool
	Logf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
	Name() string
}

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
		a := newAttempt(t)
		start := time.Now()
		stall := a.run(body)
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
		if slow == "" || n == maxAttempts || a.isFinal() {
			for _, l := range a.logs {
				t.Error(l)
			}
			if slow != "" && !a.isFinal() {
				t.Errorf("all %d attempts were slow (the last: %s); the suite's 300/200 ms timers cannot be met on this machine now", n, slow)
			}
			t.FailNow()
		}
		t.Logf("attempt %d failed, but %s; running the case again. Its failures:\n\t%s", n, slow, strings.Join(a.logs, "\n\t"))
	}
}

// attempt is one run of a case: a tb that records failures, ends the case's
// goroutine on Fatal as testing.T does, and runs its own cleanups.
type attempt struct {
	t      *testing.T
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	failed   bool
	final    bool // a failure that a stall does not explain (see harness.timedOut)
	logs     []string
	cleanups []func()
}

func newAttempt(t *testing.T) *attempt {
	ctx, cancel := context.WithCancel(t.Context())
	return &attempt{t: t, ctx: ctx, cancel: cancel}
}

// run runs body on a new goroutine, then the cleanups it registered, and
// returns the longest stall seen meanwhile.
func (a *attempt) run(body func(tb)) time.Duration {
	stop := make(chan struct{})
	stalled := make(chan time.Duration, 1)
	// Ends when stop is closed below.
	go func() { stalled <- watchStalls(stop) }()
	done := make(chan struct{})
	// Ends when body returns or calls Fatal (runtime.Goexit).
	go func() {
		defer close(done)
		body(a)
	}()
	<-done
	close(stop)
	stall := <-stalled
	a.cancel()
	for i := len(a.cleanups) - 1; i >= 0; i-- {
		a.cleanups[i]()
	}
	return stall
}

// watchStalls ticks every few milliseconds until stop and returns the time the
// process was kept from running: the sum of how late each tick came. A sum
// rather than the longest stall, because many short stalls on a loaded machine
// also add up to a missed 300 ms deadline.
func watchStalls(stop <-chan struct{}) time.Duration {
	const period = 5 * time.Millisecond
	tick := time.NewTicker(period)
	defer tick.Stop()
	last := time.Now()
	var lost time.Duration
	for {
		select {
		case <-stop:
			return lost
		case now := <-tick.C:
			if late := now.Sub(last) - period; late > time.Millisecond {
				lost += late
			}
			last = now
		}
	}
}

func (a *attempt) markFinal() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.final = true
}

func (a *attempt) isFinal() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.final
}

func (a *attempt) Helper() {}

func (a *attempt) Errorf(format string, args ...any) {
	msg := callers() + ": " + fmt.Sprintf(format, args...)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failed = true
	a.logs = append(a.logs, msg)
}

// callers names the test-file lines that led to a failure, innermost first
// ("harness_test.go:250 < suite_v4_test.go:189"), since an attempt cannot use
// testing's Helper marks.
func callers() string {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(3, pc)])
	var out []string
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "_test.go") && !strings.HasSuffix(f.File, "attempt_test.go") {
			out = append(out, fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line))
		}
		if !more || len(out) == 4 {
			break
		}
	}
	return strings.Join(out, " < ")
}

func (a *attempt) Fatalf(format string, args ...any) {
	a.Errorf(format, args...)
	runtime.Goexit()
}

func (a *attempt) Fatal(args ...any) {
	a.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

func (a *attempt) FailNow() {
	a.mu.Lock()
	a.failed = true
	a.mu.Unlock()
	runtime.Goexit()
}

func (a *attempt) Failed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failed
}

func (a *attempt) Logf(format string, args ...any) { a.t.Logf(format, args...) }

// Cleanup registers f to run after the attempt, last registered first.
func (a *attempt) Cleanup(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cleanups = append(a.cleanups, f)
}

func (a *attempt) Context() context.Context { return a.ctx }

func (a *attempt) Name() string { return a.t.Name() }
