package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSeveralURLs: with -url A,B,C connection i goes to server i mod 3, so the
// clients are spread evenly; here each test server is a separate cluster of one, so
// only the sender's server re-emits to its own clients.
func TestSeveralURLs(t *testing.T) {
	a, b, c := startServer(t, faults{}), startServer(t, faults{}), startServer(t, faults{})
	// 5 receivers and the sender (connection 5): 0,3 on a; 1,4 on b; 2 and the
	// sender (5 mod 3 = 2) on c. The sender's server has 2 sockets: 2 copies of each.
	code, rep, stderr := runTool(t, "broadcast", "-url", a+","+b+", "+c, "-n", "5", "-count", "10", "-rate", "2000", "-d", "0", "-drain", "300ms")
	if rep.Connected != 6 || rep.Delivered != 20 {
		t.Fatalf("exit %d, report %+v, stderr %s; want 6 connected and 20 deliveries (the 2 connections of the third server)", code, rep, stderr)
	}
	// The receivers on a and b got nothing: 4 of them lost 10 each.
	if code != 1 || rep.Lost != 40 {
		t.Fatalf("exit %d, report %+v; want exit 1 with 40 lost", code, rep)
	}
}

func TestSeveralURLsBadOne(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"broadcast", "-url", "http://127.0.0.1:1,ftp://x", "-n", "1", "-d", "1s"}, &out, &errb)
	if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), `"ftp://x"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 naming the bad URL", code, out.String(), errb.String())
	}
}
