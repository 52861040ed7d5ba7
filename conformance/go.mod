module github.com/gosockio/gosockio/conformance

go 1.26.0

replace github.com/gosockio/gosockio/parser => ../parser

replace github.com/gosockio/gosockio/engineio => ../engineio

replace github.com/gosockio/gosockio/adapter => ../adapter

replace github.com/gosockio/gosockio/socketio => ../socketio

replace github.com/gosockio/gosockio/client => ../client

replace github.com/gosockio/gosockio/admin => ../admin

require (
	github.com/google/go-cmp v0.7.0
	github.com/gosockio/gosockio/adapter v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/admin v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/client v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/engineio v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/parser v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/socketio v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
	go.uber.org/goleak v1.3.0
	pgregory.net/rapid v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/crypto v0.53.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

require (
	github.com/coder/websocket v1.8.15
	github.com/gosockio/gosockio/adapter/postgres v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/adapter/redis v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/parser/msgpack v0.0.0-00010101000000-000000000000
)

replace github.com/gosockio/gosockio/adapter/redis => ../adapter/redis

replace github.com/gosockio/gosockio/adapter/postgres => ../adapter/postgres

replace github.com/gosockio/gosockio/parser/msgpack => ../parser/msgpack
