// Package nodeworld holds the test helpers that the adapter interop suites
// (redisinterop, postgresinterop) share to drive the Node member of a mixed
// cluster: a [World] sends operations to the suite's bridge script (started with
// [nodeenv.StartBridge]), connects official socket.io clients to any server of
// the cluster and reads back what they received.
//
// The bridge scripts in conformance/node (redis-node.js, postgres-node.js) answer
// the same operations used here: "connect", "collect", "quiet" and "rooms". What
// differs between the suites, the adapter and how the cluster is set up, stays
// in each suite's world type, which embeds a [World].
//
// Every helper reports failures through the World's testing.T with t.Fatalf, so
// like t.Fatal it must be called from the test's goroutine.
package nodeworld
