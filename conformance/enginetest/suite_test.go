package enginetest

import (
	"strings"
	"testing"
)

// suiteCase is one it(...) of an official suite; name is its describe/it path.
type suiteCase struct {
	name string
	run  func(h *harness)
}

// runSuite runs every case as a parallel subtest, each attempt on a harness
// newH gives it (see runAttempts).
func runSuite(t *testing.T, cases []suiteCase, newH func(tb) *harness) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			window := fastWindow
			if strings.HasPrefix(tc.name, "heartbeat/") {
				window = 0 // they run for several ping intervals by design
			}
			runAttempts(t, window, func(a tb) { tc.run(newH(a)) })
		})
	}
}
