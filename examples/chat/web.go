package main

import (
	"embed"
	"io/fs"
	"net/http"
)

// webFiles is the single-page client: index.html, style.css, chat.js.
//
//go:embed web
var webFiles embed.FS

// pageHandler serves the files of web/ (index.html at /).
func pageHandler() http.Handler {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // web/ is embedded: it is there
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
