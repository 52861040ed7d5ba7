package parser_test

import (
	"encoding/json"
	"fmt"

	"github.com/gosockio/gosockio/parser"
)

// Encode an event with an ack id on a namespace, then one with binary data.
func ExampleJSONParser_Encode() {
	p := parser.New(nil) // protocol v5, as socket.io 3/4

	frames, err := p.Encode(&parser.Packet{
		Type:      parser.Event,
		Namespace: "/chat",
		ID:        12,
		HasID:     true,
		Data:      []any{"message", map[string]any{"user": "a", "text": "hello <b>"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", frames[0].Data)

	frames, err = p.Encode(&parser.Packet{Type: parser.Event, Data: []any{"file", []byte{1, 2, 3}}})
	if err != nil {
		panic(err)
	}
	for _, f := range frames {
		if f.Binary {
			fmt.Printf("binary %v\n", f.Data)
		} else {
			fmt.Printf("text   %s\n", f.Data)
		}
	}
	// Output:
	// 2/chat,12["message",{"text":"hello <b>","user":"a"}]
	// text   51-["file",{"_placeholder":true,"num":0}]
	// binary [1 2 3]
}

// Decode a binary event: the decoder waits for the attachment, then returns the
// packet; the arguments are split and decoded lazily.
func ExampleJSONDecoder_Decode() {
	p := parser.New(nil)
	d := p.NewDecoder() // one per connection

	frames := []parser.Frame{
		{Data: []byte(`51-/uploads,["file",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]`)},
		{Data: []byte{0xca, 0xfe}, Binary: true},
	}
	for _, f := range frames {
		pkt, err := d.Decode(f)
		if err != nil {
			panic(err)
		}
		if pkt == nil {
			fmt.Println("waiting for attachments:", d.Pending())
			continue
		}
		fmt.Println(pkt.Type, pkt.Namespace, len(pkt.Attachments), "attachment(s)")

		args, err := parser.SplitArray(pkt.Data.(json.RawMessage))
		if err != nil {
			panic(err)
		}
		name, _ := parser.EventName(args[0])
		v, err := p.Reconstruct(args[1], pkt.Attachments)
		if err != nil {
			panic(err)
		}
		file := v.(map[string]any)
		fmt.Printf("event %q: name=%v data=%x\n", name, file["name"], file["data"])
	}
	// Output:
	// waiting for attachments: true
	// EVENT /uploads 1 attachment(s)
	// event "file": name=a.bin data=cafe
}

// Errors name what was wrong; errors.Is matches the sentinel.
func ExampleJSONDecoder_Decode_error() {
	d := parser.New(nil).NewDecoder()
	_, err := d.Decode(parser.Frame{Data: []byte(`2["disconnect"]`)})
	fmt.Println(err)
	// Output:
	// parser: invalid event name: "disconnect" is a reserved event name (protocol v5)
}
