package engineio

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
)

func TestDialOptionsDefaults(t *testing.T) {
	o, err := (*DialOptions)(nil).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Path != "/engine.io/" || o.TimestampParam != "t" || o.Protocol != 4 ||
		!slices.Equal(o.Transports, []string{"polling", "websocket"}) || o.HTTPClient != http.DefaultClient ||
		o.MaxQueuedMessages != 1024 || o.MaxQueuedBytes != 16<<20 || o.DisableUpgrades || o.Logger == nil {
		t.Errorf("defaults: %+v", o)
	}
	if !o.timestamp(TransportPolling) || o.timestamp(TransportWebSocket) {
		t.Error("timestamps by default: want polling only, as engine.io-client")
	}

	in := &DialOptions{Path: "/x", Transports: []string{"websocket"}, Query: url.Values{"a": {"1"}}}
	o, err = in.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	o.Transports[0], o.Query["a"][0] = "changed", "changed"
	if in.Path != "/x" || in.Transports[0] != "websocket" || in.Query["a"][0] != "1" {
		t.Errorf("withDefaults changed the caller's options: %+v", in)
	}
	if o.Path != "/x/" {
		t.Errorf("Path %q, want a trailing slash added", o.Path)
	}
	o, _ = (&DialOptions{Path: "/x/", DisableTrailingSlash: true}).withDefaults()
	if o.Path != "/x" {
		t.Errorf("Path %q with DisableTrailingSlash, want /x", o.Path)
	}
}

func TestDialOptionsInvalid(t *testing.T) {
	for _, tc := range []struct {
		opts DialOptions
		want string
	}{
		{DialOptions{Transports: []string{"webtransport"}}, "DialOptions.Transports"},
		{DialOptions{Protocol: 5}, "DialOptions.Protocol"},
		{DialOptions{Path: "engine.io"}, "DialOptions.Path"},
	} {
		_, err := Dial(t.Context(), "http://127.0.0.1:1", &tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Dial with %+v: err %v, want one naming %s", tc.opts, err, tc.want)
		}
	}
	for _, u := range []string{"ftp://host", "http://", "://bad"} {
		if _, err := Dial(t.Context(), u, nil); err == nil || !strings.Contains(err.Error(), "engineio: Dial") {
			t.Errorf("Dial(%q): err %v, want a URL error", u, err)
		}
	}
}

func TestDialRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		hc := servePipe(t, f)
		s, err := Dial(t.Context(), "ws://pipe/socket.io/?token=url&keep=1", &DialOptions{
			HTTPClient:     hc,
			Path:           "/custom",
			Query:          url.Values{"token": {"opt"}},
			ExtraHeaders:   http.Header{"X-Test": {"yes"}},
			TimestampParam: "ts",
			Transports:     []string{"polling"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send([]Message{{Data: []byte("x")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		<-f.posts
		s.Close()
		synctest.Wait()
		var reqs []*http.Request
		for len(f.reqs) > 0 {
			reqs = append(reqs, <-f.reqs)
		}
		if len(reqs) < 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		seen := map[string]bool{}
		for i, r := range reqs {
			q := r.URL.Query()
			if r.URL.Path != "/custom/" || r.Header.Get("X-Test") != "yes" {
				t.Errorf("request %d: path %q, X-Test %q", i, r.URL.Path, r.Header.Get("X-Test"))
			}
			if q.Get("EIO") != "4" || q.Get("transport") != "polling" || q.Get("token") != "opt" || q.Get("keep") != "1" {
				t.Errorf("request %d: query %v", i, q)
			}
			if ts := q.Get("ts"); ts == "" || seen[ts] {
				t.Errorf("request %d: timestamp %q missing or reused", i, ts)
			} else {
				seen[ts] = true
			}
			if wantSID := i > 0; (q.Get("sid") == "abc") != wantSID {
				t.Errorf("request %d: sid %q", i, q.Get("sid"))
			}
		}
	})
}

func TestDialWebsocketRequest(t *testing.T) {
	for _, tc := range []struct {
		name      string
		timestamp *bool
		protocol  int
		want      url.Values
	}{
		{"default", nil, 4, url.Values{"EIO": {"4"}, "transport": {"websocket"}}},
		{"timestamps on", new(true), 4, url.Values{"EIO": {"4"}, "transport": {"websocket"}, "t": {"*"}}},
		{"v3", nil, 3, url.Values{"EIO": {"3"}, "transport": {"websocket"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hs := hsV4
				if tc.protocol == 3 {
					hs = hsV3
				}
				f := newFakeEngine(hs)
				hc := servePipe(t, f)
				s, err := Dial(t.Context(), "http://pipe", &DialOptions{HTTPClient: hc, Transports: []string{"websocket"}, TimestampRequests: tc.timestamp, Protocol: tc.protocol})
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				q := f.nextRequest(t).URL.Query()
				if q.Has("t") {
					q.Set("t", "*")
				}
				if diff := cmp.Diff(tc.want, q); diff != "" {
					t.Errorf("websocket handshake query (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestClientRequestURLScheme(t *testing.T) {
	o, _ := (&DialOptions{}).withDefaults()
	base, q, err := parseDialURL("wss://example.com:8443/ns?x=1", o)
	if err != nil {
		t.Fatal(err)
	}
	s := newClientSocket(o, base, q)
	defer s.cancel()
	if got := s.requestURL(TransportWebSocket); !strings.HasPrefix(got, "wss://example.com:8443/engine.io/?") {
		t.Errorf("websocket URL %q", got)
	}
	if got := s.requestURL(TransportPolling); !strings.HasPrefix(got, "https://example.com:8443/engine.io/?") {
		t.Errorf("polling URL %q", got)
	}
}

func TestClientDebugEnabled(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want bool
	}{
		{"", false},
		{"engine.io-client:*", true},
		{"*", true},
		{"engine*", true},
		{"socket.io*,engine.io-client:socket", true},
		{"*,-engine.io-client:*", false},
		{"engine:*", false},
	} {
		if got := debugSelects(tc.spec, clientLogComponent); got != tc.want {
			t.Errorf("DEBUG=%q: enabled %v, want %v", tc.spec, got, tc.want)
		}
	}
}
