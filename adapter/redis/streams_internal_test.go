package redis

import (
	"testing"
	"time"
)

// The namespace -> stream routing is Node's computeStreamName (hashCode % streamCount,
// a negative hash giving a negative index); the expectations come from running
// @socket.io/redis-streams-adapter 0.3.1's hashCode.
func TestStreamsStreamName(t *testing.T) {
	o := (&StreamsOptions{StreamCount: 3}).withDefaults()
	for nsp, want := range map[string]string{
		"/":                                 "socket.io-2",
		"/chat":                             "socket.io-1",
		"/admin-namespace-with-a-long-name": "socket.io--1",
		"/é😀":                               "socket.io-2",
	} {
		if got := o.streamName(nsp); got != want {
			t.Errorf("streamName(%q) = %q, want %q", nsp, got, want)
		}
	}
	if got := (&StreamsOptions{}).withDefaults(); got.streamName("/chat") != "socket.io" {
		t.Errorf("one stream: streamName = %q", got.streamName("/chat"))
	}
}

func TestStreamsOptionsDefaults(t *testing.T) {
	var nilOpts *StreamsOptions
	got := nilOpts.withDefaults()
	if got.StreamName != "socket.io" || got.StreamCount != 1 || got.ChannelPrefix != "socket.io" ||
		got.UseShardedPubSub || got.MaxLen != 10_000 || got.ReadCount != 100 || got.BlockTime != 5*time.Second ||
		got.SessionKeyPrefix != "sio:session:" || got.OnlyPlaintext || got.RequestsTimeout != 5*time.Second || got.Logger == nil {
		t.Errorf("defaults = %+v", got)
	}
	in := &StreamsOptions{StreamName: "s", MaxLen: 5}
	_ = in.withDefaults()
	if in.StreamCount != 0 || in.Logger != nil {
		t.Error("withDefaults modified the caller's options")
	}
}

func TestStreamsNextOffset(t *testing.T) {
	for in, want := range map[string]string{"1-0": "1-1", "1700000000000-41": "1700000000000-42"} {
		if got, err := nextOffset(in); err != nil || got != want {
			t.Errorf("nextOffset(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
