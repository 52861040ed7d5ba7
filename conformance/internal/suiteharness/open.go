package suiteharness

import (
	"encoding/json"
	"slices"
	"strings"
)

// Handshake is the JSON of an Engine.IO open packet.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   *int     `json:"maxPayload"`
}

// ParseOpen decodes an open packet ("0{...}") and returns its fields and the
// set of its keys; a packet that is not one fails t.
func ParseOpen(t TB, packet string) (Handshake, []string) {
	t.Helper()
	if !strings.HasPrefix(packet, "0") {
		t.Fatalf("open packet %q does not start with \"0\"", packet)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(packet[1:]), &keys); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	var hs Handshake
	if err := json.Unmarshal([]byte(packet[1:]), &hs); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	return hs, names
}

// WantHandshakeV4 checks a v4 open packet against the suites' server
// options: exactly the five keys, a sid, these upgrades, pingInterval 300,
// pingTimeout 200 and maxPayload 1000000.
func WantHandshakeV4(t T, hs Handshake, keys, upgrades []string) {
	t.Helper()
	slices.Sort(keys)
	if want := []string{"maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"}; !slices.Equal(keys, want) {
		t.Errorf("handshake keys = %v, want exactly %v", keys, want)
	}
	if hs.SID == "" {
		t.Errorf("handshake sid is empty")
	}
	if hs.Upgrades == nil || !slices.Equal(hs.Upgrades, upgrades) {
		t.Errorf("upgrades = %#v, want %q", hs.Upgrades, upgrades)
	}
	if hs.PingInterval != 300 || hs.PingTimeout != 200 {
		t.Errorf("pingInterval, pingTimeout = %d, %d, want 300, 200", hs.PingInterval, hs.PingTimeout)
	}
	if hs.MaxPayload == nil || *hs.MaxPayload != 1000000 {
		t.Errorf("maxPayload = %v, want 1000000", hs.MaxPayload)
	}
}
