package suiteharness

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

// Attempt is one run of a case: a testing.TB subset that records failures,
// ends the case's goroutine on Fatal as testing.T does, and runs its own
// cleanups.
type Attempt struct {
	t      *testing.T
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	failed   bool
	final    bool // a failure that a stall does not explain (see MarkFinal)
	logs     []string
	cleanups []func()
}

// NewAttempt returns an attempt of the test t; its context ends when the
// attempt has run or with t.
func NewAttempt(t *testing.T) *Attempt {
	ctx, cancel := context.WithCancel(t.Context())
	return &Attempt{t: t, ctx: ctx, cancel: cancel}
}

// Run runs body on a new goroutine, then the cleanups it registered, and
// returns the time the process lost to stalls meanwhile (see [WatchStalls]).
func (a *Attempt) Run(body func(*Attempt)) time.Duration {
	stop := make(chan struct{})
	stalled := make(chan time.Duration, 1)
	// Ends when stop is closed below.
	go func() { stalled <- WatchStalls(stop) }()
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

// WatchStalls ticks every few milliseconds until stop and returns the time the
// process was kept from running: the sum of how late each tick came. A sum
// rather than the longest stall, because many short stalls on a loaded machine
// also add up to a missed deadline.
func WatchStalls(stop <-chan struct{}) time.Duration {
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

// MarkFinal records that the attempt failed in a way no stall explains (a
// wait for an event ran out), so it must not be run again.
func (a *Attempt) MarkFinal() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.final = true
}

// IsFinal reports whether [Attempt.MarkFinal] was called.
func (a *Attempt) IsFinal() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.final
}

// Logs returns the failure messages recorded so far, in order.
func (a *Attempt) Logs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.logs...)
}

// Helper does nothing: an attempt names its failure lines with callers.
func (a *Attempt) Helper() {}

// Errorf records a failure, prefixed with the test-file lines that led to it.
func (a *Attempt) Errorf(format string, args ...any) {
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

// Fatalf records a failure as Errorf does and ends the case's goroutine.
func (a *Attempt) Fatalf(format string, args ...any) {
	a.Errorf(format, args...)
	runtime.Goexit()
}

// Fatal records a failure as Errorf does and ends the case's goroutine.
func (a *Attempt) Fatal(args ...any) {
	a.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

// FailNow marks the attempt failed and ends the case's goroutine.
func (a *Attempt) FailNow() {
	a.mu.Lock()
	a.failed = true
	a.mu.Unlock()
	runtime.Goexit()
}

// Failed reports whether the attempt has failed.
func (a *Attempt) Failed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failed
}

// Logf logs to the test at once (not only when the attempt fails).
func (a *Attempt) Logf(format string, args ...any) { a.t.Logf(format, args...) }

// Cleanup registers f to run after the attempt, last registered first.
func (a *Attempt) Cleanup(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cleanups = append(a.cleanups, f)
}

// Context returns a context that ends when the attempt has run or with the
// test.
func (a *Attempt) Context() context.Context { return a.ctx }

// Name returns the name of the test the attempt belongs to.
func (a *Attempt) Name() string { return a.t.Name() }

// T is the part of testing.TB the suites' cases use. *testing.T satisfies it,
// and so does *[Attempt], which lets a case run more than once.
type T interface {
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
