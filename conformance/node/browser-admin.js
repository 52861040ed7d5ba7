// browser-admin.js: loads the Socket.IO Admin UI (@socket.io/admin-ui's ui/dist, served
// by the test from node_modules) in headless Chromium, driven by playwright-core, logs in
// to a server instrumented for it through the UI's connection form, and reads what the
// UI lists. Used by conformance/browser/admin_test.go.
//
// Usage: node browser-admin.js <ui url> <server url> <username> <password>
//          <chromium executable> <artifacts dir> <label> <expect json>
//
// expect is {"sockets":[ids],"rooms":[names],"namespaces":[names]}: the driver waits
// until the Sockets page lists every id (namespace "/"), the Rooms page every room name
// and the Dashboard every namespace, then reports what the pages show. Requests to any
// host other than the UI's and the server's (the UI's web fonts and icon CDN) are
// aborted: the test needs no network.
//
// With <server url> "node", the driver first starts the reference itself (Node's
// socket.io with admin-ui's own instrument(), see startNodeServer) and runs the same page
// against it: the Go test checks that both report the same kind of listing.
//
// stdout: one JSON line, {"ok":true,"sockets":[...],"rooms":[...],"namespaces":[...],
// "checks":[...],"screenshots":[...]} or {"ok":false,"error":"...",...}. Logs go to
// stderr.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const STEP_MS = 20000; // one expected change on the page
let [uiURL, serverURL, username, password, executablePath, outDir, label, expectJSON] = process.argv.slice(2);
const expect = JSON.parse(expectJSON || "{}");

const checks = [];
const screenshots = [];
const pass = (what) => {
  checks.push(what);
  console.error(`[admin ${label}] ok: ${what}`);
};

// cellsInPage returns, in the page, the first cell of each row of the view's clickable
// data table (Sockets, Rooms), or null while the previous view's table is still there
// (the router's transition keeps it for a moment).
const cellsInPage = () => {
  const tables = document.querySelectorAll(".v-data-table.row-pointer");
  if (tables.length !== 1) return null;
  return [...tables[0].querySelectorAll("tbody tr")]
    .map((r) => (r.querySelector("td") ? r.querySelector("td").textContent.trim() : ""))
    .filter((t) => t !== "");
};

const firstCells = (page) => page.evaluate(cellsInPage);

// waitRows waits until the data table's first column holds every name in want.
async function waitRows(page, what, want) {
  try {
    await page.waitForFunction(
      ([want, cellsSrc]) => {
        const cells = new Function(`return (${cellsSrc})();`)();
        return cells !== null && want.every((w) => cells.includes(w));
      },
      [want, cellsInPage.toString()],
      { timeout: STEP_MS, polling: 100 },
    );
  } catch (err) {
    throw new Error(`the ${what} page never listed all of ${JSON.stringify(want)}; it shows ${JSON.stringify(await firstCells(page))}: ${err.message}`);
  }
  const got = await firstCells(page);
  pass(`the ${what} page lists ${JSON.stringify(want)}`);
  return got;
}

async function shot(page, name) {
  const file = path.join(outDir, `browser-admin-${label}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

async function scenario(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const allowed = new Set([new URL(uiURL).host, new URL(serverURL).host]);
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).host;
    return allowed.has(host) ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => console.error(`[admin ${label}] console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console.error(`[admin ${label}] page error: ${e.message}`));
  await page.goto(uiURL + "/", { timeout: STEP_MS });

  // The connection form (components/ConnectionModal.vue): server URL, username, password;
  // path "/socket.io" and namespace "/admin" are the defaults under "Advanced options".
  const dialog = page.locator(".v-dialog--active");
  await dialog.waitFor({ timeout: STEP_MS });
  await dialog.getByLabel("Server URL").fill(serverURL);
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Password").fill(password);
  pass("filled the connection form");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.waitFor({ state: "hidden", timeout: STEP_MS });
  pass("the connection form closed (logged in)");
  const stored = await page.evaluate(() => ({
    server_url: localStorage.getItem("server_url"),
    session_id: localStorage.getItem("session_id"),
  }));
  if (stored.server_url !== serverURL) throw new Error(`localStorage server_url is ${JSON.stringify(stored.server_url)}, want ${serverURL}`);
  pass("the UI stored the server URL");
  // The session id (from the "session" event) is reported, not checked here: Node's
  // admin-ui emits it from its middleware, before CONNECT, and socket.io-client hands
  // such buffered events out before "connect", when the UI has no listener yet.
  const sessionStored = /^[0-9a-f]{16}$/.test(stored.session_id || "");

  // Dashboard: the namespaces come from server_stats.
  await page.goto(uiURL + "/#/", { timeout: STEP_MS });
  const namespaces = [];
  for (const nsp of expect.namespaces || []) {
    try {
      await page.getByText(nsp, { exact: true }).first().waitFor({ timeout: STEP_MS });
    } catch (err) {
      throw new Error(`the dashboard never showed namespace ${nsp}: ${err.message}`);
    }
    namespaces.push(nsp);
  }
  pass(`the dashboard shows namespaces ${JSON.stringify(namespaces)}`);
  await shot(page, "dashboard");

  await page.goto(uiURL + "/#/sockets/", { timeout: STEP_MS });
  const sockets = await waitRows(page, "Sockets", expect.sockets || []);
  await shot(page, "sockets");

  await page.goto(uiURL + "/#/rooms/", { timeout: STEP_MS });
  const rooms = await waitRows(page, "Rooms", expect.rooms || []);
  await shot(page, "rooms");

  await context.close();
  return { sockets, rooms, namespaces, sessionStored };
}

// startNodeServer starts the reference: Node's socket.io with admin-ui's own
// instrument() (basic auth, bcryptjs hash) and the same sockets and rooms the Go test
// sets up (two socket.io-client sockets in "/" with ?room=blue and ?room=green, one in
// "/chat"). It returns the server URL, the expectations and a stop function.
async function startNodeServer() {
  const http = require("node:http");
  const { Server } = require("socket.io");
  const { instrument } = require("@socket.io/admin-ui");
  const bcrypt = require("bcryptjs");
  const { io: connect } = require("socket.io-client");
  const httpServer = http.createServer();
  const io = new Server(httpServer, { cors: { origin: [uiURL], credentials: true } });
  io.on("connection", (socket) => {
    socket.join("lobby");
    if (socket.handshake.query.room) socket.join(socket.handshake.query.room);
  });
  io.of("/chat").on("connection", (socket) => socket.join("chat-room"));
  instrument(io, { auth: { type: "basic", username, password: bcrypt.hashSync(password, 4) } });
  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const clients = [];
  const ids = [];
  for (const u of ["/?room=blue", "/?room=green", "/chat"]) {
    const c = connect(url + u, { forceNew: true, reconnection: false, transports: ["websocket"] });
    clients.push(c);
    await new Promise((resolve, reject) => {
      c.once("connect", resolve);
      c.once("connect_error", reject);
    });
    if (!u.startsWith("/chat")) ids.push(c.id);
  }
  const stop = async () => {
    for (const c of clients) c.disconnect();
    io.close();
  };
  return { url, expect: { sockets: ids, rooms: ["lobby", "blue", "green"], namespaces: ["/", "/chat", "/admin"] }, stop };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  let stopNode = async () => {};
  if (serverURL === "node") {
    const ref = await startNodeServer();
    serverURL = ref.url;
    Object.assign(expect, ref.expect);
    stopNode = ref.stop;
    console.error(`[admin ${label}] Node reference server at ${serverURL}, sockets ${JSON.stringify(ref.expect.sockets)}`);
  }
  for (const f of fs.readdirSync(outDir)) {
    if (f.startsWith(`browser-admin-${label}-failed-`)) fs.rmSync(path.join(outDir, f)); // a past run's
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
  console.error(`[admin ${label}] ${executablePath} ${browser.version()}`);
  try {
    const seen = await scenario(browser);
    return { ok: true, browser: browser.version(), ...seen, expected: expect, checks, screenshots };
  } catch (err) {
    for (const context of browser.contexts()) {
      for (const [i, page] of context.pages().entries()) {
        const file = path.join(outDir, `browser-admin-${label}-failed-${i}.png`);
        try {
          await page.screenshot({ path: file, timeout: 5000 });
          screenshots.push(file);
        } catch {}
      }
    }
    return { ok: false, error: err.stack || String(err), checks, screenshots };
  } finally {
    await browser.close();
    await stopNode();
  }
}

main().then(
  (result) => process.stdout.write(JSON.stringify(result) + "\n"),
  (err) => process.stdout.write(JSON.stringify({ ok: false, error: err.stack || String(err), checks, screenshots }) + "\n"),
);
