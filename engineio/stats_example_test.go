package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gosockio/gosockio/engineio"
)

// Stats counts sessions, packets and bytes; read it from a metrics exporter.
func ExampleServer_Stats() {
	srv, err := engineio.NewServer(nil)
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	res, err := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling") // a handshake
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()

	st := srv.Stats()
	fmt.Println("open:", st.ConnectionsOpen, "total:", st.ConnectionsTotal)
	fmt.Println("packets out:", st.PacketsOut, "bytes out match:", st.BytesOut == uint64(len(body)))
	// Output:
	// open: 1 total: 1
	// packets out: 1 bytes out match: true
}
