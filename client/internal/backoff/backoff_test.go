package backoff

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDurationSeries(t *testing.T) {
	fixed := func(r float64) func() float64 { return func() float64 { return r } }
	tests := []struct {
		name string
		b    Backoff
		want []time.Duration
	}{
		{"no jitter doubles then caps", Backoff{Min: time.Second, Max: 5 * time.Second},
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}},
		// r=0.25: floor(2.5)=2 is even, so the deviation floor(0.25*0.5*d) is subtracted.
		{"jitter below", Backoff{Min: time.Second, Max: 5 * time.Second, Jitter: 0.5, Rand: fixed(0.25)},
			[]time.Duration{875 * time.Millisecond, 1750 * time.Millisecond, 3500 * time.Millisecond, 5 * time.Second}},
		// r=0.35: floor(3.5)=3 is odd, so floor(0.35*0.5*d) is added.
		{"jitter above", Backoff{Min: time.Second, Max: 5 * time.Second, Jitter: 0.5, Rand: fixed(0.35)},
			[]time.Duration{1175 * time.Millisecond, 2350 * time.Millisecond, 4700 * time.Millisecond, 5 * time.Second}},
		{"factor 3", Backoff{Min: 100 * time.Millisecond, Max: time.Hour, Factor: 3},
			[]time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 900 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.want {
				if got := tc.b.Duration(); got != want {
					t.Fatalf("attempt %d: got %v, want %v", i, got, want)
				}
			}
			if tc.b.Attempts() != len(tc.want) {
				t.Fatalf("Attempts = %d, want %d", tc.b.Attempts(), len(tc.want))
			}
			tc.b.Reset()
			if tc.b.Attempts() != 0 {
				t.Fatal("Reset did not clear attempts")
			}
		})
	}
}

func TestDurationNeverOverflows(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 5 * time.Second, Jitter: 1}
	for i := range 5000 {
		d := b.Duration()
		if d < 0 || d > 5*time.Second {
			t.Fatalf("attempt %d: %v out of [0, 5s]", i, d)
		}
	}
}
