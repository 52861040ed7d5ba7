package socketio

import (
	"log/slog"
	"os"
	"strings"
)

// debugLogger returns a debug-level stderr logger when DEBUG enables any socket.io
// component (socket.io:server, :client, :namespace, :socket) (Node's debug syntax: comma- or space-separated patterns, "*" wildcard,
// "-" prefix excludes), and a silent logger otherwise.
func debugLogger() *slog.Logger {
	spec := os.Getenv("DEBUG")
	on := false
	for _, c := range []string{"socket.io:server", "socket.io:client", "socket.io:namespace", "socket.io:socket"} {
		on = on || debugEnabled(spec, c)
	}
	if on {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func debugEnabled(spec, name string) bool {
	on := false
	for _, pat := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		neg := strings.HasPrefix(pat, "-")
		pat = strings.TrimPrefix(pat, "-")
		if match(pat, name) {
			if neg {
				return false
			}
			on = true
		}
	}
	return on
}

// match reports whether name matches pat, where "*" matches any run of characters.
func match(pat, name string) bool {
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(name, p)
		}
		j := strings.Index(name, p)
		if j < 0 {
			return false
		}
		name = name[j+len(p):]
	}
	return true
}
