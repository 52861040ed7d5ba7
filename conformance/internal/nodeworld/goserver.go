package nodeworld

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio"
)

// ServeGo starts Go member i of the cluster on factory and appends its URL to URLs; the
// test's cleanup closes it. Like the Node member, it stores {"node": "go<i>"} as each
// socket's data and answers the server-side events of the suites: "hello" (logged as
// "<i>:hello:<arg>" on events, acknowledged with "go<i>") and "note" (logged as
// "<i>:note:<arg>", the argument cut to 40 characters so that large payloads stay
// readable in failures).
func (w *World) ServeGo(i int, factory adapter.Factory, events chan<- string) *socketio.Server {
	w.T.Helper()
	srv, err := socketio.NewServer(&socketio.Options{Adapter: factory})
	if err != nil {
		w.T.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"node": fmt.Sprintf("go%d", i)}) })
	srv.On("hello", func(arg string, ack func(string)) {
		events <- fmt.Sprintf("%d:hello:%s", i, arg)
		ack(fmt.Sprintf("go%d", i))
	})
	srv.On("note", func(arg string) { events <- fmt.Sprintf("%d:note:%.40s", i, arg) })
	hs := httptest.NewServer(srv)
	w.T.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	w.URLs = append(w.URLs, hs.URL)
	return srv
}
