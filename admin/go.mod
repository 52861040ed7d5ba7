module github.com/gosockio/gosockio/admin

go 1.26

replace github.com/gosockio/gosockio/parser => ../parser

replace github.com/gosockio/gosockio/engineio => ../engineio

replace github.com/gosockio/gosockio/adapter => ../adapter

replace github.com/gosockio/gosockio/socketio => ../socketio

replace github.com/gosockio/gosockio/client => ../client

require (
	github.com/google/go-cmp v0.7.0
	github.com/gosockio/gosockio/client v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/engineio v0.0.0-00010101000000-000000000000
	github.com/gosockio/gosockio/socketio v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.53.0
)

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/gosockio/gosockio/adapter v0.0.0-00010101000000-000000000000 // indirect
	github.com/gosockio/gosockio/parser v0.0.0-00010101000000-000000000000 // indirect
)
