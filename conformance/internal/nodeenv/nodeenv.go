package nodeenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// conformanceModule is the module path whose root holds the node folder.
const conformanceModule = "github.com/gosockio/gosockio/conformance"

// npmCITimeout bounds one `npm ci` run.
const npmCITimeout = 10 * time.Minute

// InstallHint is the command that installs Node.js and the npm packages, as
// printed when node is missing.
const InstallHint = "install Node.js >= 18 (Debian/Ubuntu: `sudo apt-get install -y nodejs npm`; " +
	"macOS: `brew install node`; or https://nodejs.org), then run `npm ci` in conformance/node"

// Dir returns the absolute path of conformance/node: the folder with
// package.json, package-lock.json, node_modules and the bridge scripts. It is
// found by walking up from the working directory (a test's package directory)
// to the conformance module's go.mod, falling back to this source file's
// location; $GOSOCKIO_NODE_DIR overrides both.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := findDir()
	if err != nil {
		t.Fatalf("nodeenv: %v", err)
	}
	return dir
}

var (
	dirOnce sync.Once
	dirPath string
	dirErr  error
)

func findDir() (string, error) {
	dirOnce.Do(func() { dirPath, dirErr = lookupDir() })
	return dirPath, dirErr
}

func lookupDir() (string, error) {
	if d := os.Getenv("GOSOCKIO_NODE_DIR"); d != "" {
		return filepath.Abs(d)
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if isConformanceRoot(d) {
				return filepath.Join(d, "node"), nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		d := filepath.Join(filepath.Dir(file), "..", "..", "node")
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return filepath.Clean(d), nil
		}
	}
	return "", errors.New("cannot find conformance/node (no go.mod of " + conformanceModule +
		" above the working directory); run the test from inside the conformance module or set GOSOCKIO_NODE_DIR")
}

func isConformanceRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return f[1] == conformanceModule
		}
	}
	return false
}

// Node returns the path of the node executable: $GOSOCKIO_NODE, else "node"
// from $PATH. When node cannot be found the test is skipped with a loud message
// naming the install command, or fails when GOSOCKIO_REQUIRE_NODE=1. It never
// skips when node exists.
func Node(t testing.TB) string {
	t.Helper()
	name := os.Getenv("GOSOCKIO_NODE")
	if name == "" {
		name = "node"
	}
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("\n"+
		"************************************************************************\n"+
		"*** INTEROP TEST NOT RUN: %q not found (%v).\n"+
		"*** This test drives the official socket.io JavaScript packages.\n"+
		"*** To run it: %s.\n"+
		"************************************************************************", name, err, InstallHint)
	if os.Getenv("GOSOCKIO_REQUIRE_NODE") == "1" {
		t.Fatal(msg + "\n(GOSOCKIO_REQUIRE_NODE=1: failing instead of skipping)")
	}
	t.Skip(msg)
	return ""
}

// EnsureModules makes sure conformance/node/node_modules holds every dependency
// of package.json, running `npm ci` there (under an exclusive file lock, with a
// second check once the lock is held) when one is missing. It fails the test
// with npm's output when the install fails. Start and StartBridge call it.
func EnsureModules(t testing.TB) {
	t.Helper()
	ensureModulesIn(t, Node(t), Dir(t))
}

// npmCI runs `npm ci`; a variable so that tests can count the runs.
var npmCI = runNPMCI

func ensureModulesIn(t testing.TB, node, dir string) {
	t.Helper()
	missing, err := missingModules(dir)
	if err != nil {
		t.Fatalf("nodeenv: %v", err)
	}
	if len(missing) == 0 {
		return
	}
	unlock, err := lockFile(filepath.Join(dir, ".npm-ci.lock"))
	if err != nil {
		t.Fatalf("nodeenv: lock %s: %v", dir, err)
	}
	defer unlock()
	// Another test binary may have installed while we waited for the lock.
	if missing, err = missingModules(dir); err != nil {
		t.Fatalf("nodeenv: %v", err)
	}
	if len(missing) == 0 {
		return
	}
	slices.Sort(missing)
	t.Logf("nodeenv: node_modules lacks %s: running npm ci in %s", strings.Join(missing, ", "), dir)
	if err := npmCI(node, dir); err != nil {
		t.Fatalf("nodeenv: %v", err)
	}
	if missing, err = missingModules(dir); err != nil || len(missing) > 0 {
		t.Fatalf("nodeenv: after npm ci, node_modules still lacks %v (err %v): is package-lock.json in sync with package.json?", missing, err)
	}
}

// missingModules lists the dependencies of dir/package.json that have no
// node_modules/<name>/package.json.
func missingModules(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("read package.json: %w", err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "package.json"), err)
	}
	var missing []string
	for name := range pkg.Dependencies {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json")); err != nil {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// runNPMCI runs `npm ci` in dir with the npm that sits beside node (or the one
// in $PATH).
func runNPMCI(node, dir string) error {
	npm := filepath.Join(filepath.Dir(node), "npm")
	if _, err := os.Stat(npm); err != nil {
		if npm, err = exec.LookPath("npm"); err != nil {
			return fmt.Errorf("node is at %s but npm is not: %s", node, InstallHint)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmCITimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`npm ci` in %s failed: %v\n%s", dir, err, out.String())
	}
	return nil
}
