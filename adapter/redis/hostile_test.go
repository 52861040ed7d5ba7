package redis_test

import (
	"context"
	"testing"

	"github.com/gosockio/gosockio/socketio/sockettest"
)

// Whatever another process publishes on the cluster's channels, the servers neither
// panic nor pass malformed packets to their clients, and keep working.
func TestHostileMessagesAreIgnored(t *testing.T) { bothAdapters(t, 2, testHostileMessagesAreIgnored) }

func testHostileMessagesAreIgnored(t *testing.T, nodes []*node) {
	c := sockettest.NewClient(t, nodes[1].srv, "/")
	rdb := newRedis(t, "hostile-"+randomName())
	key := nodes[0].key
	payloads := []string{
		"", "\x00", "\xc1", "{", "{}", `{"type":7}`, `{"type":"x","uid":1}`, "[]", "null",
		"\x93\xa3bad\x80\x80",                                           // [uid, {}, {}]
		"\x93\xa3bad\x82\xa4type\x01\xa4data\x91\xa1m\x80",              // a CONNECT-type packet
		"\x93\xa3bad\x82\xa4type\x02\xa4data\xa1x\x80",                  // data not an array
		"\x93\xa3bad\x82\xa4type\x02\xa4data\x91\xaadisconnect\x80",     // reserved name
		"\x93\xa3bad\x82\xa4type\x02\xa4data\x91\x01\x81\xa5rooms\xa1r", // rooms not an array
		"\xdd\x7f\xff\xff\xff", "\xc6\xff\xff\xff\xff",
		`{"uid":"x","type":0,"requestId":"r","rooms":7}`,
		`{"uid":"x","type":4,"opts":"all","close":"yes"}`,
		`{"uid":"x","type":6,"data":"not an array"}`,
		`{"uid":"x","type":9,"data":{"requestId":"r"}}`,
		`{"uid":"x","nsp":"/","type":3,"data":{"packet":{"type":2,"data":[]}}}`,
		`{"uid":"x","nsp":"/","type":8,"data":{"requestId":"zz","sockets":3}}`,
		`{"uid":"x","nsp":"/","type":6,"data":{"opts":"all","close":true}}`,
		`{"uid":"x","nsp":"/","type":4,"data":{"opts":["x"],"rooms":"r"}}`,
	}
	ctx := context.Background()
	for _, p := range payloads {
		for _, ch := range []string{key + "#/#", key + "#/#r#", key + "-request#/#", key + "-response#/#"} {
			must(t, rdb.Publish(ctx, ch, p).Err())
			must(t, rdb.SPublish(ctx, ch, p).Err())
		}
	}
	must(t, nodes[0].srv.Emit("still", "alive"))
	if got := c.Next(); got != `2["still","alive"]` {
		t.Errorf("after hostile messages the client got %q first", got)
	}
	socks, err := nodes[0].srv.FetchSockets(ctx)
	if err != nil || len(socks) != 1 {
		t.Errorf("FetchSockets after hostile messages = %v, %v", socks, err)
	}
}
