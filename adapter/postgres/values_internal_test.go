package postgres

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
)

// A broadcast from another server, in a JSON notification or as MessagePack from the
// attachment table, becomes a packet whose data is the JSON its clients receive, with
// every object's keys in the sender's order and binary as attachments; a server-side
// event's object arguments reach the application as JSON in that order too.
func TestMessagesKeepKeyOrder(t *testing.T) {
	v, err := jsvalue.DecodeJSON([]byte(`{"type":2,"data":["ev",{"t":1,"s":{"z":1,"a":2.5},"p":3}],"nsp":"/"}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := readPacket(v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(json.RawMessage(`["ev",{"t":1,"s":{"z":1,"a":2.5},"p":3}]`), p.Data); diff != "" {
		t.Errorf("JSON broadcast data (-want +got):\n%s", diff)
	}

	b, err := jsvalue.EncodeMsgpack(jsvalue.Object{{"type", 2}, {"data", []any{"ev", jsvalue.Object{{"z", []byte{1}}, {"a", 1}}}}, {"nsp", "/"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err = jsvalue.DecodeMsgpack(b); err != nil {
		t.Fatal(err)
	}
	if p, err = readPacket(v); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(json.RawMessage(`["ev",{"z":{"_placeholder":true,"num":0},"a":1}]`), p.Data); diff != "" {
		t.Errorf("MessagePack broadcast data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]byte{{1}}, p.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}

	v, _ = jsvalue.DecodeJSON([]byte(`["note",{"t":1,"s":2},"x"]`))
	want := []any{"note", json.RawMessage(`{"t":1,"s":2}`), "x"}
	if diff := cmp.Diff(want, jsvalue.EventArgs(v)); diff != "" {
		t.Errorf("server-side event args (-want +got):\n%s", diff)
	}
}
