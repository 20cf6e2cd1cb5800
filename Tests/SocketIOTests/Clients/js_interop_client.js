// Drives the interop scenario of InteropJSClientTests with the official Socket.IO JS client
// (the browser bundle socket.io.min.js, v4.x: Socket.IO v5 over Engine.IO v4) under node.
//
// Usage: node [--experimental-websocket] js_interop_client.js SOCKET_IO_JS URL TRANSPORT
//   (node 20/21 need the flag for their WebSocket; without one the `ws` module is used, see
//   loadWebSocket below)
//   TRANSPORT: polling | websocket | upgrade (polling first, then the upgrade to WebSocket)
//
// Prints the same observations as python_interop_client.py, one JSON object per line, bytes as
// {"$bin": "<hex>"}. Exits 0 after {"event": "done"}, 1 if an expected observation does not
// arrive in time (after a {"event": "timeout"} line).
//
// node has WebSocket (with --experimental-websocket) and fetch but no XMLHttpRequest or FileReader,
// which the browser bundle's polling transport needs; minimal stand-ins over fetch and Blob are
// installed below (they only move bytes; all protocol work is the bundle's own).
'use strict';

class FetchXMLHttpRequest {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.responseText = '';
    this.withCredentials = false;
    this.headers = {};
    this.controller = new AbortController();
    this.aborted = false;
    this.onreadystatechange = null;
  }
  open(method, url) { this.method = method; this.url = url; this.readyState = 1; }
  setRequestHeader(name, value) { this.headers[name] = value; }
  getResponseHeader(name) { return this.responseHeaders ? this.responseHeaders.get(name) : null; }
  send(body) {
    FetchXMLHttpRequest.inFlight += 1;
    const init = { method: this.method, headers: this.headers, signal: this.controller.signal };
    if (this.method === 'POST') init.body = body;
    fetch(this.url, init).then(async (response) => {
      this.status = response.status;
      this.responseHeaders = response.headers;
      this.responseText = await response.text();
      if (this.status !== 200) {
        report({ client: 'script', event: 'http_error', method: this.method, url: this.url, status: this.status,
          body: this.responseText });
      }
    }, (error) => {
      if (!this.aborted) report({ client: 'script', event: 'http_error', method: this.method, url: this.url, error: String(error) });
      this.status = 0;
    }).then(() => {
      FetchXMLHttpRequest.inFlight -= 1;
      this.finish();
    });
  }
  finish() {
    if (this.aborted) return;
    this.readyState = 4;
    if (this.onreadystatechange) this.onreadystatechange();
  }
  abort() { this.aborted = true; this.controller.abort(); }
}
/** Requests sent and not yet answered (or failed). */
FetchXMLHttpRequest.inFlight = 0;
globalThis.XMLHttpRequest = FetchXMLHttpRequest;

// The polling transport sends binary attachments base64-encoded, read from a Blob with FileReader,
// which node also lacks.
class BlobFileReader {
  readAsDataURL(blob) {
    blob.arrayBuffer().then((buffer) => {
      this.result = `data:${blob.type || 'application/octet-stream'};base64,${Buffer.from(buffer).toString('base64')}`;
      if (this.onload) this.onload();
    });
  }
}
if (typeof globalThis.FileReader === 'undefined') globalThis.FileReader = BlobFileReader;

function report(record) {
  process.stdout.write(JSON.stringify(record) + '\n');
}

// A WebSocket class: node's own (node >= 22, or node 20/21 with --experimental-websocket), else
// the `ws` module (Debian's node-ws at /usr/share/nodejs/ws, or NODE_WS if set, or `ws` on the
// module path), installed as globalThis.WebSocket before the bundle is loaded. With
// FORCE_NODE_WS=1 the `ws` module is used even when node has a WebSocket.
function loadWebSocket() {
  if (typeof globalThis.WebSocket === 'function' && process.env.FORCE_NODE_WS !== '1') {
    return { implementation: 'node', WebSocket: globalThis.WebSocket };
  }
  const candidates = [process.env.NODE_WS, '/usr/share/nodejs/ws', 'ws'].filter(Boolean);
  const failures = [];
  for (const candidate of candidates) {
    try {
      const ws = require(candidate);
      return { implementation: 'ws', path: candidate, WebSocket: ws.WebSocket || ws };
    } catch (error) {
      failures.push(`${candidate}: ${error.code || error.message}`);
    }
  }
  console.log(JSON.stringify({ client: 'script', event: 'no_websocket', node: process.version, tried: failures }));
  console.error(`js_interop_client: node ${process.version} has no WebSocket and the ws module was not found `
    + `(tried ${failures.join(', ')}). Use node >= 22, node 20/21 with --experimental-websocket, or install `
    + `Debian's node-ws (apt-get install node-ws) or set NODE_WS to a ws module directory.`);
  process.exit(2);
}
const loaded = loadWebSocket();
report({ client: 'script', event: 'websocket_implementation', name: loaded.implementation });

// Reports WebSocket failures (the client itself only says "websocket error").
const NodeWebSocket = loaded.WebSocket;
globalThis.WebSocket = class ReportingWebSocket extends NodeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    this.addEventListener('error', (event) => report({ client: 'script', event: 'websocket_error', url,
      message: String(event.message || (event.error && event.error.message) || event.error) }));
  }
};

const [bundle, URL_, TRANSPORT] = process.argv.slice(2);
const io = require(bundle);
const TRANSPORTS = TRANSPORT === 'upgrade' ? ['polling', 'websocket'] : [TRANSPORT];
const TOKEN = 's3cret';
const WAIT_MS = 15000;

const seen = [];
const waiters = [];

function mark(value) {
  if (value instanceof ArrayBuffer) return { $bin: Buffer.from(value).toString('hex') };
  if (ArrayBuffer.isView(value)) return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (typeof Blob !== 'undefined' && value instanceof Blob) return { $blob: value.size };
  if (Array.isArray(value)) return value.map(mark);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = mark(v);
    return out;
  }
  return value === undefined ? null : value;
}

function observe(client, event, fields = {}) {
  const record = { client, event };
  for (const [k, v] of Object.entries(fields)) record[k] = mark(v);
  seen.push(record);
  process.stdout.write(JSON.stringify(record) + '\n');
  for (const waiter of waiters.slice()) waiter();
}

function matches(record, client, event, match) {
  return record.client === client && record.event === event
    && Object.entries(match).every(([k, v]) => record[k] === v);
}

function waitFor(client, event, match = {}) {
  const found = seen.find((r) => matches(r, client, event, match));
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stdout.write(JSON.stringify({ client, event: 'timeout', waiting_for: event, match }) + '\n');
      process.exit(1);
    }, WAIT_MS);
    const waiter = () => {
      const record = seen.find((r) => matches(r, client, event, match));
      if (!record) return;
      clearTimeout(timer);
      waiters.splice(waiters.indexOf(waiter), 1);
      resolve(record);
    };
    waiters.push(waiter);
  });
}

const EVENTS = new Set(['welcome', 'answer-received', 'unanswered-outcome', 'room-msg', 'all-msg', 'chat-welcome']);

function makeClient(name, namespaces, token = TOKEN) {
  const manager = new io.Manager(URL_, {
    transports: TRANSPORTS, reconnection: false, query: { name, token },
  });
  const sockets = {};
  manager.on('open', () => {
    manager.engine.on('upgrade', (transport) => observe(name, 'upgrade_result', { ok: true, transport: transport.name }));
    manager.engine.on('upgradeError', (error) => observe(name, 'upgrade_result', { ok: false, message: String(error) }));
  });
  for (const ns of namespaces) {
    const socket = manager.socket(ns, { auth: { token, client: name } });
    sockets[ns] = socket;
    socket.on('connect', () => observe(name, 'connect', { namespace: ns, sid: socket.id }));
    socket.on('connect_error', (error) => {
      const data = { message: error.message };
      if (error.data !== undefined) data.data = error.data;
      observe(name, 'connect_error', { namespace: ns, data: [data] });
      if (ns === '/') observe(name, 'connect_failed', { message: error.message });
    });
    socket.on('disconnect', (reason) => observe(name, 'disconnect', { namespace: ns, reason }));
    socket.onAny((event, ...args) => {
      if (EVENTS.has(event)) observe(name, 'received', { namespace: ns, name: event, args });
    });
    if (ns === '/') {
      socket.on('question', (...args) => {
        const ack = args.pop();
        observe(name, 'question', { args });
        ack('answer', new Uint8Array([0x10, 0x20, 0x30]));
      });
    }
  }
  return { manager, sockets };
}

function ackPrinter(name, what) {
  return (...args) => observe(name, 'ack', { what, args });
}

async function main() {
  observe('script', 'versions', { socketio: 'js', generation: 5, transport: TRANSPORT });

  // Refused on the main namespace: wrong credentials.
  const carol = makeClient('carol', ['/'], 'wrong');
  await waitFor('carol', 'connect_error', { namespace: '/' });
  carol.sockets['/'].disconnect();

  // alice: the main namespace, a custom one, a refused one and an unknown one.
  const alice = makeClient('alice', ['/', '/chat', '/private', '/nowhere']);
  await waitFor('alice', 'connect', { namespace: '/' });
  await waitFor('alice', 'connect', { namespace: '/chat' });
  await waitFor('alice', 'connect_error', { namespace: '/private' });
  await waitFor('alice', 'connect_error', { namespace: '/nowhere' });
  await waitFor('alice', 'received', { namespace: '/', name: 'welcome' });
  await waitFor('alice', 'received', { namespace: '/chat', name: 'chat-welcome' });
  const a = alice.sockets['/'];

  // Client -> server events with acks, binary both ways.
  a.emit('echo', 'text é😀', 42, { nested: [1, 2.5, null, true] }, new Uint8Array([0x00, 0x01, 0xfe, 0xff]),
    ackPrinter('alice', 'echo'));
  await waitFor('alice', 'ack', { what: 'echo' });
  const result = await new Promise((resolve) => a.emit('echo', 'called', new Uint8Array([7, 8]), (...args) => resolve(args)));
  observe('alice', 'call_result', { args: result });
  a.emit('no-ack', 'fire and forget');
  alice.sockets['/chat'].emit('chat-echo', 'in chat', new Uint8Array([0xab]), ackPrinter('alice', 'chat-echo'));
  await waitFor('alice', 'ack', { what: 'chat-echo' });

  // Server -> client emitWithAck: the server reports the client's answer back.
  a.emit('ask-me');
  await waitFor('alice', 'question');
  await waitFor('alice', 'received', { namespace: '/', name: 'answer-received' });
  a.emit('ask-unanswered');
  await waitFor('alice', 'received', { namespace: '/', name: 'unanswered-outcome' });

  // Rooms and broadcasts with a second client.
  const bob = makeClient('bob', ['/']);
  const b = bob.sockets['/'];
  await waitFor('bob', 'connect', { namespace: '/' });
  await waitFor('bob', 'received', { namespace: '/', name: 'welcome' });
  a.emit('join', 'room-a', ackPrinter('alice', 'join'));
  b.emit('join', 'room-b', ackPrinter('bob', 'join'));
  await waitFor('alice', 'ack', { what: 'join' });
  await waitFor('bob', 'ack', { what: 'join' });
  a.emit('room-say', 'room-a', 'hi room a', ackPrinter('alice', 'room-say-a'));
  await waitFor('alice', 'ack', { what: 'room-say-a' });
  a.emit('room-say', 'room-b', 'hi room b', ackPrinter('alice', 'room-say-b'));
  await waitFor('alice', 'ack', { what: 'room-say-b' });
  a.emit('broadcast-all', 'hello everyone');
  await waitFor('alice', 'received', { namespace: '/', name: 'all-msg' });
  await waitFor('bob', 'received', { namespace: '/', name: 'all-msg' });

  if (TRANSPORT === 'upgrade') {
    // The JS client probes the WebSocket in the background after opening over polling.
    await waitFor('alice', 'upgrade_result');
    await waitFor('bob', 'upgrade_result');
  }
  observe('alice', 'transport', { transport: alice.manager.engine.transport.name });
  observe('bob', 'transport', { transport: bob.manager.engine.transport.name });

  // Disconnects. alice leaves /chat alone first; the acked event after it proves the server has
  // handled it.
  alice.sockets['/chat'].disconnect();
  await waitFor('alice', 'disconnect', { namespace: '/chat' });
  await new Promise((resolve) => a.emit('echo', 'after leaving /chat', resolve));
  // The server disconnects bob, alice disconnects herself.
  b.emit('kick-me');
  await waitFor('bob', 'disconnect', { namespace: '/' });
  bob.manager.engine.close();
  a.disconnect();
  await waitFor('alice', 'disconnect', { namespace: '/' });
  // The disconnect handlers run before the last packets are written; over polling they go out
  // in POST requests after this point. Exiting before they are answered would look like a lost
  // connection to the server (a browser tab would stay open), so wait for them.
  const deadline = Date.now() + WAIT_MS;
  while (FetchXMLHttpRequest.inFlight > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // dave stays connected until the server shuts down (the test starts the graceful shutdown when
  // it sees "waiting_for_shutdown").
  makeClient('dave', ['/']);
  await waitFor('dave', 'connect', { namespace: '/' });
  observe('dave', 'waiting_for_shutdown');
  await waitFor('dave', 'disconnect', { namespace: '/' });
  observe('script', 'done');
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ client: 'script', event: 'error', message: String(error && error.stack) }) + '\n');
  process.exit(1);
});
