module github.com/gosockio/gosockio/parser/msgpack

go 1.26

replace github.com/gosockio/gosockio/parser => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/gosockio/gosockio/parser v0.0.0-00010101000000-000000000000
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.uber.org/goleak v1.3.0
	pgregory.net/rapid v1.3.0
)

require github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
