package siotest

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

// tb is the part of testing.TB the cases use. *attempt satisfies it, which lets a
// case run more than once.
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
}

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
		a := &attempt{t: t}
		a.ctx, a.cancel = context.WithCancel(t.Context())
		stall := a.run(body)
		if !a.Failed() {
			if n > 1 {
				t.Logf("passed on attempt %d", n)
			}
			return
		}
		slow := stall > maxStall
		if !slow || n == maxAttempts || a.isFinal() {
			for _, l := range a.logs {
				t.Error(l)
			}
			if slow && !a.isFinal() {
				t.Errorf("all %d attempts were slow (the last lost %v to stalls); the suite's timers cannot be met on this machine now", n, stall.Round(time.Millisecond))
			}
			t.FailNow()
		}
		t.Logf("attempt %d failed, but this process lost %v to stalls (over %v); running the case again. Its failures:\n\t%s",
			n, stall.Round(time.Millisecond), maxStall, strings.Join(a.logs, "\n\t"))
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
	final    bool // a failure no stall explains (see harness.timedOut)
	logs     []string
	cleanups []func()
}

// run runs body on a new goroutine, then the cleanups it registered, and returns
// the time the process lost to stalls meanwhile.
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

// watchStalls ticks every few milliseconds until stop and returns the sum of how
// late the ticks came: many short stalls add up to a missed deadline too.
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

// callers names the test-file lines that led to a failure, innermost first, since
// an attempt cannot use testing's Helper marks.
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
