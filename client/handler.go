package client

import (
	"fmt"
	"reflect"
)

var (
	argsType  = reflect.TypeFor[Args]()
	errorType = reflect.TypeFor[error]()
)

// handler is a user func called with decoded arguments: func(T1, T2, ...), each Ti
// decoded from the argument at its position ([]byte receives an attachment), an Args
// parameter (last, before the ack) receiving the remaining arguments, and an optional
// trailing func parameter that answers the server's acknowledgement request. It may
// return nothing or an error (logged).
type handler struct {
	fn     reflect.Value
	ptr    uintptr
	params []reflect.Type
	rest   bool         // the last param is Args
	ack    reflect.Type // the ack parameter's type, or nil
	errOut bool
	once   bool
}

func newHandler(fn any) (*handler, error) {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("client: handler must be a non-nil func, got %T", fn)
	}
	t := v.Type()
	if t.IsVariadic() {
		return nil, fmt.Errorf("client: handler %s: variadic handlers are not supported; take a client.Args parameter", t)
	}
	h := &handler{fn: v, ptr: v.Pointer()}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
		h.errOut = true
	case t.NumOut() != 0:
		return nil, fmt.Errorf("client: handler %s: may return nothing or an error", t)
	}
	n := t.NumIn()
	if n > 0 && t.In(n-1).Kind() == reflect.Func {
		if t.In(n-1).NumOut() != 0 {
			return nil, fmt.Errorf("client: handler %s: the ack callback must return nothing", t)
		}
		h.ack = t.In(n - 1)
		n--
	}
	for i := range n {
		pt := t.In(i)
		if pt.Kind() == reflect.Func {
			return nil, fmt.Errorf("client: handler %s: the ack callback must be the last parameter", t)
		}
		if pt == argsType && i != n-1 {
			return nil, fmt.Errorf("client: handler %s: a client.Args parameter must come last (before the ack callback)", t)
		}
		h.params = append(h.params, pt)
	}
	h.rest = n > 0 && h.params[n-1] == argsType
	return h, nil
}

// inputs decodes args into the handler's parameters, from position skip on.
func (h *handler) inputs(event string, args Args, params []reflect.Type) ([]reflect.Value, error) {
	in := make([]reflect.Value, 0, len(params)+1)
	for i, pt := range params {
		if pt == argsType && i == len(params)-1 {
			rest := Args{attachments: args.attachments}
			if i < len(args.raw) {
				rest.raw = args.raw[i:]
			}
			in = append(in, reflect.ValueOf(rest))
			continue
		}
		pv := reflect.New(pt).Elem()
		if i < len(args.raw) {
			if err := args.decodeInto(i, pv); err != nil {
				return nil, &ArgsError{Event: event, Index: i, Err: err}
			}
		}
		in = append(in, pv)
	}
	return in, nil
}

// call runs the handler. ack sends the acknowledgement (nil: the server asked for none,
// and the handler's ack parameter is a no-op).
func (h *handler) call(event string, args Args, ack func([]any)) error {
	in, err := h.inputs(event, args, h.params)
	if err != nil {
		return err
	}
	if h.ack != nil {
		in = append(in, makeAckFunc(h.ack, ack))
	}
	out := h.fn.Call(in)
	if h.errOut && !out[0].IsNil() {
		return fmt.Errorf("client: handler for %q: %w", event, out[0].Interface().(error))
	}
	return nil
}

// makeAckFunc returns a func of type t that sends its arguments with send.
func makeAckFunc(t reflect.Type, send func([]any)) reflect.Value {
	return reflect.MakeFunc(t, func(in []reflect.Value) []reflect.Value {
		if send == nil {
			return nil
		}
		vals := make([]any, 0, len(in))
		for i, v := range in {
			if t.IsVariadic() && i == len(in)-1 {
				for j := range v.Len() {
					vals = append(vals, v.Index(j).Interface())
				}
				continue
			}
			vals = append(vals, v.Interface())
		}
		send(vals)
		return nil
	})
}

// ArgsError reports arguments that do not fit a handler's parameters: the handler is not
// called, and the error is logged.
type ArgsError struct {
	Event string
	Index int // the argument's position, 0 for the first after the event name
	Err   error
}

// Error says which argument of which event did not fit.
func (e *ArgsError) Error() string {
	return fmt.Sprintf("client: event %q: argument %d does not fit the handler: %v", e.Event, e.Index, e.Err)
}

// Unwrap returns the decoding error.
func (e *ArgsError) Unwrap() error { return e.Err }

// ackCallback is the trailing func of an Emit. If its first parameter is an error it is
// called with nil and the answer, or with ErrAckTimeout / ErrDisconnected and zero values;
// otherwise it is called only with an answer.
type ackCallback struct {
	h       *handler
	withErr bool
}

func newAckCallback(fn any) (*ackCallback, error) {
	h, err := newHandler(fn)
	if err != nil {
		return nil, err
	}
	if h.ack != nil {
		return nil, fmt.Errorf("client: ack callback %T may not take a func parameter", fn)
	}
	c := &ackCallback{h: h}
	if len(h.params) > 0 && h.params[0] == errorType {
		c.withErr = true
	}
	return c, nil
}

// answer runs the callback with the server's answer, or with err.
func (c *ackCallback) answer(args Args, err error) error {
	params := c.h.params
	if c.withErr {
		params = params[1:]
	}
	if err != nil {
		if !c.withErr {
			return nil
		}
		in := []reflect.Value{reflect.ValueOf(&err).Elem()}
		for _, pt := range params {
			in = append(in, reflect.Zero(pt))
		}
		c.h.fn.Call(in)
		return nil
	}
	in, derr := c.h.inputs("ack", args, params)
	if derr != nil {
		return derr
	}
	if c.withErr {
		in = append([]reflect.Value{reflect.Zero(errorType)}, in...)
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
