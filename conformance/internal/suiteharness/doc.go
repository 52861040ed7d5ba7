// Package suiteharness holds the parts of the conformance suites' test
// harness that enginetest and siotest share:
//
//   - [Attempt], one run of a case that records its failures instead of
//     failing the test, so that a case whose attempt the machine slowed down
//     (see [WatchStalls]) can be run again; each suite keeps its own retry
//     policy (how slow is too slow, what it logs);
//   - [WS], the raw WebSocket helpers, and [Frame];
//   - [Do] and [CloseWhilePolling], the raw HTTP long-polling helpers, and
//     [Reply];
//   - [ParseOpen] and [WantHandshakeV4], for Engine.IO open packets;
//   - [NodePort] and [ReadNodeReports], for a Node reference server.
package suiteharness
