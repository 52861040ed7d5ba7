package parser

import "encoding/json"

// boxRaw returns *p as an `any` holding a json.RawMessage. Converting the slice to an
// interface copies its header to the heap: the second allocation of a decode (after the
// packet itself). Pointing the interface into the packet's allocation with unsafe would
// save it (about 20 ns), but would depend on the runtime's interface layout; the parser
// stays within the language's guarantees instead.
func boxRaw(p *json.RawMessage) any {
	return *p
}
