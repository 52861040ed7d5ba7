package msgpack_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// Frames that claim far more than they hold are refused without allocating for the
// claim: every length is checked against the bytes left.
func TestHostileLengthsDoNotAllocate(t *testing.T) {
	frames := map[string]string{
		"array32 of 2^32-1":   "ddffffffff",
		"map32 of 2^32-1":     "dfffffffff00",
		"str32 of 4 GiB":      "83a47479706502a46461746191dbffffffff",
		"bin32 of 4 GiB":      "83a47479706502a46461746192a161c6ffffffff",
		"array16 in data":     "83a47479706502a46461746191dcffff",
		"many tiny bins":      "83a47479706502a464617461dd000fffff" + strings.Repeat("c400", 100),
		"ext32 of 4 GiB":      "83a47479706502a46461746192a161c9ffffffff00",
		"nested array claims": "83a47479706502a464617461" + strings.Repeat("dd7fffffff", 100),
	}
	d := msgpack.New(nil).NewDecoder()
	for name, h := range frames {
		b := unhex(t, h)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 100 {
			if _, err := d.Decode(parser.Frame{Data: b, Binary: true}); err == nil {
				t.Fatalf("%s: decoded", name)
			}
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / 100; per > 4096 {
			t.Errorf("%s (%d bytes): %d bytes allocated per Decode", name, len(b), per)
		}
	}
}
