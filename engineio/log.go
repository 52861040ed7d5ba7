package engineio

import (
	"context"
	"log/slog"
	"os"
	"strings"
)

// debugComponents are the names Node's engine.io server logs under; DEBUG patterns are
// matched against them.
var debugComponents = []string{"engine", "engine:socket", "engine:polling", "engine:ws", "engine:transport"}

// clientLogComponent is engine.io-client's debug namespace for its socket.
const clientLogComponent = "engine.io-client:socket"

// newLogger returns the server's logger: opts.Logger, or debugLogger of the engine
// components.
func newLogger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return debugLogger(debugComponents...)
}

// debugLogger returns a debug logger on stderr when the DEBUG environment variable selects
// one of names, and a discarding logger otherwise. DEBUG is read at each call (NewServer,
// Dial).
func debugLogger(names ...string) *slog.Logger {
	if debugSelects(os.Getenv("DEBUG"), names...) {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// debugSelects reports whether spec, a DEBUG value, selects one of names, as Node's debug
// package reads it: patterns separated by commas or spaces, "*" as a wildcard, a leading
// "-" to exclude (an exclusion wins wherever it stands).
func debugSelects(spec string, names ...string) bool {
	fields := strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' })
	for _, name := range names {
		on := false
		for _, f := range fields {
			neg := strings.HasPrefix(f, "-")
			if !matchStar(strings.TrimPrefix(f, "-"), name) {
				continue
			}
			if neg {
				on = false
				break
			}
			on = true
		}
		if on {
			return true
		}
	}
	return false
}

// matchStar matches a pattern whose only wildcard is "*" (matching any run, ":" included).
func matchStar(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func (s *Server) debug(msg string, args ...any) {
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug(msg, args...)
	}
}
