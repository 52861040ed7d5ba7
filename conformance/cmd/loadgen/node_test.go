package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

// startNode runs testdata/contract-server.js on the official socket.io (v4, or
// 2.x with v2) and returns its base URL.
func startNode(t *testing.T, v2 bool) string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "contract-server.js"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	if v2 {
		args = []string{"--v2"}
	}
	p := nodeenv.Start(t, script, &nodeenv.Options{Args: args})
	var hello struct{ Port int }
	if err := p.ReadJSON(t.Context(), &hello); err != nil {
		t.Fatalf("contract server: %v\n%s", err, p.Stderr())
	}
	return "http://127.0.0.1:" + strconv.Itoa(hello.Port)
}

func TestNodeServer(t *testing.T) {
	url := startNode(t, false)
	for _, c := range []struct {
		args           []string
		sent, expected int64
	}{
		{[]string{"connect", "-n", "20"}, 0, 0},
		{[]string{"echo", "-n", "4", "-count", "50", "-d", "0"}, 200, 0},
		{[]string{"broadcast", "-n", "4", "-count", "100", "-rate", "2000", "-d", "0"}, 100, 500},
		{[]string{"rooms", "-n", "6", "-rooms", "2", "-count", "50", "-rate", "2000", "-d", "0"}, 100, 300},
	} {
		code, rep, stderr := runTool(t, append(c.args, "-url", url)...)
		if code != 0 || rep.Sent != c.sent || rep.Expected != c.expected || rep.Delivered != c.expected || rep.Failed != 0 {
			t.Errorf("%s: exit %d, report %+v, stderr %s", c.args[0], code, rep, stderr)
		}
	}
}

func TestNodeServerV2(t *testing.T) {
	url := startNode(t, true)
	for _, c := range []struct {
		args           []string
		sent, expected int64
	}{
		{[]string{"echo", "-n", "3", "-count", "30", "-d", "0"}, 90, 0},
		{[]string{"broadcast", "-n", "3", "-count", "50", "-rate", "2000", "-d", "0"}, 50, 200},
		{[]string{"rooms", "-n", "4", "-rooms", "2", "-count", "30", "-rate", "2000", "-d", "0"}, 60, 120},
	} {
		code, rep, stderr := runTool(t, append(c.args, "-url", url, "-eio", "3")...)
		if code != 0 || rep.Sent != c.sent || rep.Expected != c.expected || rep.Delivered != c.expected {
			t.Errorf("%s: exit %d, report %+v, stderr %s", c.args[0], code, rep, stderr)
		}
	}
}
