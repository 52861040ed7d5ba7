// browser-chat.js: two headless Chromium pages chat through a chat server (the gosockio
// chat example, examples/chat), driven by playwright-core. Used by
// conformance/browser/chat_test.go.
//
// Usage: node browser-chat.js <chat url> <mode> <chromium executable> <artifacts dir>
//
// mode picks the page's transports (the page reads ?transports=...):
//   polling    ?transports=polling    (no websocket may be opened)
//   websocket  ?transports=websocket  (no polling request may be made)
//   upgrade    no parameter           (starts on polling, must upgrade to websocket)
//
// The scenario: alice logs in, bob logs in (alice sees "bob joined"), alice types (bob sees
// "is typing") and sends, bob answers, bob moves to #games, alice's next message in
// #general must not reach him (checked once "alice entered #games" arrives after it, in
// order, from the same socket), both talk in #games, bob closes his page and alice sees
// "bob left". PNG screenshots of both pages go to the artifacts dir.
//
// stdout: one JSON line, {"ok":true,"checks":[...],"screenshots":[...],"requests":{...}}
// or {"ok":false,"error":"...","screenshots":[...]}. Logs go to stderr.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const STEP_MS = 15000; // one expected change on a page
const [url, mode, executablePath, outDir] = process.argv.slice(2);

const MODES = {
  polling: "?transports=polling",
  websocket: "?transports=websocket",
  upgrade: "",
};

const checks = [];
const screenshots = [];
const pass = (what) => {
  checks.push(what);
  console.error(`[${mode}] ok: ${what}`);
};

// Every item ever added to #messages, with what it showed then: items come and go ("is
// typing"), so waits look at this history, not at the current list.
const recordMessages = () => {
  window.__seen = [];
  document.addEventListener("DOMContentLoaded", () => {
    const list = document.getElementById("messages");
    new MutationObserver((records) => {
      for (const r of records) {
        for (const li of r.addedNodes) {
          if (li.nodeType !== 1) continue;
          window.__seen.push({
            cls: li.className,
            user: li.querySelector(".username")?.textContent ?? "",
            body: li.querySelector(".body")?.textContent ?? "",
            text: li.textContent,
          });
        }
      }
    }).observe(list, { childList: true });
  });
};

// matches is evaluated in the page: does item it match want?
const matchItem = (it, want) =>
  (want.log === undefined || (it.cls.includes("log") && it.text === want.log)) &&
  (want.user === undefined || it.user === want.user) &&
  (want.body === undefined || it.body === want.body) &&
  (want.typing === undefined || it.cls.includes("typing") === want.typing);

const describe = (want) => JSON.stringify(want);

class User {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.polling = 0; // engine.io polling requests
    this.websockets = 0; // engine.io websockets opened
    page.on("request", (req) => {
      const u = new URL(req.url());
      if (u.pathname === "/socket.io/" && u.searchParams.get("transport") === "polling") this.polling++;
    });
    page.on("websocket", (ws) => {
      if (new URL(ws.url()).pathname === "/socket.io/") this.websockets++;
    });
    page.on("console", (m) => console.error(`[${mode}] ${name} console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => console.error(`[${mode}] ${name} page error: ${e.message}`));
  }

  // waitSeen waits until an item matching want has been added to the messages (now or
  // before).
  async waitSeen(want) {
    try {
      await this.page.waitForFunction(
        ([want, match]) => {
          const m = new Function("it", "want", `return (${match})(it, want);`);
          return window.__seen.some((it) => m(it, want));
        },
        [want, matchItem.toString()],
        { timeout: STEP_MS, polling: 50 },
      );
    } catch (err) {
      throw new Error(`${this.name} never saw ${describe(want)}; saw ${JSON.stringify(await this.seen())}: ${err.message}`);
    }
    pass(`${this.name} sees ${describe(want)}`);
  }

  async seen() {
    return this.page.evaluate(() => window.__seen);
  }

  // notSeen fails if an item matching want was ever added.
  async notSeen(want) {
    const hit = (await this.seen()).find((it) => matchItem(it, want));
    if (hit) throw new Error(`${this.name} saw ${JSON.stringify(hit)}, which must not reach them`);
    pass(`${this.name} never sees ${describe(want)}`);
  }

  // noTypingOf checks that no "is typing" line of name is on the page now.
  async noTypingOf(name) {
    try {
      await this.page.locator(`#messages li.typing[data-username="${name}"]`).waitFor({ state: "detached", timeout: STEP_MS });
    } catch (err) {
      throw new Error(`${this.name} still shows "${name} is typing": ${err.message}`);
    }
    pass(`${this.name} no longer shows ${name} typing`);
  }

  async status(want) {
    try {
      await this.page.waitForFunction(
        (want) => document.getElementById("status").textContent === want,
        want,
        { timeout: STEP_MS, polling: 50 },
      );
    } catch (err) {
      const got = await this.page.locator("#status").textContent();
      throw new Error(`${this.name}'s status is ${JSON.stringify(got)}, want ${JSON.stringify(want)}: ${err.message}`);
    }
    pass(`${this.name}'s status is ${JSON.stringify(want)}`);
  }

  async login() {
    await this.page.locator("#name-input").fill(this.name);
    await this.page.locator("#name-input").press("Enter");
    await this.waitSeen({ log: "Welcome to Socket.IO Chat (served by gosockio)" });
  }

  // type enters text key by key (firing input events, so "typing"), without sending.
  async type(text) {
    await this.page.locator("#message-input").pressSequentially(text);
  }

  async send(text) {
    await this.page.locator("#message-input").fill(text);
    await this.page.locator("#message-input").press("Enter");
  }

  async shot(label) {
    const file = path.join(outDir, `browser-chat-${mode}-${label}.png`);
    await this.page.screenshot({ path: file });
    screenshots.push(file);
  }
}

async function scenario(browser) {
  const open = async (name) => {
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    await context.addInitScript(recordMessages);
    const page = await context.newPage();
    const user = new User(name, context, page);
    await page.goto(url + "/" + MODES[mode], { timeout: STEP_MS });
    return user;
  };
  const wantTransport = mode === "polling" ? "polling" : "websocket";

  const alice = await open("alice");
  await alice.login();
  await alice.waitSeen({ log: "there's 1 participant" });
  await alice.status(`connected (${wantTransport})`);

  const bob = await open("bob");
  try {
    await bob.login();
    await bob.waitSeen({ log: "there are 2 participants" });
    await bob.status(`connected (${wantTransport})`);
    await alice.waitSeen({ log: "bob joined" });
    await alice.waitSeen({ log: "there are 2 participants" });

    // Typing, then the message, alice -> bob.
    await alice.type("hello bob");
    await bob.waitSeen({ user: "alice", body: "is typing", typing: true });
    await alice.page.locator("#message-input").press("Enter");
    await bob.waitSeen({ user: "alice", body: "hello bob", typing: false });
    await bob.noTypingOf("alice");
    await alice.waitSeen({ user: "alice", body: "hello bob", typing: false }); // own echo

    // bob -> alice.
    await bob.send("hi alice, from bob");
    await alice.waitSeen({ user: "bob", body: "hi alice, from bob", typing: false });

    // Rooms: bob moves to #games; what alice says in #general does not reach him.
    await bob.send("/join games");
    await bob.waitSeen({ log: "you are in #games, alone for now" });
    await alice.waitSeen({ log: "bob went away from #general" });
    await alice.send("only for #general");
    await alice.send("/join games");
    await alice.waitSeen({ log: "you are in #games with 1 other(s)" });
    await bob.waitSeen({ log: "alice entered #games" });
    await bob.notSeen({ body: "only for #general" });
    await bob.send("welcome to #games");
    await alice.waitSeen({ user: "bob", body: "welcome to #games", typing: false });
    await alice.send("thanks bob");
    await bob.waitSeen({ user: "alice", body: "thanks bob", typing: false });
    const roomTitle = await bob.page.locator("#room-title").textContent();
    if (roomTitle !== "#games") throw new Error(`bob's room title is ${JSON.stringify(roomTitle)}, want "#games"`);
    pass(`bob's room title is "#games"`);
    await bob.page.locator("#room-list li.current", { hasText: "#games" }).waitFor({ timeout: STEP_MS });
    pass("bob's room list marks #games as current");

    await bob.shot("bob");
  } finally {
    await bob.context.close(); // bob leaves
  }
  await alice.waitSeen({ log: "bob left" });
  await alice.waitSeen({ log: "there's 1 participant" });
  await alice.shot("alice");

  const requests = {};
  for (const u of [alice, bob]) {
    requests[u.name] = { polling: u.polling, websockets: u.websockets };
    switch (mode) {
      case "polling":
        if (u.websockets !== 0 || u.polling === 0)
          throw new Error(`${u.name} in polling mode: ${u.polling} polling requests, ${u.websockets} websockets; want only polling`);
        break;
      case "websocket":
        if (u.polling !== 0 || u.websockets === 0)
          throw new Error(`${u.name} in websocket mode: ${u.polling} polling requests, ${u.websockets} websockets; want only websocket`);
        break;
      case "upgrade":
        if (u.polling === 0 || u.websockets === 0)
          throw new Error(`${u.name} in upgrade mode: ${u.polling} polling requests, ${u.websockets} websockets; want both`);
        break;
    }
    pass(`${u.name}'s engine.io requests fit ${mode}: ${JSON.stringify(requests[u.name])}`);
  }
  await alice.context.close();
  return requests;
}

async function main() {
  if (!(mode in MODES)) throw new Error(`unknown mode ${JSON.stringify(mode)}: want polling, websocket or upgrade`);
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) {
    if (f.startsWith(`browser-chat-${mode}-failed-`)) fs.rmSync(path.join(outDir, f)); // a past run's
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 60000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-quic",
      "--no-first-run",
      "--disable-sync",
    ],
  });
  console.error(`[${mode}] ${executablePath} ${browser.version()}`);
  try {
    const requests = await scenario(browser);
    return { ok: true, browser: browser.version(), checks, screenshots, requests };
  } catch (err) {
    // Keep what the pages showed when it went wrong.
    for (const context of browser.contexts()) {
      for (const [i, page] of context.pages().entries()) {
        const file = path.join(outDir, `browser-chat-${mode}-failed-${screenshots.length}-${i}.png`);
        try {
          await page.screenshot({ path: file, timeout: 5000 });
          screenshots.push(file);
        } catch {}
      }
    }
    return { ok: false, error: err.stack || String(err), checks, screenshots };
  } finally {
    await browser.close();
  }
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + "\n");
  },
  (err) => {
    process.stdout.write(JSON.stringify({ ok: false, error: err.stack || String(err), checks, screenshots }) + "\n");
  },
);
