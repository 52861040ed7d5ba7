package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// The chat with two users on the official client, socket.io-client 4.8.4 as pinned in
// package-lock.json (one on WebSocket, one on polling), run by node.
func TestOfficialClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("SKIPPED: node is not installed, so the chat is not tested with the official client (install Node.js with npm to run this test)")
	}
	dir, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ensureClient(t.Context(), dir, testWriter{t}, testWriter{t}); err != nil {
		t.Fatal(err)
	}
	a := startTest(t, nil)

	ctx, cancel := context.WithTimeout(t.Context(), 4*waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "users.js"),
		filepath.Join(dir, "node_modules", "socket.io-client"), a.url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/users.js: %v\n%s\n%s", err, out, stderr.Bytes())
	}

	type line struct {
		Who   string            `json:"who"`
		Event string            `json:"event"`
		Args  []json.RawMessage `json:"args"`
	}
	got := map[string][]string{} // "who event" -> first arguments, in order
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("node printed %q: %v", sc.Text(), err)
		}
		arg := ""
		if len(l.Args) > 0 {
			arg = string(l.Args[0])
		}
		got[l.Who+" "+l.Event] = append(got[l.Who+" "+l.Event], arg)
	}
	for key, want := range map[string][]string{
		"alice login":           {`{"numUsers":1,"room":"general"}`},
		"bob login":             {`{"numUsers":2,"room":"general"}`},
		"alice user joined":     {`{"username":"bob","numUsers":2}`},
		"bob new message":       {`{"username":"alice","message":"hi bob","room":"general"}`},
		"alice typing":          {`{"username":"bob"}`},
		"bob join ack":          {`{"room":"games","numUsers":1}`, `{"room":"games","numUsers":1}`},
		"alice user left room":  {`{"username":"bob","room":"general"}`},
		"alice join ack":        {`{"room":"games","numUsers":2}`},
		"bob user entered room": {`{"username":"alice","room":"games"}`},
		"alice new message":     {`{"username":"bob","message":"welcome alice","room":"games"}`},
		"alice user left":       {`{"username":"bob","numUsers":1}`},
		"bob user joined":       nil, // bob logged in after alice
	} {
		if !slices.Equal(got[key], want) {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	if t.Failed() {
		t.Logf("node's output:\n%s", out)
	}
}

// testWriter writes to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
