package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gosockio/gosockio/socketio"
)

// The page and its files are served at /, the client bundle under /socket.io/ from the
// ServeClient file system.
func TestPageAndClientBundle(t *testing.T) {
	bundle := "/* fake socket.io.min.js */"
	a := startTest(t, &socketio.Options{ServeClient: fstest.MapFS{
		bundleFile: {Data: []byte(bundle)},
	}})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `<script src="/socket.io/socket.io.min.js"></script>`},
		{"/chat.js", "javascript", `socket.emit("add user"`},
		// ?transports= picks the client's transports: conformance/browser runs the page
		// over polling only and websocket only with it.
		{"/chat.js", "javascript", `get("transports")`},
		{"/style.css", "text/css", ".messages"},
		{"/socket.io/socket.io.min.js", "application/javascript", bundle},
	} {
		res, err := client.Get(a.url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", tc.path, res.Status)
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, tc.contentType) {
			t.Errorf("GET %s: Content-Type %q, want %s", tc.path, ct, tc.contentType)
		}
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s: body does not contain %q", tc.path, tc.contains)
		}
	}
	res, err := client.Get(a.url + "/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %s, want 404", res.Status)
	}
}
