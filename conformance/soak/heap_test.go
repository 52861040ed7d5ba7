package soak

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"testing"
	"time"
)

// calibrationGoroutines is how many goroutines growGoroutinePool starts: many more
// than a test process has before the run, so that its measure is within 1%.
const calibrationGoroutines = 4096

// liveHeap returns the live heap after two collections (the second empties the
// sync.Pool victim caches the first one moved the pools into) and debug.FreeOSMemory
// (a third, which also returns the freed spans to the OS).
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapAfterGC is liveHeap; when GOSOCKIO_SOAK_HEAPPROFILE names a folder, it also
// writes the heap profile of that moment there as <name>.pprof (compare two with
// go tool pprof -top -inuse_space -base dir/base.pprof dir/after.pprof; run with
// -memprofilerate=4096 or lower for a fine-grained profile).
func heapAfterGC(t *testing.T, name string) uint64 {
	t.Helper()
	h := liveHeap()
	if dir := os.Getenv("GOSOCKIO_SOAK_HEAPPROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, name+".pprof"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		t.Logf("heap profile %s written (MemProfileRate %d)", f.Name(), runtime.MemProfileRate)
	}
	return h
}

// goroutinePool is what the process knows of the runtime's goroutine descriptors.
type goroutinePool struct {
	// ever is the number of goroutine descriptors the runtime holds (at least): a run
	// creates new ones only when more goroutines than this are alive at once.
	ever int
	// perG is the heap each new descriptor costs (runtime.g and its share of allgs).
	perG float64
}

var pool struct {
	once sync.Once
	mu   sync.Mutex
	goroutinePool
}

// goroutinePoolNow returns the pool, measured by growGoroutinePool on the first call
// and raised by notePeak since.
func goroutinePoolNow() goroutinePool {
	pool.once.Do(func() { pool.goroutinePool = growGoroutinePool(calibrationGoroutines) })
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return pool.goroutinePool
}

// notePeak records that peak goroutines were alive at once: the runtime holds at
// least that many descriptors from now on.
func notePeak(peak int) {
	pool.mu.Lock()
	pool.ever = max(pool.ever, peak)
	pool.mu.Unlock()
}

// growGoroutinePool has n goroutines alive at once, lets them end, and returns the
// heap they left behind per goroutine. The Go runtime never frees a goroutine's
// descriptor (runtime.g, ~450 B, listed in allgs, which never shrinks): a goroutine
// that ends puts it on a free list for the next one. So the live heap after any run
// keeps one descriptor per goroutine of its peak concurrency, beyond those the
// process had before; that is not a leak (the next run reuses them), and the soak test
// subtracts it. n must be large next to the goroutines the process had before, for a
// precise measure: call it first.
func growGoroutinePool(n int) goroutinePool {
	ever := runtime.NumGoroutine() + n
	before := liveHeap()
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { <-release }) // ends when release is closed, just below
	}
	close(release)
	wg.Wait()
	after := liveHeap()
	return goroutinePool{ever: ever, perG: float64(int64(after)-int64(before)) / float64(n)}
}

// watchGoroutines samples runtime.NumGoroutine every 10ms until the returned func is
// called, which returns the highest count seen (the true peak may be a little higher).
func watchGoroutines() (peak func() int) {
	done := make(chan struct{})
	result := make(chan int, 1)
	// Stopped by peak, which waits for its result.
	go func() {
		highest := runtime.NumGoroutine()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				result <- highest
				return
			case <-tick.C:
				highest = max(highest, runtime.NumGoroutine())
			}
		}
	}()
	var once sync.Once
	var highest int
	return func() int {
		once.Do(func() { close(done); highest = <-result })
		return highest
	}
}
