package socketio

import "testing"

func TestDebugEnabled(t *testing.T) {
	tests := []struct {
		spec string
		want bool
	}{
		{"", false},
		{"socket.io*", true},
		{"socket.io:server", true},
		{"socket.io:client", false},
		{"*", true},
		{"engine*", false},
		{"engine*,socket.io:*", true},
		{"*,-socket.io:server", false},
		{"socket.io:*,-socket.io:server", false},
	}
	for _, tt := range tests {
		if got := debugEnabled(tt.spec, "socket.io:server"); got != tt.want {
			t.Errorf("debugEnabled(%q) = %v, want %v", tt.spec, got, tt.want)
		}
	}
}
