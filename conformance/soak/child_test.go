package soak

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// The split mode runs each node in a child process: this test binary again, with
// childEnv set (TestMain hands it to serveChild). The child talks on its stdio, one
// line at a time, each of its stdout lines starting with childLine:
//
//	child:  listen <websocket url>   serving
//	child:  ready                    the cluster is complete (its adapter sees every node)
//	parent: report                   (or stdin closed) stop and report
//	child:  report <childReport>     JSON, then it exits 0
//	child:  error <message>          then it exits 1
//
// The node needs nothing else: everything it does on the server side (joins, leaves,
// broadcasts, acks) is asked by the clients' events.
const (
	childEnv  = "GOSOCKIO_SOAK_CHILD" // JSON childSpec
	childLine = "soakchild "
	childWait = 2 * time.Minute // generous: a child under -race on 2 busy cores
)

// childSpec is what a child serves.
type childSpec struct {
	Name  string `json:"name"`
	Nodes int    `json:"nodes"` // 1, or the size of the Redis cluster
	Key   string `json:"key"`   // the Redis adapter's key prefix
}

// childReport is a child's account of its run.
type childReport struct {
	Name    string  `json:"name"`
	Served  int64   `json:"served"` // connections accepted
	Figures figures `json:"figures"`
}

// serveChild is the child process: it returns the exit code.
func serveChild(specJSON string) int {
	var spec childSpec
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "soak server child %s: %v\n", spec.Name, err)
		fmt.Println(childLine + "error " + strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fail(fmt.Errorf("%s=%q: %w", childEnv, specJSON, err))
	}
	if _, err := raiseFDLimit(); err != nil {
		fmt.Fprintf(os.Stderr, "soak server child %s: %v\n", spec.Name, err)
	}
	base, _, err := takeBaseline(spec.Name + "-base")
	if err != nil {
		return fail(err)
	}
	peak := watchGoroutines()
	var opts *socketio.Options
	var rdb *goredis.Client
	if spec.Nodes > 1 {
		rdb = newNodeRedis()
		opts = &socketio.Options{Adapter: redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: spec.Key, Logger: adapterLog})}
	}
	n, err := newNode(opts, rdb)
	if err != nil {
		peak()
		return fail(err)
	}
	fmt.Println(childLine + "listen " + n.url)
	if spec.Nodes > 1 {
		if err := n.waitCluster(spec.Nodes); err != nil {
			n.stop()
			peak()
			return fail(err)
		}
	}
	fmt.Println(childLine + "ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "report" {
			break
		}
	}
	n.stop()
	r := childReport{Name: spec.Name, Served: n.served.Load()}
	n = nil
	r.Figures, _, err = base.settle(spec.Name+"-after", peak())
	if err != nil {
		return fail(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fail(err)
	}
	fmt.Println(childLine + "report " + string(b))
	return 0
}

// child is the parent's handle on one server child.
type child struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	url     string
	lines   chan string   // the child's protocol lines, without childLine; closed at EOF
	read    chan struct{} // closed when the stdout reader has returned
	stopped bool
	stderr  lockedBuilder
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuilder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuilder) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// startChildren starts nodes server children (a Redis cluster under key when nodes > 1)
// and waits until each serves and the cluster is complete.
func startChildren(t *testing.T, nodes int, key string) []*child {
	t.Helper()
	var cs []*child
	for i := range nodes {
		spec, err := json.Marshal(childSpec{Name: fmt.Sprintf("node%d", i), Nodes: nodes, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		c := &child{name: fmt.Sprintf("node%d", i), lines: make(chan string, 4), read: make(chan struct{})}
		c.cmd = exec.Command(os.Args[0])
		c.cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
		c.cmd.Stderr = &c.stderr
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		stdout, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Ends at the child's stdout EOF (it exits, or is killed by the cleanup).
		go func() {
			defer close(c.read)
			defer close(c.lines)
			sc := bufio.NewScanner(stdout)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if rest, ok := strings.CutPrefix(sc.Text(), childLine); ok {
					c.lines <- rest // the protocol has 4 lines at most
				}
			}
		}()
		t.Cleanup(func() {
			if !c.stopped {
				_ = c.cmd.Process.Kill()
				_ = c.stdin.Close()
				<-c.read
				_ = c.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("server child %s stderr:\n%s", c.name, c.stderr.String())
			}
		})
		cs = append(cs, c)
	}
	for _, c := range cs { // the children start together
		c.url = strings.TrimPrefix(c.waitLine(t, "listen "), "listen ")
	}
	for _, c := range cs {
		c.waitLine(t, "ready")
	}
	return cs
}

// waitLine returns the child's next line, which must start with prefix.
func (c *child) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timer := time.NewTimer(childWait)
	defer timer.Stop()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatalf("server child %s exited before announcing %q", c.name, prefix)
		}
		if !strings.HasPrefix(l, prefix) {
			t.Fatalf("server child %s announced %q, want %q", c.name, l, prefix)
		}
		return l
	case <-timer.C:
		t.Fatalf("server child %s did not announce %q within %v", c.name, prefix, childWait)
	}
	return ""
}

// stop asks the child for its report, and waits until it has exited.
func (c *child) stop(t *testing.T) childReport {
	t.Helper()
	if _, err := io.WriteString(c.stdin, "report\n"); err != nil {
		t.Fatalf("server child %s: %v", c.name, err)
	}
	_ = c.stdin.Close()
	l := c.waitLine(t, "report ")
	var r childReport
	if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "report ")), &r); err != nil {
		t.Fatalf("server child %s: report %q: %v", c.name, l, err)
	}
	<-c.read
	c.stopped = true
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("server child %s: %v", c.name, err)
	}
	return r
}
