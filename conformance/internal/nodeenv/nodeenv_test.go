package nodeenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const selftest = "nodeenv-selftest.js"

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDirHoldsPackageJSON(t *testing.T) {
	dir := Dir(t)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("Dir() = %s: %v", dir, err)
	}
	if filepath.Base(dir) != "node" {
		t.Fatalf("Dir() = %s, want .../conformance/node", dir)
	}
}

func TestStartAnnouncesPortAndPassesEnv(t *testing.T) {
	p := Start(t, selftest, &Options{Args: []string{"announce"}, Env: []string{"NODEENV_SELFTEST=xyz"}})
	var hello struct {
		Port int
		Env  string
	}
	if err := p.ReadJSON(ctxFor(t), &hello); err != nil {
		t.Fatal(err)
	}
	if hello.Env != "xyz" {
		t.Errorf("script saw NODEENV_SELFTEST=%q, want xyz", hello.Env)
	}
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", hello.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\n" {
		t.Fatalf("read %q, %v; want hello", line, err)
	}
}

func TestReadLineReportsExitAndStderr(t *testing.T) {
	p := Start(t, selftest, &Options{Args: []string{"crash"}})
	_, err := p.ReadLine(ctxFor(t))
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("ReadLine error = %v; want the exit status and stderr", err)
	}
}

func TestReadLineHonoursContext(t *testing.T) {
	p := Start(t, selftest, &Options{Args: []string{"bridge"}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.ReadLine(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadLine with a cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestBridgeEchoesInOrderAndLargeLines(t *testing.T) {
	b := StartBridge(t, selftest, &Options{Args: []string{"bridge"}})
	ctx := ctxFor(t)
	big := strings.Repeat("é€😀", 1<<17) // ~1.2 MB of JSON
	for i, want := range []string{"a", big, "", "line\nbreak"} {
		var resp struct{ Echo string }
		if err := b.Call(ctx, map[string]string{"echo": want}, &resp); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if resp.Echo != want {
			t.Fatalf("call %d: echo of %d bytes came back as %d bytes", i, len(want), len(resp.Echo))
		}
	}
}

func TestBridgeConcurrentSafe(t *testing.T) {
	b := StartBridge(t, selftest, &Options{Args: []string{"bridge"}})
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8*20)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				want := fmt.Sprintf("%d-%d", g, i)
				var resp struct{ Echo string }
				if err := b.Call(ctx, map[string]string{"echo": want}, &resp); err != nil {
					errs <- err
				} else if resp.Echo != want {
					errs <- fmt.Errorf("sent %s, got %s", want, resp.Echo)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBridgeErrorKeepsBridgeUsable(t *testing.T) {
	b := StartBridge(t, selftest, &Options{Args: []string{"bridge"}})
	ctx := ctxFor(t)
	err := b.Call(ctx, map[string]string{"throw": "kaput"}, nil)
	var be *BridgeError
	if !errors.As(err, &be) || !strings.Contains(be.Message, "kaput") {
		t.Fatalf("Call = %v, want a *BridgeError with the message", err)
	}
	var resp struct{ Echo string }
	if err := b.Call(ctx, map[string]string{"echo": "still here"}, &resp); err != nil || resp.Echo != "still here" {
		t.Fatalf("after a handler error: %v, %q", err, resp.Echo)
	}
}

func TestBridgeDeathBreaksIt(t *testing.T) {
	b := StartBridge(t, selftest, &Options{Args: []string{"bridge"}})
	ctx := ctxFor(t)
	err := b.Call(ctx, map[string]int{"exit": 4}, nil)
	if err == nil || !strings.Contains(err.Error(), "exit status 4") || !strings.Contains(err.Error(), "exiting on request") {
		t.Fatalf("Call to a dying bridge = %v; want exit status and stderr", err)
	}
	if err := b.Call(ctx, map[string]string{"echo": "x"}, nil); err == nil || !strings.Contains(err.Error(), "out of step") {
		t.Fatalf("Call after death = %v, want an out-of-step error", err)
	}
}

func TestMissingModules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"dependencies":{"a":"1.0.0","@s/b":"2.0.0"}}`), 0o644)
	got, err := missingModules(dir)
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"@s/b", "a"}) {
		t.Fatalf("missingModules = %v, %v", got, err)
	}
	for _, name := range []string{"a", "@s/b"} {
		d := filepath.Join(dir, "node_modules", name)
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "package.json"), []byte(`{}`), 0o644)
	}
	if got, err := missingModules(dir); err != nil || len(got) != 0 {
		t.Fatalf("after install: missingModules = %v, %v", got, err)
	}
}

func TestEnsureModulesFindsThePinnedPackages(t *testing.T) {
	EnsureModules(t)
	if missing, err := missingModules(Dir(t)); err != nil || len(missing) > 0 {
		t.Fatalf("after EnsureModules: missing %v, %v", missing, err)
	}
}

// recordingTB records Skip and Fatal calls; both end the calling goroutine.
type recordingTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recordingTB) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func runTB(r *recordingTB, fn func(testing.TB)) {
	done := make(chan struct{})
	go func() { // ends when fn returns or calls Skip/Fatal (Goexit)
		defer close(done)
		fn(r)
	}()
	<-done
}

func TestNodeMissingSkipsLoudly(t *testing.T) {
	t.Setenv("GOSOCKIO_NODE", filepath.Join(t.TempDir(), "no-such-node"))
	t.Setenv("GOSOCKIO_REQUIRE_NODE", "")
	r := &recordingTB{TB: t}
	runTB(r, func(tb testing.TB) { Node(tb) })
	if !strings.Contains(r.skipped, "INTEROP TEST NOT RUN") || !strings.Contains(r.skipped, "apt-get install") {
		t.Fatalf("skip message = %q; want a loud message with the install command", r.skipped)
	}

	t.Setenv("GOSOCKIO_REQUIRE_NODE", "1")
	r = &recordingTB{TB: t}
	runTB(r, func(tb testing.TB) { Node(tb) })
	if r.skipped != "" || !strings.Contains(r.fatal, "apt-get install") {
		t.Fatalf("with GOSOCKIO_REQUIRE_NODE=1: skipped %q, fatal %q; want a failure", r.skipped, r.fatal)
	}
}

func TestNodePresentNeverSkips(t *testing.T) {
	r := &recordingTB{TB: t}
	var path string
	runTB(r, func(tb testing.TB) { path = Node(tb) })
	if r.skipped != "" || r.fatal != "" || path == "" {
		t.Fatalf("Node() = %q, skipped %q, fatal %q", path, r.skipped, r.fatal)
	}
}

// TestEnsureModulesRunsNPMCIOnce installs a local file: dependency (no
// network) from two goroutines at once: npm ci must run once, and both must
// find the module afterwards.
func TestEnsureModulesRunsNPMCIOnce(t *testing.T) {
	node := Node(t)
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("localdep/package.json", `{"name":"localdep","version":"1.0.0"}`)
	write("package.json", `{"name":"selftest","version":"1.0.0","dependencies":{"localdep":"file:./localdep"}}`)
	write("package-lock.json", `{"name":"selftest","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{`+
		`"":{"name":"selftest","version":"1.0.0","dependencies":{"localdep":"file:./localdep"}},`+
		`"localdep":{"version":"1.0.0"},`+
		`"node_modules/localdep":{"resolved":"localdep","link":true}}}`)

	var mu sync.Mutex
	runs := 0
	old := npmCI
	npmCI = func(node, dir string) error {
		mu.Lock()
		runs++
		mu.Unlock()
		return old(node, dir)
	}
	t.Cleanup(func() { npmCI = old })

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { ensureModulesIn(t, node, dir) })
	}
	wg.Wait()
	if runs != 1 {
		t.Errorf("npm ci ran %d times, want 1", runs)
	}
	if missing, err := missingModules(dir); err != nil || len(missing) > 0 {
		t.Fatalf("after EnsureModules: missing %v, %v", missing, err)
	}
}
