package nodeenv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitDelay bounds how long Cleanup waits for the pipes of a killed process.
const waitDelay = 5 * time.Second

// Options configure a Node script started by [Start] or [StartBridge]. The zero
// value (or nil) runs the script with no arguments and the test's environment.
type Options struct {
	// Args are passed to the script after its path: node <script> Args...
	Args []string
	// Env holds extra KEY=value entries appended to the test's environment
	// (later entries win), for example "DEBUG=socket.io*".
	Env []string
	// NodeArgs go to node itself, before the script (for example
	// "--max-old-space-size=512").
	NodeArgs []string
}

// Process is a running Node script owned by a test. Its stdout is read line by
// line (ReadLine, ReadJSON); its stderr is kept and printed in the test log if
// the test fails. The process and its process group are killed and waited for
// on t.Cleanup. ReadLine, ReadJSON and WriteLine may be called from any
// goroutine, but lines are handed out in order to one reader at a time.
type Process struct {
	t      testing.TB
	script string
	cmd    *exec.Cmd
	stdin  *os.File
	stderr *lockedBuffer

	lines chan string   // stdout lines; closed at EOF. Written by the reader goroutine.
	stop  chan struct{} // closed on cleanup: the reader stops delivering
	read  chan struct{} // closed when the reader goroutine has returned

	exited  chan struct{} // closed when the process has exited and Wait returned
	waitErr error         // set before exited is closed

	writeMu sync.Mutex
}

// Start runs `node <script> opts.Args...` in conformance/node (script is a path
// relative to that folder, or absolute), after [EnsureModules]. It skips the
// test when node is missing (see [Node]) and fails it when the script cannot
// start. The process is killed on t.Cleanup.
func Start(t testing.TB, script string, opts *Options) *Process {
	t.Helper()
	p, err := start(t, script, opts)
	if err != nil {
		t.Fatalf("nodeenv: start %s: %v", script, err)
	}
	return p
}

func start(t testing.TB, script string, opts *Options) (*Process, error) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	node := Node(t)
	EnsureModules(t)
	dir := Dir(t)
	if !filepath.IsAbs(script) {
		script = filepath.Join(dir, script)
	}
	if _, err := os.Stat(script); err != nil {
		return nil, err
	}

	args := append(append(append([]string(nil), opts.NodeArgs...), script), opts.Args...)
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.WaitDelay = waitDelay
	setProcessGroup(cmd)

	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	p := &Process{
		t:      t,
		script: filepath.Base(script),
		cmd:    cmd,
		stdin:  inW,
		stderr: &lockedBuffer{},
		lines:  make(chan string, 64),
		stop:   make(chan struct{}),
		read:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	cmd.Stdin = inR
	cmd.Stdout = outW
	cmd.Stderr = p.stderr // exec copies it in its own goroutine, ended by Wait
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	// The child holds its own copies now.
	inR.Close()
	outW.Close()

	// Reader goroutine: owned by p, ends at stdout EOF (the process and its
	// group are killed in cleanup) or when cleanup closes p.stop.
	go p.readLines(outR)
	// Waiter goroutine: owned by p, ends when the process exits; cleanup kills it.
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.cleanup)
	return p, nil
}

func (p *Process) readLines(r *os.File) {
	defer close(p.read)
	defer close(p.lines)
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			select {
			case p.lines <- line:
			case <-p.stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Process) cleanup() {
	p.stdin.Close()
	killProcessGroup(p.cmd)
	close(p.stop)
	<-p.exited
	<-p.read
	if p.t.Failed() && p.Stderr() != "" {
		p.t.Logf("nodeenv: %s stderr:\n%s", p.script, p.Stderr())
	}
}

// Stderr returns what the script has written to stderr so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Exited returns a channel closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ReadLine returns the next line the script wrote to stdout, without its line
// ending. It returns an error when ctx ends first, or when stdout closes (the
// error then carries the exit status and the tail of stderr).
func (p *Process) ReadLine(ctx context.Context) (string, error) {
	select {
	case line, ok := <-p.lines:
		if ok {
			return line, nil
		}
		return "", p.exitError()
	case <-ctx.Done():
		return "", fmt.Errorf("nodeenv: waiting for a line from %s: %w", p.script, context.Cause(ctx))
	}
}

// ReadJSON reads the next stdout line and unmarshals it into v (for example the
// {"port":N} line a server script announces itself with).
func (p *Process) ReadJSON(ctx context.Context, v any) error {
	line, err := p.ReadLine(ctx)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(line), v); err != nil {
		return fmt.Errorf("nodeenv: %s wrote a line that is not the expected JSON (%v): %.300q", p.script, err, line)
	}
	return nil
}

// WriteLine writes line and a newline to the script's stdin. It gives up when
// ctx ends (the write deadline follows ctx's deadline).
func (p *Process) WriteLine(ctx context.Context, line []byte) error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	dl, _ := ctx.Deadline()
	if err := p.stdin.SetWriteDeadline(dl); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return err
	}
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	if _, err := p.stdin.Write(buf); err != nil {
		select {
		case <-p.exited:
			return p.exitError()
		default:
		}
		return fmt.Errorf("nodeenv: write to %s: %w", p.script, err)
	}
	return nil
}

// CloseStdin closes the script's stdin (a bridge exits when it sees EOF).
func (p *Process) CloseStdin() error { return p.stdin.Close() }

func (p *Process) exitError() error {
	select {
	case <-p.exited:
		return fmt.Errorf("nodeenv: %s exited (%v); stderr:\n%s", p.script, p.waitErr, tail(p.Stderr(), 4000))
	case <-time.After(waitDelay):
		return fmt.Errorf("nodeenv: %s closed stdout; stderr:\n%s", p.script, tail(p.Stderr(), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// lockedBuffer is a bytes.Buffer safe for the exec copier and readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*lockedBuffer)(nil)

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
