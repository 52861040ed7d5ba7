package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// bundleFile is the file of the official client the page loads.
const bundleFile = "socket.io.min.js"

// exampleDir returns the folder of this example (the one with package.json): the source
// folder the program was built from, else ./examples/chat or . in the working directory.
func exampleDir() (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Dir(file))
	}
	candidates = append(candidates, filepath.Join("examples", "chat"), ".")
	for _, dir := range candidates {
		if isExampleDir(dir) {
			return filepath.Abs(dir)
		}
	}
	return "", errors.New("cannot find the chat example's folder (with package.json and package-lock.json): run the program from the root of the gosockio repository: go run ./examples/chat")
}

func isExampleDir(dir string) bool {
	for _, name := range []string{"package.json", "package-lock.json", "chat.go"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// ensureClient returns the folder holding the official browser client (dir's
// node_modules/socket.io-client/dist). When the bundle is missing it runs `npm ci` in dir,
// telling stdout what it does; npm's own output goes to stdout and stderr.
func ensureClient(ctx context.Context, dir string, stdout, stderr io.Writer) (string, error) {
	dist := filepath.Join(dir, "node_modules", "socket.io-client", "dist")
	bundle := filepath.Join(dist, bundleFile)
	if _, err := os.Stat(bundle); err == nil {
		return dist, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("the browser client %s is missing and `npm ci` cannot install it: npm is not installed (%w); install Node.js with npm, or run `npm ci` in %s on a machine that has it", bundle, err, dir)
	}
	fmt.Fprintf(stdout, "chat: %s is missing: running `npm ci` in %s\n", bundle, dir)
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("`npm ci` in %s failed: %w", dir, err)
	}
	if _, err := os.Stat(bundle); err != nil {
		return "", fmt.Errorf("`npm ci` in %s succeeded but %s is still missing: check package.json pins socket.io-client: %w", dir, bundle, err)
	}
	return dist, nil
}
