// Package nodeenv runs the official JavaScript packages from Go tests: it finds
// node, installs conformance/node/node_modules with npm ci when they are missing,
// starts Node scripts as child processes owned by a test, and talks to them over
// stdin/stdout one line at a time.
//
// Every interop and differential test in the conformance module (parser,
// engine.io, socket.io, redis) goes through this package, so they all behave the
// same way when Node is missing or a script misbehaves.
//
// # Finding node
//
// [Node] looks for the executable named by $GOSOCKIO_NODE, else "node" in $PATH.
// When there is none, the test is skipped with a loud message that names the
// install command; with GOSOCKIO_REQUIRE_NODE=1 (set it in CI) it fails instead.
// When node exists the test never skips.
//
// # Installing the npm packages
//
// [EnsureModules] checks that every dependency named in conformance/node/package.json
// is present under node_modules. When one is missing it runs `npm ci` in
// conformance/node, holding an exclusive file lock (conformance/node/.npm-ci.lock,
// flock(2)) so that test binaries of several packages running in parallel do not
// install over each other; after taking the lock it checks again, so only the
// first binary installs. [Start] and [StartBridge] call it for you.
//
// # Scripts
//
// Scripts live in conformance/node ([Dir]; found from the test's working
// directory, so any test package inside the conformance module can use them;
// $GOSOCKIO_NODE_DIR overrides) and run with that folder as their working
// directory, so require("socket.io-parser") resolves to the pinned package.
// Conventions a script must follow:
//
//   - stdout is the protocol channel: one JSON document per line, nothing else.
//     Log to stderr (console.error); stderr is kept and printed in the test log
//     when the test fails.
//   - A server script announces itself with its first stdout line, for example
//     {"port":43121}, after it listens on 127.0.0.1 port 0; read it with
//     [Process.ReadJSON].
//   - A script exits when its stdin closes (bridges) or when killed: the
//     process (and its process group) is killed on t.Cleanup and waited for.
//
// # Bridges
//
// A bridge is a long-lived script that answers one JSON line on stdout for every
// JSON line it reads on stdin, in order. conformance/node/line-bridge.js
// implements the Node side: serve(async (request) => response). A handler that
// throws is answered with {"bridgeError":"message"}, which [Bridge.Call] turns
// into a Go error. Batch many operations into one request when you need
// thousands of them: a round trip costs tens of microseconds, JSON costs more.
//
// # Example
//
//	func TestAgainstNode(t *testing.T) {
//		b := nodeenv.StartBridge(t, "parser-bridge.js", nil)
//		var resp struct{ Results []json.RawMessage }
//		if err := b.Call(t.Context(), request, &resp); err != nil {
//			t.Fatal(err)
//		}
//	}
//
//	func TestServer(t *testing.T) {
//		p := nodeenv.Start(t, "my-server.js", &nodeenv.Options{Args: []string{"--eio=4"}})
//		var hello struct{ Port int }
//		if err := p.ReadJSON(t.Context(), &hello); err != nil {
//			t.Fatal(err)
//		}
//		// dial 127.0.0.1:hello.Port ...
//	}
package nodeenv
