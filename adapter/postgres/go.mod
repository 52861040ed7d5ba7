module github.com/gosockio/gosockio/adapter/postgres

go 1.26.0

replace github.com/gosockio/gosockio/parser => ../../parser

replace github.com/gosockio/gosockio/adapter => ../

replace github.com/gosockio/gosockio/socketio => ../../socketio

replace github.com/gosockio/gosockio/engineio => ../../engineio

require (
	github.com/google/go-cmp v0.7.0
	github.com/gosockio/gosockio/adapter v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/parser v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/socketio v0.0.0-00010101000000-000000000000
	github.com/jackc/pgx/v5 v5.12.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/gosockio/gosockio/engineio v0.0.0-00010101000000-000000000000 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
