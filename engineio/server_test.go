package engineio

import (
	"regexp"
	"testing"
)

func TestHandshakeV4Polling(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("EIO=4&transport=polling")
	re := regexp.MustCompile(`^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$`)
	if r.status != 200 || !re.MatchString(r.body) {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
}

func TestHandshakeV3Polling(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("EIO=3&transport=polling")
	re := regexp.MustCompile(`^97:0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000\}$`)
	if r.status != 200 || !re.MatchString(r.body) {
		t.Fatalf("got %d %q", r.status, r.body)
	}
}

func TestHandshakeWebSocket(t *testing.T) {
	for _, tt := range []struct{ eio, re string }{
		{"4", `^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$`},
		{"3", `^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000\}$`},
	} {
		t.Run("EIO="+tt.eio, func(t *testing.T) {
			e := newEnv(t, nil)
			c, _, err := e.dial("EIO=" + tt.eio + "&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			if _, msg := wsRead(t, c); !regexp.MustCompile(tt.re).MatchString(msg) {
				t.Fatalf("open packet %q", msg)
			}
		})
	}
}
