package jsvalue

import (
	"cmp"
	"slices"
)

// KV is one key of an Object. It is an alias of an unnamed struct type so that the
// adapters may write a message's layout as Object{{"type", 2}, {"nsp", "/"}}: vet
// asks for field names in a literal of another package's named struct type only.
type KV = struct {
	Key   string
	Value any
}

// Object is a JavaScript object: its keys are written in order, and keys whose value
// is Undefined are skipped (as notepack.io and JSON.stringify skip undefined; nil is
// written as null). Decoded objects keep the order JavaScript would give their keys, so
// that an event argument reaches clients with its keys as the sending server wrote them.
type Object []KV

// Undefined is JavaScript's undefined: a key with this value is not written, and an
// array element with it is written as null.
type Undefined struct{}

// IsUndefined reports whether v is Undefined.
func IsUndefined(v any) bool { _, ok := v.(Undefined); return ok }

// MarshalJSON writes the keys in order, skipping undefined values, as JSON.stringify
// writes an object.
func (o Object) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	return w.value(nil, o)
}

// sortedObject returns m as an Object with its keys sorted (a Go map has no order).
func sortedObject(m map[string]any) Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := make(Object, len(keys))
	for i, k := range keys {
		o[i] = KV{k, m[k]}
	}
	return o
}

// Get returns the value of key k, nil when absent or undefined.
func (o Object) Get(k string) any {
	v, _ := o.Lookup(k)
	return v
}

// Lookup returns the value of key k and whether it is present (and not undefined).
func (o Object) Lookup(k string) (any, bool) {
	for _, e := range o {
		if e.Key == k {
			if IsUndefined(e.Value) {
				return nil, false
			}
			return e.Value, true
		}
	}
	return nil, false
}

// linearKeys is the size up to which objectBuilder finds a repeated key by scanning.
const linearKeys = 16

// objectBuilder builds a decoded object as JavaScript does when it assigns its keys one
// by one: a repeated key keeps its first position and takes the last value, and keys
// that are array indices ("0", "1", ... below 2^32-1) come first, in numeric order
// (the order of Object.keys, which JSON.stringify and notepack.io follow).
type objectBuilder struct {
	o       Object
	idx     map[string]int // key -> position, once o is longer than linearKeys
	indices bool           // an array-index key was set
}

func (b *objectBuilder) grow(n int) { b.o = make(Object, 0, n) }

func (b *objectBuilder) set(k string, v any) {
	if b.idx != nil {
		if i, ok := b.idx[k]; ok {
			b.o[i].Value = v
			return
		}
		b.idx[k] = len(b.o)
	} else {
		for i := range b.o {
			if b.o[i].Key == k {
				b.o[i].Value = v
				return
			}
		}
		if len(b.o) == linearKeys {
			b.idx = make(map[string]int, 2*linearKeys)
			for i, e := range b.o {
				b.idx[e.Key] = i
			}
			b.idx[k] = len(b.o)
		}
	}
	if !b.indices {
		_, b.indices = arrayIndex(k)
	}
	b.o = append(b.o, KV{k, v})
}

func (b *objectBuilder) done() Object {
	if b.o == nil {
		b.o = Object{}
	}
	if !b.indices {
		return b.o
	}
	// Stable: array indices first, ascending; the other keys after, in insertion order.
	out := make(Object, 0, len(b.o))
	var idx []KV
	for _, e := range b.o {
		if _, ok := arrayIndex(e.Key); ok {
			idx = append(idx, e)
		}
	}
	sortIndexKeys(idx)
	out = append(out, idx...)
	for _, e := range b.o {
		if _, ok := arrayIndex(e.Key); !ok {
			out = append(out, e)
		}
	}
	return out
}

// arrayIndex reports whether k is the canonical decimal form of an integer in
// [0, 2^32-2], which JavaScript orders before the other keys of an object.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < 1<<32-1
}

func sortIndexKeys(s []KV) {
	slices.SortFunc(s, func(a, b KV) int {
		x, _ := arrayIndex(a.Key)
		y, _ := arrayIndex(b.Key)
		return cmp.Compare(x, y)
	})
}

// ToGo turns a decoded value into plain Go values for an application (map[string]any
// for objects, undefined as nil): the form of FetchSockets' remote handshakes and data,
// server-side emit answers and session data.
func ToGo(v any) any {
	switch x := v.(type) {
	case Object:
		m := make(map[string]any, len(x))
		for _, e := range x {
			if !IsUndefined(e.Value) {
				m[e.Key] = ToGo(e.Value)
			}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToGo(e)
		}
		return out
	case Undefined:
		return nil
	}
	return v
}
