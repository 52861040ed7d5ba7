package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/socketio"
)

// rawClient speaks the wire protocol by hand over a WebSocket, to keep the examples
// self-contained; real programs use socket.io-client or gosockio's client package.
type rawClient struct {
	ws  *websocket.Conn
	ctx context.Context
}

func dialRaw(ctx context.Context, serverURL string) *rawClient {
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(serverURL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		panic(err)
	}
	c := &rawClient{ws, ctx}
	c.read() // engine.io open packet
	return c
}

func (c *rawClient) send(s string) { _ = c.ws.Write(c.ctx, websocket.MessageText, []byte(s)) }

func (c *rawClient) read() string {
	_, b, err := c.ws.Read(c.ctx)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func (c *rawClient) close() { c.ws.Close(websocket.StatusNormalClosure, "") }

func ExampleNewServer() {
	io, err := socketio.NewServer(nil) // Node defaults; serves /socket.io/
	if err != nil {
		panic(err)
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("chat message", func(msg string) {
			_ = io.Emit("chat message", strings.ToUpper(msg)) // to everyone
		})
	})
	ts := httptest.NewServer(io) // or io.Listen(":3000"), or mount io on any router
	defer ts.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, ts.URL)
	defer c.close()
	c.send("40") // CONNECT to "/"
	fmt.Println(strings.HasPrefix(c.read(), `40{"sid":`))
	c.send(`42["chat message","hello"]`)
	fmt.Println(c.read())
	// Output:
	// true
	// 42["chat message","HELLO"]
}

func ExampleSocket_On() {
	io, _ := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		// Arguments are decoded into the parameter types; the trailing func is the ack.
		s.On("add", func(a, b int, ack func(sum int)) { ack(a + b) })
		// socketio.Args takes the remaining arguments undecoded.
		s.On("raw", func(args socketio.Args) { fmt.Println("raw:", args.Len(), string(args.Raw(0))) })
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, ts.URL)
	defer c.close()
	c.send("40")
	c.read()
	c.send(`42["raw",{"a":1},2]`)
	c.send(`427["add",2,3]`) // ack id 7
	fmt.Println(c.read())
	// Output:
	// raw: 2 {"a":1}
	// 437[5]
}

func ExampleSocket_EmitWithAck() {
	io, _ := socketio.NewServer(nil)
	connected := make(chan *socketio.Socket, 1)
	io.OnConnection(func(s *socketio.Socket) { connected <- s })
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, ts.URL)
	defer c.close()
	c.send("40")
	c.read()
	s := <-connected

	// The client answers from its own goroutine, as a real client would.
	go func() {
		fmt.Println("client got:", c.read())
		c.send(`430["fine"]`)
	}()
	// Do not wait for an answer inside a handler of the same connection: the answer
	// arrives on the read path the handler holds. Use Emit with a callback there.
	answer, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "how are you?")
	if err != nil {
		fmt.Println(err)
		return
	}
	var text string
	_ = answer.Decode(0, &text)
	fmt.Println("answer:", text)
	// Output:
	// client got: 420["how are you?"]
	// answer: fine
}

func ExampleNamespace_Use() {
	io, _ := socketio.NewServer(nil)
	admin := io.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		var auth struct{ Token string }
		if err := s.Handshake().DecodeAuth(&auth); err != nil || auth.Token != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]string{"hint": "send a token"}}
		}
		return nil
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, ts.URL)
	defer c.close()
	c.send(`40/admin,{"token":"wrong"}`)
	fmt.Println(c.read())
	c.send(`40/admin,{"token":"secret"}`)
	fmt.Println(strings.HasPrefix(c.read(), `40/admin,{"sid":`))
	// Output:
	// 44/admin,{"message":"not authorized","data":{"hint":"send a token"}}
	// true
}

func ExampleServer_To() {
	io, _ := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("room1")
		// everyone in room1 but s
		_ = s.To("room1").Emit("joined", s.ID() != "")
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first := dialRaw(ctx, ts.URL)
	defer first.close()
	first.send("40")
	first.read()
	second := dialRaw(ctx, ts.URL)
	defer second.close()
	second.send("40")
	second.read()
	fmt.Println(first.read())
	_ = io.To("room1").Except("nobody").Emit("news", 1)
	fmt.Println(first.read(), second.read())
	// Output:
	// 42["joined",true]
	// 42["news",1] 42["news",1]
}

func ExampleBroadcastOperator_EmitWithAck() {
	io, _ := socketio.NewServer(nil)
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, ts.URL)
	defer c.close()
	c.send("40")
	c.read()
	go func() {
		c.read() // 420["ping"]
		c.send(`430["pong"]`)
	}()
	answers, err := io.Timeout(5*time.Second).EmitWithAck(ctx, "ping")
	if errors.Is(err, socketio.ErrAckTimeout) {
		fmt.Println("some clients did not answer")
	}
	for _, a := range answers {
		var s string
		_ = a.Decode(0, &s)
		fmt.Println(s)
	}
	// Output:
	// pong
}
