package browser

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

const (
	// examplesModule is the module of the chat example, a sibling of conformance.
	examplesModule = "github.com/gosockio/gosockio/examples"
	// buildTimeout bounds `go build` of the chat (a cold -race build on 2 cores).
	buildTimeout = 5 * time.Minute
	// startTimeout bounds the chat's start (it may run npm ci for its browser bundle).
	startTimeout = 5 * time.Minute
	// stopTimeout bounds its graceful shutdown after SIGTERM.
	stopTimeout = 15 * time.Second
)

// listening is the line the chat prints once it serves.
var listening = regexp.MustCompile(`chat: open (http://127\.0\.0\.1:\d+) in your browser`)

// examplesDir returns the examples module's folder: ../examples beside conformance.
func examplesDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(nodeenv.Dir(t), "..", "..", "examples")
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !strings.Contains(string(b), "module "+examplesModule+"\n") {
		t.Fatalf("cannot find the examples module (%s) at %s: %v", examplesModule, dir, err)
	}
	return filepath.Clean(dir)
}

// buildChat builds examples/chat into the folder out (with the race detector when the
// tests run with it) and returns the binary's path.
func buildChat(t *testing.T, out string) string {
	t.Helper()
	dir := examplesDir(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not in $PATH (%v): it builds examples/chat", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	bin := filepath.Join(out, "chat")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, "./chat")
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = dir
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, log.String())
	}
	return bin
}

// chatServer is the chat example running as a child process of the test.
type chatServer struct {
	url    string
	cmd    *exec.Cmd
	output *lineWatcher
}

// startChat runs the chat binary bin (see buildChat) on 127.0.0.1 port 0, in the
// example's folder. On cleanup it sends SIGTERM and expects a clean exit within
// stopTimeout, with no data race reported.
func startChat(t *testing.T, bin string) *chatServer {
	t.Helper()
	w := &lineWatcher{re: listening, found: make(chan string, 1)}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Dir = filepath.Join(examplesDir(t), "chat")
	cmd.Stdout, cmd.Stderr = w, w // exec copies both in goroutines that Wait ends
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the process exits: cleanup makes sure of it
	s := &chatServer{cmd: cmd, output: w}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SIGTERM to the chat: %v", err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the chat did not exit cleanly after SIGTERM: %v\noutput:\n%s", err, w.String())
			}
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("the chat did not stop within %v of SIGTERM; killed. output:\n%s", stopTimeout, w.String())
		}
		if strings.Contains(w.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a data race in the chat:\n%s", w.String())
		}
	}
	t.Cleanup(stop)
	select {
	case s.url = <-w.found:
	case err := <-exited:
		exited <- err // for stop
		t.Fatalf("the chat exited before serving: %v\noutput:\n%s", err, w.String())
	case <-time.After(startTimeout):
		t.Fatalf("the chat did not print %q within %v; output:\n%s", listening, startTimeout, w.String())
	}
	t.Logf("chat serving at %s", s.url)
	return s
}

// lineWatcher keeps a process's output and reports the first submatch of re in a line.
type lineWatcher struct {
	re    *regexp.Regexp
	found chan string // receives the first match, once

	mu   sync.Mutex
	buf  bytes.Buffer
	line []byte // the unfinished last line
	sent bool
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if m := w.re.FindSubmatch(w.line[:i]); m != nil && !w.sent {
			w.sent = true
			w.found <- string(m[1])
		}
		w.line = w.line[i+1:]
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
