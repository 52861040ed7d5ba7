package msgpack_test

import (
	"encoding/json"
	"fmt"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// Encode a packet into the one binary frame socket.io-msgpack-parser would write,
// and decode it: Data comes back as JSON with a placeholder for each binary value.
func Example() {
	mp := msgpack.New(nil)
	frames, err := mp.Encode(&parser.Packet{Type: parser.Event, Namespace: "/chat", ID: 1, HasID: true,
		Data: []any{"file", "a.txt", []byte("hi")}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d frame, binary %v: %x\n", len(frames), frames[0].Binary, frames[0].Data)

	p, err := mp.NewDecoder().Decode(frames[0])
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Type, p.Namespace, p.ID, string(p.Data.(json.RawMessage)))
	fmt.Printf("%q\n", p.Attachments)
	// Output:
	// 1 frame, binary true: 84a47479706502a46461746193a466696c65a5612e747874c4026869a36e7370a52f63686174a2696401
	// EVENT /chat 1 ["file","a.txt",{"_placeholder":true,"num":0}]
	// ["hi"]
}

// A server speaks msgpack when its Options.Parser is a msgpack Parser:
//
//	srv, err := socketio.NewServer(&socketio.Options{Parser: msgpack.New(nil)})
//
// Every client must then use socket.io-msgpack-parser (or this package).
func ExampleNew() {
	var p parser.Parser = msgpack.New(nil)
	frames, _ := p.Encoder().Encode(&parser.Packet{Type: parser.Connect, Data: map[string]any{"sid": "abc"}})
	fmt.Printf("%x\n", frames[0].Data)
	// Output:
	// 83a47479706500a46461746181a3736964a3616263a36e7370a12f
}
