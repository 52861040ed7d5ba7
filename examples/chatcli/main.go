// Command chatcli is a terminal client for the chat demo (examples/chat, the protocol of
// the socket.io website's chat: "add user", "new message", "typing", "join", ...), built
// on the Go client (package client).
//
// Start the server, then one chatcli per user:
//
//	go run ./examples/chat
//	go run ./examples/chatcli -name alice
//
// Each line you type is sent as a message to your room; "/join <room>" moves you to
// another room, "/quit" (or end of input, Ctrl+D) leaves. What the others do is printed
// as it happens. The client reconnects by itself when the server goes away and logs in
// again when it is back.
//
// Flags:
//
//	-url URL     the chat server (default http://127.0.0.1:3000)
//	-name NAME   your nickname (default $USER)
//	-transport   "polling", "websocket" or "" for polling then upgrade (default "")
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosockio/gosockio/client"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:3000", "chat server URL")
	name := flag.String("name", os.Getenv("USER"), "your nickname")
	transport := flag.String("transport", "", `"polling", "websocket" or "" (polling, then upgrade)`)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("chatcli: ")

	opts := &client.Options{}
	if *transport != "" {
		opts.Transports = []string{*transport}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *name, os.Stdin, os.Stdout, opts); err != nil {
		log.Fatal(err)
	}
}
