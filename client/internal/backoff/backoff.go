// Package backoff computes reconnection delays as socket.io-client does (its backo2
// dependency): an exponential series base*factor^attempt, shifted by a random jitter of
// up to ±jitter×delay, capped at max.
package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is the state of one reconnection series. It is not safe for concurrent use;
// its owner (the client's Manager) guards it.
type Backoff struct {
	// Min is the first delay (Node: reconnectionDelay).
	Min time.Duration
	// Max caps every delay (Node: reconnectionDelayMax).
	Max time.Duration
	// Factor multiplies the delay at each attempt; 0 means 2 (Node's fixed factor).
	Factor float64
	// Jitter in [0, 1] is the largest relative deviation (Node: randomizationFactor).
	Jitter float64
	// Rand returns a number in [0, 1); nil means math/rand/v2.Float64. Tests pin it.
	Rand func() float64

	attempts int
}

// Duration returns the delay before the next attempt and counts that attempt, as
// backo2's duration(): the deviation floor(r*jitter*d) is subtracted when floor(r*10) is
// even and added when it is odd, then the result is capped at Max.
func (b *Backoff) Duration() time.Duration {
	factor := b.Factor
	if factor == 0 {
		factor = 2
	}
	ms := float64(b.Min.Milliseconds()) * math.Pow(factor, float64(b.attempts))
	b.attempts++
	if b.Jitter > 0 {
		r := b.rand()
		deviation := math.Floor(r * b.Jitter * ms)
		if int64(math.Floor(r*10))&1 == 0 {
			ms -= deviation
		} else {
			ms += deviation
		}
	}
	maxMS := float64(b.Max.Milliseconds())
	if ms > maxMS || math.IsInf(ms, 0) || math.IsNaN(ms) {
		ms = maxMS
	}
	if ms < 0 {
		ms = 0
	}
	return time.Duration(ms) * time.Millisecond
}

// Attempts returns the number of delays handed out since the last Reset.
func (b *Backoff) Attempts() int { return b.attempts }

// Reset starts a new series: the next Duration is Min again (give or take the jitter).
func (b *Backoff) Reset() { b.attempts = 0 }

func (b *Backoff) rand() float64 {
	if b.Rand != nil {
		return b.Rand()
	}
	return rand.Float64()
}
