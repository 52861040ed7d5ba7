package engineio

import (
	"log/slog"
	"os"
	"regexp"
	"strings"
)

// clientLogComponent is engine.io-client's debug namespace for its socket.
const clientLogComponent = "engine.io-client:socket"

// clientDebugLogger returns a debug logger on stderr when the DEBUG environment variable
// selects clientLogComponent in the syntax of Node's debug module (names separated by
// commas or spaces, "*" matches anything, a leading "-" excludes), and a silent logger
// otherwise. The variable is read once per Dial.
func clientDebugLogger() *slog.Logger {
	if clientDebugEnabled(os.Getenv("DEBUG"), clientLogComponent) {
		h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
		return slog.New(h)
	}
	return slog.New(slog.DiscardHandler)
}

// clientDebugEnabled reports whether name is selected by spec, a DEBUG value.
func clientDebugEnabled(spec, name string) bool {
	enabled := false
	for _, f := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		exclude := strings.HasPrefix(f, "-")
		f = strings.TrimPrefix(f, "-")
		re, err := regexp.Compile("^" + strings.ReplaceAll(regexp.QuoteMeta(f), `\*`, ".*?") + "$")
		if err != nil || !re.MatchString(name) {
			continue
		}
		if exclude {
			return false
		}
		enabled = true
	}
	return enabled
}
