package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeNPM puts an npm in PATH that logs its arguments and, when install is true, writes
// the bundle as `npm ci` would.
func fakeNPM(t *testing.T, install bool) (logFile string) {
	t.Helper()
	bin := t.TempDir()
	logFile = filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho \"$@\" >> " + logFile + "\necho fake npm output\n"
	if install {
		script += "mkdir -p node_modules/socket.io-client/dist && echo bundle > node_modules/socket.io-client/dist/" + bundleFile + "\n"
	}
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH")) // ours first
	return logFile
}

func TestEnsureClientRunsNPMCI(t *testing.T) {
	calls := fakeNPM(t, true)
	dir := t.TempDir()
	var out, errOut strings.Builder
	dist, err := ensureClient(t.Context(), dir, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "node_modules", "socket.io-client", "dist"); dist != want {
		t.Errorf("dist = %s, want %s", dist, want)
	}
	if !strings.Contains(out.String(), "running `npm ci` in "+dir) || !strings.Contains(out.String(), "fake npm output") {
		t.Errorf("output does not say what runs, or hides npm's output:\n%s", out.String())
	}
	args, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(args), "ci ") {
		t.Errorf("npm ran with %q, want ci", args)
	}

	// Installed: npm does not run again.
	if err := os.Remove(calls); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := ensureClient(t.Context(), dir, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(calls); err == nil || out.Len() != 0 {
		t.Errorf("npm ran although the bundle is there (output %q)", out.String())
	}
}

func TestEnsureClientErrors(t *testing.T) {
	t.Run("npm missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		dir := t.TempDir()
		_, err := ensureClient(t.Context(), dir, new(strings.Builder), new(strings.Builder))
		if err == nil || !strings.Contains(err.Error(), "npm is not installed") || !strings.Contains(err.Error(), "`npm ci` in "+dir) {
			t.Errorf("error = %v, want one naming npm ci and the folder", err)
		}
	})
	t.Run("npm installs nothing", func(t *testing.T) {
		fakeNPM(t, false)
		_, err := ensureClient(t.Context(), t.TempDir(), new(strings.Builder), new(strings.Builder))
		if err == nil || !strings.Contains(err.Error(), "still missing") {
			t.Errorf("error = %v, want the bundle still missing", err)
		}
	})
}

// The example's folder is found from the source, and holds the lockfile npm ci needs,
// with no download addresses in it.
func TestExampleDir(t *testing.T) {
	dir, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if dir != wd {
		t.Errorf("exampleDir = %s, want %s", dir, wd)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(lock), `"resolved"`) {
		t.Error(`package-lock.json carries "resolved" addresses; .npmrc must keep omit-lockfile-registry-resolved=true`)
	}
	if !strings.Contains(string(lock), `"node_modules/socket.io-client": {`+"\n"+`      "version": "4.8.4"`) {
		t.Error("package-lock.json does not pin socket.io-client 4.8.4")
	}
}
