// A realtimed client for RealtimeServiceTests with the official Socket.IO JS client (the browser
// bundle socket.io.min.js, v4.x) under node >= 20 with --experimental-websocket.
//
// Usage: node --experimental-websocket realtime_js_client.js SOCKET_IO_JS URL ACTIONS
// Prints the same lines as realtime_client.py (every event, via onAny). Runs until killed.
// An action {"emit": "$drop", "args": []} waits for a first event, then closes the underlying
// connection (as a network drop would); the client then reconnects after 2 s and reports {"event": "$connected", "recovered": ..}.
'use strict';

const [bundle, url, actionsText] = process.argv.slice(2);
const io = require(bundle);
const actions = JSON.parse(actionsText);

function report(record) { process.stdout.write(JSON.stringify(record) + '\n'); }

// SIO_AUTH (JSON): the CONNECT auth payload.
const auth = process.env.SIO_AUTH ? JSON.parse(process.env.SIO_AUTH) : undefined;
const socket = io(url, { transports: ['websocket'], reconnectionDelay: 2000, randomizationFactor: 0, auth });
let connectedBefore = false;
let eventsReceived = 0;
socket.onAny((event, ...args) => { eventsReceived += 1; report({ event, args }); });
socket.on('disconnect', () => report({ event: '$disconnected' }));
socket.on('connect_error', (error) => report({ event: '$connect_error', message: String(error) }));
socket.on('connect', async () => {
  report({ event: '$connected', recovered: socket.recovered });
  if (connectedBefore) return;
  connectedBefore = true;
  for (const action of actions) {
    if (action.emit === '$drop') {
      // After a first event, so the client has an offset to recover from.
      while (eventsReceived === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      socket.io.engine.close();
      continue;
    }
    try {
      const args = await socket.timeout(10000).emitWithAck(action.emit, ...action.args);
      report({ event: '$ack', name: action.emit, args: [args] });
    } catch (error) {
      report({ event: '$timeout', name: action.emit });
    }
  }
});
setInterval(() => {}, 1000);
