// Two chat users on the official client (socket.io-client, Node build), for
// official_test.go: node users.js <socket.io-client dir> <server URL>.
// Prints every event received as one JSON line {"who", "event", "args"}, and the join
// answers as {"who", "event": "join ack", "args": [answer]}.
"use strict";

const { io } = require(process.argv[2]);
const url = process.argv[3];

const print = (who, event, args) => console.log(JSON.stringify({ who, event, args }));

const user = (name, transports) => {
  const s = io(url, { forceNew: true, reconnection: false, transports });
  s.onAny((event, ...args) => print(name, event, args));
  s.on("connect_error", (err) => {
    console.error(`${name}: connect_error: ${err.message}`);
    process.exit(1);
  });
  return s;
};

const once = (s, event) => new Promise((resolve) => s.once(event, (...args) => resolve(args)));

const join = async (s, name, room) => {
  const answer = await s.timeout(5000).emitWithAck("join", room);
  print(name, "join ack", [answer]);
};

(async () => {
  const alice = user("alice", ["websocket"]);
  alice.emit("add user", "alice");
  await once(alice, "login");

  const bob = user("bob", ["polling"]);
  bob.emit("add user", "bob");
  await Promise.all([once(bob, "login"), once(alice, "user joined")]);

  alice.emit("new message", "hi bob");
  await once(bob, "new message");
  bob.emit("typing");
  await once(alice, "typing");
  bob.emit("stop typing");
  await once(alice, "stop typing");

  // bob moves to #games; what is said in one room stays there.
  await Promise.all([join(bob, "bob", "games"), once(alice, "user left room")]);
  alice.emit("new message", "general only");
  bob.emit("new message", "games only");
  await join(bob, "bob", "games"); // answered after "games only" was handled
  await Promise.all([join(alice, "alice", "#Games"), once(bob, "user entered room")]);
  bob.emit("new message", "welcome alice");
  await once(alice, "new message");

  bob.close();
  await once(alice, "user left");
  alice.close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
