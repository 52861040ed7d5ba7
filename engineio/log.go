package engineio

import (
	"context"
	"log/slog"
	"os"
	"strings"
)

// debugComponents are the names Node's engine.io logs under; DEBUG patterns are matched
// against them.
var debugComponents = []string{"engine", "engine:socket", "engine:polling", "engine:ws", "engine:transport"}

// newLogger returns the logger to use: opts.Logger, or a stderr debug logger when the DEBUG
// environment variable enables an engine component, or a discarding logger.
func newLogger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	if debugEnabled(os.Getenv("DEBUG")) {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// debugEnabled interprets DEBUG as Node's debug package does: names separated by commas or
// spaces, "*" as a wildcard, a leading "-" to exclude.
func debugEnabled(env string) bool {
	fields := strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == ' ' })
	for _, c := range debugComponents {
		on := false
		for _, f := range fields {
			neg := strings.HasPrefix(f, "-")
			f = strings.TrimPrefix(f, "-")
			if matchStar(f, c) {
				if neg {
					on = false
					break
				}
				on = true
			}
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
