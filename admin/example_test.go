package admin_test

import (
	"fmt"
	"log"

	"github.com/gosockio/gosockio/admin"
	"github.com/gosockio/gosockio/socketio"
)

// Instrument a server for the Admin UI. In production set Options.Auth with a bcrypt
// hash of the password (and CORS for the UI's origin); NoAuth is for a local try.
func ExampleInstrument() {
	io, err := socketio.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	in, err := admin.Instrument(io, &admin.Options{NoAuth: true, ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	fmt.Println(in.Namespace().Name(), in.Features())
	// Output: /admin [AGGREGATED_EVENTS ALL_EVENTS]
}
