module github.com/gosockio/gosockio/adapter/redis

go 1.26.0

replace github.com/gosockio/gosockio/parser => ../../parser

replace github.com/gosockio/gosockio/adapter => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/gosockio/gosockio/adapter v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/parser v0.0.0-00010101000000-000000000000
)

require github.com/coder/websocket v1.8.15 // indirect

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gosockio/gosockio/engineio v0.0.0-00010101000000-000000000000 // indirect
	github.com/gosockio/gosockio/socketio v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
	github.com/vmihailenco/msgpack/v5 v5.4.1
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/gosockio/gosockio/socketio => ../../socketio

replace github.com/gosockio/gosockio/engineio => ../../engineio
