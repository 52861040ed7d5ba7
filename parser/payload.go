package parser

import (
	"fmt"
	"strconv"
)

// reservedEvents are the event names socket.io-parser 4.x refuses in an EVENT
// (RESERVED_EVENTS): they have a meaning of their own on one side or the other.
var reservedEvents = [...]string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReservedEvent reports whether name is one of the event names protocol v5 reserves
// and refuses in an EVENT: connect, connect_error, disconnect, disconnecting,
// newListener, removeListener (socket.io-parser 4.x RESERVED_EVENTS).
func IsReservedEvent(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}

// checkPayload applies socket.io-parser's isPayloadValid to a payload of the wire
// type t. payload is one JSON value (already validated by the decoder; by the encoder
// only its shape is checked here) with no surrounding whitespace.
func checkPayload(rev Revision, t Type, payload []byte) error {
	c := payload[0]
	switch t {
	case Connect:
		if c == '{' || (rev == V4 && (c == '[' || string(payload) == "null")) {
			return nil
		}
		if rev == V4 {
			return fmt.Errorf("%w: CONNECT data must be a JSON object, array or null, got %s", ErrInvalidPayload, describe(payload))
		}
		return fmt.Errorf("%w: CONNECT data must be a JSON object, got %s", ErrInvalidPayload, describe(payload))
	case Disconnect:
		return fmt.Errorf("%w: DISCONNECT must not carry data, got %s", ErrInvalidPayload, describe(payload))
	case ConnectError:
		if c == '{' || c == '"' || (rev == V4 && (c == '[' || string(payload) == "null")) {
			return nil
		}
		if rev == V4 {
			return fmt.Errorf("%w: ERROR data must be a JSON string, object, array or null, got %s", ErrInvalidPayload, describe(payload))
		}
		return fmt.Errorf("%w: CONNECT_ERROR data must be a JSON object or string, got %s", ErrInvalidPayload, describe(payload))
	case Ack, BinaryAck:
		if c != '[' {
			return fmt.Errorf("%w: %s data must be a JSON array, got %s", ErrInvalidPayload, t, describe(payload))
		}
		return nil
	case Event, BinaryEvent:
		if c != '[' {
			return fmt.Errorf("%w: %s data must be a JSON array, got %s", ErrInvalidPayload, t, describe(payload))
		}
		i := skipWS(payload, 1)
		if i >= len(payload) || payload[i] == ']' {
			return fmt.Errorf("%w: %s data is an empty array; the first element must be the event name", ErrInvalidEventName, t)
		}
		switch c := payload[i]; {
		case c == '-' || isDigit(c):
			return nil // a number: socket.io-parser accepts numeric event names
		case c == '"':
			if rev == V5 {
				s := scanner{data: payload}
				end, err := s.str(i)
				if err != nil {
					return fmt.Errorf("%w: %s event name: %w", ErrInvalidEventName, t, err)
				}
				if name := payload[i+1 : end-1]; indexByte(name, '\\') < 0 {
					// No escape: compare the bytes (the common case, without a loop).
					switch string(name) {
					case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
						return fmt.Errorf("%w: %q is a reserved event name (protocol v5)", ErrInvalidEventName, string(name))
					}
					return nil
				}
				for _, r := range reservedEvents {
					if jsonStringEquals(payload[i:end], r) {
						return fmt.Errorf("%w: %q is a reserved event name (protocol v5)", ErrInvalidEventName, r)
					}
				}
			}
			return nil
		default:
			return fmt.Errorf("%w: %s first element must be a string or a number, got %s", ErrInvalidEventName, t, describe(payload[i:]))
		}
	}
	return fmt.Errorf("%w: %d", ErrUnknownType, byte(t))
}

// describe names the kind of the JSON value that starts payload, for errors.
func describe(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch c := v[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || isDigit(c):
		return "a number"
	}
	return strconv.Quote(string(v[:min(len(v), 16)])) // a copy: v does not escape
}

// argsValid reports, from the Go values, that checkPayload accepts the array args of
// an EVENT or ACK (with or without binary): an ACK takes any array, an EVENT one
// whose first element is a string that is not reserved (v5) or an integer. False
// means "ask checkPayload", not "invalid".
func argsValid(rev Revision, t Type, args []any) bool {
	switch t {
	case Ack:
		return true
	case Event:
		if len(args) == 0 {
			return false
		}
		switch v := args[0].(type) {
		case string:
			return rev == V4 || !IsReservedEvent(v)
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			return true
		}
	}
	return false
}
