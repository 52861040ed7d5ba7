// Package reliability holds black-box tests of the socket.io server against hostile
// and faulty clients: the inputs of the published engine.io and socket.io-parser
// advisories, oversized bodies and frames, attachment floods, clients that stop
// reading, half-close, cut responses, and clients that vanish. Each test runs our
// server in-process on 127.0.0.1:0, drives it with raw HTTP, raw TCP and
// github.com/coder/websocket, and checks that the offending connection is closed
// (with its reason where the server reports one) while a well-behaved client
// connected at the same time keeps working.
package reliability
