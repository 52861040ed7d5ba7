// The chat page: the socket.io demo's client (nickname, messages, typing, joins and
// leaves), plus rooms. It talks to the Go server through the official client, which
// index.html loads from /socket.io/socket.io.min.js and which defines io().
"use strict";

(() => {
  const TYPING_TIMER_LENGTH = 400; // ms without a key press before "stop typing"
  const COLORS = [
    "#e21400", "#91580f", "#f8a700", "#f78b00", "#58dc00", "#287b00",
    "#a8f07a", "#4ae8c4", "#3b88eb", "#3824aa", "#a700ff", "#d300e7",
  ];

  const $ = (id) => document.getElementById(id);
  const loginPage = $("login");
  const chatPage = $("chat");
  const nameInput = $("name-input");
  const messageInput = $("message-input");
  const messages = $("messages");
  const roomList = $("room-list");
  const roomInput = $("room-input");
  const roomTitle = $("room-title");
  const status = $("status");

  let username = "";
  let loggedIn = false;
  let room = "general"; // the room we are in, or want to be in after a reconnection
  let typing = false;
  let lastTypingTime = 0;

  // ?transports=polling, ?transports=websocket or ?transports=polling,websocket picks the
  // client's transports (Node: the transports option); without it the client starts on
  // polling and upgrades to websocket, the default.
  const transports = new URLSearchParams(location.search).get("transports");
  const socket = io(transports ? { transports: transports.split(",").filter(Boolean) } : {});

  // --- rendering -----------------------------------------------------------------------

  const colorOf = (name) => {
    let hash = 7;
    for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) | 0;
    return COLORS[Math.abs(hash) % COLORS.length];
  };

  const scrollDown = () => { messages.scrollTop = messages.scrollHeight; };

  const log = (text, cls = "") => {
    const li = document.createElement("li");
    li.className = ("log " + cls).trim();
    li.textContent = text;
    messages.append(li);
    scrollDown();
  };

  const participants = (n) =>
    log(n === 1 ? "there's 1 participant" : `there are ${n} participants`);

  const typingItem = (name) =>
    [...messages.querySelectorAll("li.typing")].find((li) => li.dataset.username === name);

  const addMessage = (name, text, isTyping = false) => {
    const li = document.createElement("li");
    const who = document.createElement("span");
    who.className = "username";
    who.style.color = colorOf(name);
    who.textContent = name;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = text;
    li.append(who, body);
    if (isTyping) {
      li.className = "typing";
      li.dataset.username = name;
    } else {
      // a message replaces its author's "is typing" line
      typingItem(name)?.remove();
    }
    messages.append(li);
    scrollDown();
  };

  const removeTyping = (name) => typingItem(name)?.remove();
  const clearTyping = () => messages.querySelectorAll("li.typing").forEach((li) => li.remove());

  const setRoom = (name) => {
    room = name;
    roomTitle.textContent = "#" + name;
    for (const li of roomList.children) li.classList.toggle("current", li.dataset.room === name);
  };

  const showStatus = () => {
    status.textContent = socket.connected
      ? `connected (${socket.io.engine.transport.name})`
      : "disconnected";
  };

  // --- actions -------------------------------------------------------------------------

  const stopTyping = () => {
    if (typing) socket.emit("stop typing");
    typing = false;
  };

  const joinRoom = (name) => {
    stopTyping();
    socket.emit("join", name, (reply) => {
      if (reply.error) {
        log(reply.error, "error");
        return;
      }
      clearTyping();
      setRoom(reply.room);
      log(`you are in #${reply.room}` +
        (reply.numUsers === 1 ? ", alone for now" : ` with ${reply.numUsers - 1} other(s)`));
    });
  };

  const send = (text) => {
    text = text.trim();
    if (!text || !loggedIn) return;
    if (text.startsWith("/")) {
      const [cmd, ...rest] = text.slice(1).split(/\s+/);
      if (cmd === "join" && rest.length > 0) {
        joinRoom(rest.join(" "));
      } else {
        log("commands: /join <room>", "error");
      }
      return;
    }
    addMessage(username, text);
    socket.emit("new message", text);
  };

  const noteTyping = () => {
    if (!loggedIn) return;
    if (!typing) {
      typing = true;
      socket.emit("typing");
    }
    lastTypingTime = Date.now();
    setTimeout(() => {
      if (typing && Date.now() - lastTypingTime >= TYPING_TIMER_LENGTH) stopTyping();
    }, TYPING_TIMER_LENGTH);
  };

  // --- page events ---------------------------------------------------------------------

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    if (!name) return;
    username = name;
    loginPage.hidden = true;
    chatPage.hidden = false;
    messageInput.focus();
    socket.emit("add user", name);
  });

  $("message-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send(messageInput.value);
    messageInput.value = "";
    stopTyping();
  });
  messageInput.addEventListener("input", noteTyping);

  $("room-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (roomInput.value.trim()) joinRoom(roomInput.value);
    roomInput.value = "";
  });
  roomList.addEventListener("click", (e) => {
    const li = e.target.closest("li");
    if (li && li.dataset.room !== room) joinRoom(li.dataset.room);
  });

  // --- server events -------------------------------------------------------------------

  socket.on("login", (data) => {
    const wanted = room;
    loggedIn = true;
    setRoom(data.room);
    log("Welcome to Socket.IO Chat (served by gosockio)");
    participants(data.numUsers);
    if (wanted !== data.room) joinRoom(wanted); // back to our room after a reconnection
  });

  socket.on("new message", (data) => addMessage(data.username, data.message));

  socket.on("user joined", (data) => {
    log(`${data.username} joined`);
    participants(data.numUsers);
  });

  socket.on("user left", (data) => {
    log(`${data.username} left`);
    participants(data.numUsers);
    removeTyping(data.username);
  });

  socket.on("user entered room", (data) => log(`${data.username} entered #${data.room}`));
  socket.on("user left room", (data) => {
    log(`${data.username} went away from #${data.room}`);
    removeTyping(data.username);
  });

  socket.on("typing", (data) => {
    if (!typingItem(data.username)) addMessage(data.username, "is typing", true);
  });
  socket.on("stop typing", (data) => removeTyping(data.username));

  socket.on("rooms", (rooms) => {
    roomList.replaceChildren(...rooms.map((r) => {
      const li = document.createElement("li");
      li.dataset.room = r.name;
      const name = document.createElement("span");
      name.textContent = "#" + r.name;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = r.numUsers;
      li.append(name, count);
      return li;
    }));
    setRoom(room);
  });

  socket.on("connect", () => {
    showStatus();
    socket.io.engine.once("upgrade", showStatus);
  });

  socket.on("disconnect", (reason) => {
    loggedIn = false;
    typing = false;
    clearTyping();
    showStatus();
    log(`you have been disconnected (${reason})`, "error");
  });

  socket.io.on("reconnect", () => {
    log("you have been reconnected");
    if (username) socket.emit("add user", username);
  });

  socket.on("connect_error", (err) => {
    status.textContent = "cannot connect: " + err.message;
  });
})();
