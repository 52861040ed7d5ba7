package socketio

import (
	"fmt"
	"reflect"
	"sync"
)

var (
	argsType  = reflect.TypeFor[Args]()
	errorType = reflect.TypeFor[error]()
)

// handler is a user function called with decoded arguments.
//
// Accepted shapes: func(T1, T2, ...), where each Ti receives the argument at its position
// (decoded by Args.Decode: []byte receives an attachment); a parameter of type Args
// receives the remaining arguments undecoded; a trailing parameter of func type (with no
// results) is the acknowledgement callback. The function may return nothing or an error.
type handler struct {
	fn   reflect.Value
	raw  any // the func itself, for callDirect
	ptr  uintptr
	*sig // shared by every handler of the same func type
	once bool
}

// sig is what a handler's func type says about its call: derived once per type
// (sigCache), not per registration, as every socket registers the same few types.
type sig struct {
	params []reflect.Type // decoded parameters, in order
	rest   bool           // the last of params is Args: it takes the remaining arguments
	ack    reflect.Type   // the ack callback's type, nil when none
	errOut bool
}

// sigCache maps a func reflect.Type to its *sig (or the error newSig returned).
var sigCache sync.Map

func newHandler(fn any) (*handler, error) {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("socketio: handler must be a non-nil func, got %T", fn)
	}
	t := v.Type()
	c, ok := sigCache.Load(t)
	if !ok {
		sg, err := newSig(t)
		if err != nil {
			c, _ = sigCache.LoadOrStore(t, err)
		} else {
			c, _ = sigCache.LoadOrStore(t, sg)
		}
	}
	if err, ok := c.(error); ok {
		return nil, err
	}
	return &handler{fn: v, raw: fn, ptr: v.Pointer(), sig: c.(*sig)}, nil
}

// newSig checks the func type t and describes its parameters.
func newSig(t reflect.Type) (*sig, error) {
	h := &sig{}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
		h.errOut = true
	case t.NumOut() != 0:
		return nil, fmt.Errorf("socketio: handler %s: may return nothing or an error", t)
	}
	n := t.NumIn()
	if t.IsVariadic() {
		return nil, fmt.Errorf("socketio: handler %s: variadic handlers are not supported; take socketio.Args instead", t)
	}
	if n > 0 && t.In(n-1).Kind() == reflect.Func {
		at := t.In(n - 1)
		if at.NumOut() != 0 {
			return nil, fmt.Errorf("socketio: handler %s: the ack callback must return nothing", t)
		}
		h.ack = at
		n--
	}
	for i := range n {
		pt := t.In(i)
		if pt.Kind() == reflect.Func {
			return nil, fmt.Errorf("socketio: handler %s: ack callback must be the last parameter", t)
		}
		if pt == argsType && i != n-1 {
			return nil, fmt.Errorf("socketio: handler %s: a socketio.Args parameter must come last (before the ack callback)", t)
		}
		h.params = append(h.params, pt)
	}
	h.rest = n > 0 && h.params[n-1] == argsType
	return h, nil
}

func mustHandler(fn any) *handler {
	h, err := newHandler(fn)
	if err != nil {
		panic(err)
	}
	return h
}

// call invokes the handler with args. ack, when non-nil, sends an acknowledgement; a
// handler that wants an ack receives a no-op when the sender asked for none.
func (h *handler) call(event string, args Args, ack func(vals []any)) error {
	var send func(...any)
	if ack != nil {
		send = func(vals ...any) { ack(vals) }
	}
	return h.invoke(event, args, send)
}

// invoke is call with the ack callback in the shape handlers take, so that the event
// path hands its ack (Event.Ack) to a func(Args, func(...any)) handler as it is, without
// wrapping it in a new func per event.
func (h *handler) invoke(event string, args Args, ack func(...any)) error {
	if err, ok := h.callDirect(args, ack); ok {
		if err != nil {
			return fmt.Errorf("socketio: handler for %q: %w", event, err)
		}
		return nil
	}
	in := make([]reflect.Value, 0, len(h.params)+1)
	for i, pt := range h.params {
		if h.rest && i == len(h.params)-1 {
			rest := Args{attachments: args.attachments}
			if i < len(args.raw) {
				rest.raw = args.raw[i:]
			}
			in = append(in, reflect.ValueOf(rest))
			continue
		}
		pv := reflect.New(pt).Elem()
		if i < args.Len() {
			if err := args.decodeValue(i, pv); err != nil {
				return &ArgsError{Event: event, Index: i, Err: err}
			}
		}
		in = append(in, pv)
	}
	if h.ack != nil {
		in = append(in, makeAck(h.ack, ack))
	}
	out := h.fn.Call(in)
	if h.errOut && !out[0].IsNil() {
		return fmt.Errorf("socketio: handler for %q: %w", event, out[0].Interface().(error))
	}
	return nil
}

// callDirect calls the handler without reflection when its func type is one of the
// common shapes taking the arguments as Args; ok is false for the others, which call
// goes through reflect. Both ways pass the same values.
func (h *handler) callDirect(args Args, ack func(...any)) (err error, ok bool) {
	switch f := h.raw.(type) {
	case func(Args):
		f(args)
	case func(Args, func(...any)):
		f(args, directAck(ack))
	case func(Args) error:
		err = f(args)
	case func(Args, func(...any)) error:
		err = f(args, directAck(ack))
	case func():
		f()
	default:
		return nil, false
	}
	return err, true
}

// directAck is the ack callback handed to a handler called by callDirect: send itself,
// or, like makeAck's, a no-op when the sender asked for no acknowledgement.
func directAck(send func(...any)) func(...any) {
	if send == nil {
		return noAck
	}
	return send
}

// noAck is the ack callback of an event whose sender asked for no acknowledgement.
func noAck(...any) {}

// makeAck returns a func of type t that passes its arguments to send.
func makeAck(t reflect.Type, send func(...any)) reflect.Value {
	return reflect.MakeFunc(t, func(in []reflect.Value) []reflect.Value {
		if send == nil {
			return nil
		}
		var vals []any
		for i, v := range in {
			if t.IsVariadic() && i == len(in)-1 {
				for j := range v.Len() {
					vals = append(vals, v.Index(j).Interface())
				}
				continue
			}
			vals = append(vals, v.Interface())
		}
		send(vals...)
		return nil
	})
}

// ackCallback is the trailing func of an Emit: called with the answer, or with an error
// first when its first parameter is an error.
type ackCallback struct {
	h       *handler
	withErr bool
}

func newAckCallback(fn any) (*ackCallback, error) {
	t := reflect.TypeOf(fn)
	c := &ackCallback{withErr: t.NumIn() > 0 && t.In(0) == errorType}
	var err error
	if c.withErr {
		// decode the answer into the parameters after the error
		c.h, err = newHandler(fn)
		if err != nil {
			return nil, err
		}
		// a copy: the cached sig is shared
		params := c.h.params[1:]
		c.h.sig = &sig{params: params, rest: len(params) > 0 && params[len(params)-1] == argsType, ack: c.h.ack, errOut: c.h.errOut}
		return c, nil
	}
	c.h, err = newHandler(fn)
	if err != nil {
		return nil, err
	}
	if c.h.ack != nil {
		return nil, fmt.Errorf("socketio: ack callback %s: may not take a func parameter", t)
	}
	return c, nil
}

// answer calls the callback with the peer's answer (err nil) or an error (answer ignored).
func (c *ackCallback) answer(args Args, err error) error {
	if !c.withErr {
		if err != nil {
			return nil // nobody to tell
		}
		return c.h.call("ack", args, nil)
	}
	if err != nil {
		in := []reflect.Value{reflect.ValueOf(&err).Elem()}
		for _, pt := range c.h.params {
			in = append(in, reflect.Zero(pt))
		}
		c.h.fn.Call(in)
		return nil
	}
	// call with a nil error then the decoded answer
	in := []reflect.Value{reflect.Zero(errorType)}
	for i, pt := range c.h.params {
		if c.h.rest && i == len(c.h.params)-1 {
			rest := Args{attachments: args.attachments}
			if i < len(args.raw) {
				rest.raw = args.raw[i:]
			}
			in = append(in, reflect.ValueOf(rest))
			continue
		}
		pv := reflect.New(pt).Elem()
		if i < args.Len() {
			if derr := args.decodeValue(i, pv); derr != nil {
				return &ArgsError{Event: "ack", Index: i, Err: derr}
			}
		}
		in = append(in, pv)
	}
	c.h.fn.Call(in)
	return nil
}

// splitAck removes a trailing func from args.
func splitAck(args []any) ([]any, any) {
	if n := len(args); n > 0 && args[n-1] != nil && reflect.TypeOf(args[n-1]).Kind() == reflect.Func {
		return args[:n-1], args[n-1]
	}
	return args, nil
}
