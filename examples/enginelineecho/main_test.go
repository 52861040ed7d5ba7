package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/gosockio/gosockio/engineio"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The whole service: a server on a free port and a client over each transport.
func Example() {
	url, shutdown, err := startServer("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer shutdown()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	opts := &engineio.DialOptions{Transports: []string{"websocket"}, HTTPClient: &http.Client{Transport: tr}}
	if err := runClient(context.Background(), url, opts, strings.NewReader("hello\nengine.io\n"), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// HELLO
	// ENGINE.IO
}

func TestLineEcho(t *testing.T) {
	url, shutdown, err := startServer("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown()
	for _, tc := range []struct {
		name       string
		protocol   int
		transports []string
	}{
		{"v4 polling", 4, []string{"polling"}},
		{"v4 websocket", 4, []string{"websocket"}},
		{"v4 upgrade", 4, nil},
		{"v3 polling", 3, []string{"polling"}},
		{"v3 upgrade", 3, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			var out strings.Builder
			opts := &engineio.DialOptions{Protocol: tc.protocol, Transports: tc.transports, HTTPClient: &http.Client{Transport: tr}}
			if err := runClient(t.Context(), url, opts, strings.NewReader("a b\nÉté €\n\nlast"), &out); err != nil {
				t.Fatal(err)
			}
			if want := "A B\nÉTÉ €\n\nLAST\n"; out.String() != want {
				t.Errorf("output %q, want %q", out.String(), want)
			}
		})
	}
}
