package engineio

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync/atomic"
)

var sidCounter atomic.Uint32

// generateID returns 20 URL-safe base64 characters: 12 random bytes and a 3-byte counter,
// the shape of Node's base64id ("lv_VI97HAXpY6yYWAAAC").
func generateID(*http.Request) (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:12]); err != nil {
		return "", err
	}
	n := sidCounter.Add(1)
	b[12], b[13], b[14] = byte(n>>16), byte(n>>8), byte(n)
	return base64.URLEncoding.EncodeToString(b[:]), nil
}
