package client

import (
	"context"
	"log/slog"
	"os"
	"strings"
)

// logComponent is the debug namespace, as socket.io-client names it.
const logComponent = "socket.io-client"

// newLogger returns l, or a stderr logger when DEBUG selects socket.io-client, or a
// silent one.
func newLogger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l.With("component", logComponent)
	}
	if spec := os.Getenv("DEBUG"); debugEnabled(spec, logComponent) || debugEnabled(spec, logComponent+":manager") || debugEnabled(spec, logComponent+":socket") {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", logComponent)
	}
	return slog.New(discard{})
}

// debugEnabled reports whether name is selected by spec in the syntax of Node's debug
// module: names separated by commas or spaces, '*' matches anything, a leading '-'
// excludes.
func debugEnabled(spec, name string) bool {
	on := false
	for _, f := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		neg := strings.HasPrefix(f, "-")
		f = strings.TrimPrefix(f, "-")
		if wildcard(f, name) {
			if neg {
				return false
			}
			on = true
		}
	}
	return on
}

func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
