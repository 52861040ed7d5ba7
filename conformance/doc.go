// Package conformance holds gosockio's shared conformance suite: properties
// that any implementation of a layer must keep, exported as functions that take
// the implementation under test, plus the generators they draw from.
//
// The same properties run against our packages in the normal test command and,
// through small Node bridges (conformance/node, driven by internal/nodeenv),
// against the official JavaScript packages; differential tests feed the same
// random inputs to both and compare the results by value.
//
// # Parser
//
// A [ParserDriver] is a socket.io packet parser: encode a packet to frames,
// and make decoders that turn frames back into packets. [NewParserDriver]
// wraps any parser.Parser. The properties:
//
//   - [CheckParserRoundTrip]: decode(encode(p)) equals p for every valid packet
//     of every type ([PacketGen]: namespaces, ack ids, nested values with
//     unicode strings and JavaScript numbers, binary at any depth);
//   - [CheckParserReassembly]: one decoder fed many packets frame by frame
//     returns them in order, reports Pending exactly while attachments are
//     awaited, and recovers from Reset in the middle of a binary packet;
//   - [CheckParserRejects]: every kind of invalid input in [InvalidInputGen] is
//     rejected, and the decoder works again after Reset.
//
// Results are compared in [NormalPacket] form ([Normalize]): binary types
// folded into EVENT/ACK, "" and "/" the same namespace, numbers as float64,
// placeholders replaced by their attachments.
//
// Run them against another implementation with rapid's usual flags
// (-rapid.checks, -rapid.seed):
//
//	func TestMyParser(t *testing.T) {
//		d := conformance.NewParserDriver(myparser.New(), parser.V5)
//		conformance.CheckParserRoundTrip(t, d)
//		conformance.CheckParserReassembly(t, d)
//		conformance.CheckParserRejects(t, d)
//	}
//
// See README.md for the differential tests and the known divergences from the
// official packages.
package conformance
