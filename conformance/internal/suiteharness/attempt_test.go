package suiteharness

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAttemptFatalEndsBodyAndRunsCleanups(t *testing.T) {
	a := NewAttempt(t)
	var order []string
	reached := false
	a.Run(func(a *Attempt) {
		a.Cleanup(func() { order = append(order, "first") })
		a.Cleanup(func() { order = append(order, "second") })
		a.Fatalf("boom %d", 1)
		reached = true
	})
	if reached {
		t.Error("the body went on after Fatalf")
	}
	if !a.Failed() {
		t.Error("Failed() = false after Fatalf")
	}
	if got := strings.Join(order, ","); got != "second,first" {
		t.Errorf("cleanups ran as %q, want \"second,first\"", got)
	}
	// callers leaves out files named attempt_test.go, so no line prefixes it.
	if logs := a.Logs(); len(logs) != 1 || logs[0] != ": boom 1" {
		t.Errorf("logs = %q, want one entry %q", logs, ": boom 1")
	}
	if a.Context().Err() == nil {
		t.Error("the attempt's context is still live after Run")
	}
}

func TestAttemptPassesAndMarkFinal(t *testing.T) {
	a := NewAttempt(t)
	a.Run(func(a *Attempt) { a.MarkFinal() })
	if a.Failed() || len(a.Logs()) != 0 {
		t.Errorf("a body that did not fail: Failed() = %v, logs %q", a.Failed(), a.Logs())
	}
	if !a.IsFinal() {
		t.Error("IsFinal() = false after MarkFinal")
	}
	if a.Name() != t.Name() {
		t.Errorf("Name() = %q, want %q", a.Name(), t.Name())
	}
}
