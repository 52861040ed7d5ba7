package soak

import (
	"fmt"
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
	h, profile, err := heapSnapshot(name)
	if err != nil {
		t.Fatal(err)
	}
	if profile != "" {
		t.Logf("heap profile %s written (MemProfileRate %d)", profile, runtime.MemProfileRate)
	}
	return h
}

// heapSnapshot is heapAfterGC without a test (the server child has none): it returns
// the live heap and the path of the profile it wrote, if any.
func heapSnapshot(name string) (heap uint64, profile string, err error) {
	heap = liveHeap()
	dir := os.Getenv("GOSOCKIO_SOAK_HEAPPROFILE")
	if dir == "" {
		return heap, "", nil
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return 0, "", err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return 0, "", err
	}
	return heap, f.Name(), f.Close()
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

// baseline is what a process (the test, or a server child) had before a run.
type baseline struct {
	pool goroutinePool
	g    int
	heap uint64
}

// takeBaseline measures the goroutine pool (first call only), the goroutines and the
// live heap; it returns the path of the heap profile it wrote, if any.
func takeBaseline(name string) (baseline, string, error) {
	b := baseline{pool: goroutinePoolNow(), g: runtime.NumGoroutine()}
	var profile string
	var err error
	b.heap, profile, err = heapSnapshot(name)
	return b, profile, err
}

// figures say how far a process is from its baseline once its run is over.
type figures struct {
	Goroutines     int     `json:"goroutine_delta"`
	PeakGoroutines int     `json:"peak_goroutines"`
	Heap           int64   `json:"heap_delta"`
	NewDescriptors int     `json:"new_goroutine_descriptors"`
	PerDescriptor  float64 `json:"bytes_per_descriptor"`
	Kept           int64   `json:"descriptor_bytes"`
	Rest           int64   `json:"rest_bytes"`
}

// settle waits (up to 10s) for the goroutines to come back to the baseline, then
// measures the heap; peakG is the highest goroutine count seen during the run.
func (b baseline) settle(name string, peakG int) (figures, string, error) {
	notePeak(peakG)
	var f figures
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.Goroutines = runtime.NumGoroutine() - b.g
		if f.Goroutines <= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	after, profile, err := heapSnapshot(name)
	if err != nil {
		return f, "", err
	}
	f.PeakGoroutines = peakG
	f.Heap = int64(after) - int64(b.heap)
	// The runtime keeps the descriptor of every goroutine it ever had to create (see
	// growGoroutinePool): the run created about peakG - pool.ever new ones.
	f.NewDescriptors = max(peakG-b.pool.ever, 0)
	f.PerDescriptor = b.pool.perG
	f.Kept = int64(f.NewDescriptors) * int64(b.pool.perG)
	f.Rest = f.Heap - f.Kept
	return f, profile, nil
}

func (f figures) String() string {
	return fmt.Sprintf("goroutine delta=%d peak goroutines=%d heap delta=%d B (goroutine descriptors kept by the runtime: %d new x %.0f B = %d B; rest %d B)",
		f.Goroutines, f.PeakGoroutines, f.Heap, f.NewDescriptors, f.PerDescriptor, f.Kept, f.Rest)
}

// problems returns what is not back to baseline.
func (f figures) problems() []string {
	var p []string
	if f.Goroutines > 2 {
		p = append(p, fmt.Sprintf("goroutines: %d more than before the run", f.Goroutines))
	}
	// Everything the run allocated is garbage once servers and clients are closed, but
	// for what the runtime owns: the goroutine descriptors (counted above: ~495 B for
	// each goroutine alive at the peak beyond those the process had, ~3.5 per
	// connection, so ~17 MB at 10,000 connections), and small structures (stopped
	// timers still in the runtime's timer heaps, new Ms, the allgs slice): 0.15 to
	// 0.35 MB measured at 1,000 and 2,000 connections. A leak of 200 B per connection
	// over 10,000 connections, or of one packet per broadcast, exceeds the 2 MiB bound
	// on the rest.
	if f.Rest > 2<<20 {
		p = append(p, fmt.Sprintf("heap after GC grew by %d B, %d B of it not goroutine descriptors (bound 2 MiB)", f.Heap, f.Rest))
	}
	return p
}
