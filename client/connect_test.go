package client

import (
	"strings"
	"testing"
	"time"
)

func TestConnectSharesManagerPerHost(t *testing.T) {
	_, url := newTestServer(t, nil)
	o := &Options{AutoConnect: new(false)}
	a, err := Connect(url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Manager().Close(); a.Manager().Wait() })
	b, _ := Connect(url+"/admin", o)
	if a.Manager() != b.Manager() {
		t.Fatal("two namespaces of one host got two Managers")
	}
	c, _ := Connect(url, o) // same namespace again: a new Manager, as Node
	t.Cleanup(func() { _ = c.Manager().Close() })
	if c.Manager() == a.Manager() {
		t.Fatal("a second socket for the same namespace shared the Manager")
	}
	d, _ := Connect(url+"/other", &Options{ForceNew: true, AutoConnect: new(false)})
	t.Cleanup(func() { _ = d.Manager().Close() })
	if d.Manager() == a.Manager() {
		t.Fatal("ForceNew shared the Manager")
	}
	if b.Namespace() != "/admin" || a.Namespace() != "/" {
		t.Fatalf("namespaces %q %q", a.Namespace(), b.Namespace())
	}
	// Closing the Manager removes it from the cache: the next Connect gets a new one.
	_ = a.Manager().Close()
	if e, _ := Connect(url+"/third", o); e.Manager() == a.Manager() {
		t.Fatal("a closed Manager was reused")
	} else {
		_ = e.Manager().Close()
	}
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"protocol", Options{Protocol: 3}, "Options.Protocol"},
		{"randomization", Options{RandomizationFactor: 2}, "RandomizationFactor"},
		{"attempts", Options{ReconnectionAttempts: -1}, "ReconnectionAttempts"},
		{"transport", Options{Transports: []string{"webtransport"}}, "webtransport"},
		{"auth not an object", Options{Auth: 42}, "Options.Auth"},
		{"retries", Options{Retries: -2}, "Retries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewManager("http://127.0.0.1:1", &tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want mention of %q", err, tc.want)
			}
		})
	}
	for _, bad := range []string{"ftp://x", "http://", "://"} {
		if _, err := NewManager(bad, nil); err == nil {
			t.Fatalf("NewManager(%q) accepted", bad)
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	o, err := (*Options)(nil).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.ReconnectionDelay != time.Second || o.ReconnectionDelayMax != 5*time.Second ||
		o.RandomizationFactor != 0.5 || o.Timeout != 20*time.Second || o.Path != "/socket.io/" ||
		o.Protocol != 5 || o.Parser == nil || !o.reconnection() || !o.autoConnect() || !o.multiplex() || !o.upgrade() {
		t.Fatalf("defaults %+v", o)
	}
	in := &Options{Query: map[string][]string{"a": {"1"}}}
	c, _ := in.withDefaults()
	c.Query["a"][0] = "changed"
	if in.Query["a"][0] != "1" {
		t.Fatal("withDefaults aliases the caller's Query")
	}
}

func TestDebugEnabled(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want bool
	}{
		{"", false}, {"*", true}, {"socket.io-client", true}, {"socket.io*", true},
		{"engine*", false}, {"engine*,socket.io-client*", true}, {"*,-socket.io-client", false},
		{"socket.io-client:*", false}, // newLogger also asks for socket.io-client:manager and :socket
	} {
		if got := debugEnabled(tc.spec, logComponent); got != tc.want {
			t.Errorf("debugEnabled(%q) = %v, want %v", tc.spec, got, tc.want)
		}
	}
}
