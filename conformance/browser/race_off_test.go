//go:build !race

package browser

// buildFlags build the chat with the race detector when the tests run with it.
var buildFlags []string
