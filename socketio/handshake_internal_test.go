package socketio

import (
	"encoding/json"
	"testing"
)

// The CONNECT reply's payload, written by hand, is what encoding/json writes for the
// struct it replaces ({"sid":...,"pid":...}, pid omitted when empty), fields in Node's
// order.
func TestConnectReply(t *testing.T) {
	type reply struct {
		SID string `json:"sid"`
		PID string `json:"pid,omitempty"`
	}
	for _, tt := range []struct{ name, sid, pid, want string }{
		{"sid only", "lv_VI97HAXpY6yYWAAAC", "", `{"sid":"lv_VI97HAXpY6yYWAAAC"}`},
		{"sid and pid", "abc-_123", "p1", `{"sid":"abc-_123","pid":"p1"}`},
		{"escaped", "a\"b\\c<d>&\n\u00e9", "\x00", `{"sid":"a\"b\\c\u003cd\u003e\u0026\n` + "\u00e9" + `","pid":"\u0000"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := string(connectReply(tt.sid, tt.pid))
			std, err := json.Marshal(reply{tt.sid, tt.pid})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || got != string(std) {
				t.Fatalf("connectReply(%q, %q) = %s, want %s (encoding/json: %s)", tt.sid, tt.pid, got, tt.want, std)
			}
		})
	}
}
