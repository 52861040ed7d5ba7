package adapter_test

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

func lastArg(t *testing.T, p *parser.Packet) string {
	t.Helper()
	switch d := p.Data.(type) {
	case []any:
		return d[len(d)-1].(string)
	case json.RawMessage:
		var arr []any
		if err := json.Unmarshal(d, &arr); err != nil {
			t.Fatal(err)
		}
		return arr[len(arr)-1].(string)
	}
	t.Fatalf("data %T", p.Data)
	return ""
}

func TestRecoveryReplaysMissedPackets(t *testing.T) {
	rec := &adapter.RecoveryConfig{MaxDisconnectionDuration: 2 * time.Minute}
	a, nsp, _ := setup(rec, map[string][]string{"s1": {"r"}, "s2": nil})
	ctx := context.Background()

	emit := func(data any, opts *adapter.BroadcastOptions) {
		t.Helper()
		if err := a.Broadcast(&parser.Packet{Type: parser.Event, Data: data}, opts); err != nil {
			t.Fatal(err)
		}
	}
	emit([]any{"first"}, &adapter.BroadcastOptions{})
	first := string(nsp.got[0].frames[0].Data)
	var arr []any
	if err := json.Unmarshal([]byte(first[len("2/chat,"):]), &arr); err != nil || len(arr) != 2 {
		t.Fatalf("first packet %q must carry an offset as last argument", first)
	}
	offset := arr[1].(string)

	a.PersistSession(&adapter.Session{SID: "s1", PID: "p1", Rooms: []string{"r", "s1"}, Data: 42})
	a.DelAll("s1")

	emit([]any{"to-r"}, &adapter.BroadcastOptions{Rooms: []string{"r"}})
	emit([]any{"not-r"}, &adapter.BroadcastOptions{Rooms: []string{"other"}})
	emit([]any{"except-r"}, &adapter.BroadcastOptions{Except: []string{"r"}})
	emit([]any{"volatile"}, &adapter.BroadcastOptions{Flags: adapter.BroadcastFlags{Volatile: true}})
	emit(json.RawMessage(`["raw",1]`), &adapter.BroadcastOptions{})
	emit(json.RawMessage(`["raw-empty"]`), &adapter.BroadcastOptions{Rooms: []string{"s1"}})

	s, err := a.RestoreSession(ctx, "p1", offset)
	if err != nil || s == nil {
		t.Fatalf("RestoreSession = %v, %v", s, err)
	}
	var names []any
	for _, p := range s.MissedPackets {
		switch d := p.Data.(type) {
		case []any:
			names = append(names, d[0])
		case json.RawMessage:
			var arr []any
			_ = json.Unmarshal(d, &arr)
			names = append(names, arr[0])
			if len(arr) < 2 {
				t.Errorf("raw packet lost its offset: %s", d)
			}
		}
		if lastArg(t, p) == "" {
			t.Errorf("missed packet without offset: %v", p.Data)
		}
	}
	if diff := cmp.Diff([]any{"to-r", "raw", "raw-empty"}, names); diff != "" {
		t.Errorf("missed packets (-want +got):\n%s", diff)
	}
	if s.SID != "s1" || s.Data != 42 {
		t.Errorf("session = %+v", s)
	}
	if again, _ := a.RestoreSession(ctx, "p1", offset); again != nil {
		t.Errorf("a session must be restored at most once")
	}
}

func TestRecoveryUnknownOffsetOrPid(t *testing.T) {
	rec := &adapter.RecoveryConfig{MaxDisconnectionDuration: time.Minute}
	a, _, _ := setup(rec, map[string][]string{"s1": nil})
	a.PersistSession(&adapter.Session{SID: "s1", PID: "p1"})
	if s, _ := a.RestoreSession(context.Background(), "p1", "nope"); s != nil {
		t.Errorf("unknown offset restored %+v", s)
	}
	if s, _ := a.RestoreSession(context.Background(), "nope", "x"); s != nil {
		t.Errorf("unknown pid restored %+v", s)
	}
}

func TestRecoveryExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &adapter.RecoveryConfig{MaxDisconnectionDuration: time.Minute}
		a, nsp, _ := setup(rec, map[string][]string{"s1": nil})
		_ = a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, nil)
		offset := lastArg(t, &parser.Packet{Data: json.RawMessage(nsp.got[0].frames[0].Data[len("2/chat,"):])})
		a.PersistSession(&adapter.Session{SID: "s1", PID: "p1"})
		time.Sleep(time.Minute + time.Second)
		if s, _ := a.RestoreSession(context.Background(), "p1", offset); s != nil {
			t.Errorf("expired session restored: %+v", s)
		}
	})
}

func TestNoRecoveryStoresNothing(t *testing.T) {
	a, nsp, _ := setup(nil, map[string][]string{"s1": nil})
	_ = a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, nil)
	if got := string(nsp.got[0].frames[0].Data); got != `2/chat,["e"]` {
		t.Errorf("frame = %q: no offset without recovery", got)
	}
	a.PersistSession(&adapter.Session{SID: "s1", PID: "p"})
	if s, err := a.RestoreSession(context.Background(), "p", "x"); s != nil || err != nil {
		t.Errorf("RestoreSession without recovery = %v, %v", s, err)
	}
}
