// A realtimed client for RealtimeServiceTests with the official Socket.IO JS client (the browser
// bundle socket.io.min.js, v4.x) under node >= 20 with --experimental-websocket.
//
// Usage: node --experimental-websocket realtime_js_client.js SOCKET_IO_JS URL ACTIONS
// Prints the same lines as realtime_client.py (every event, via onAny). Runs until killed.
'use strict';

const [bundle, url, actionsText] = process.argv.slice(2);
const io = require(bundle);
const actions = JSON.parse(actionsText);

function report(record) { process.stdout.write(JSON.stringify(record) + '\n'); }

const socket = io(url, { transports: ['websocket'], reconnection: false });
socket.onAny((event, ...args) => report({ event, args }));
socket.on('disconnect', () => report({ event: '$disconnected' }));
socket.on('connect_error', (error) => report({ event: '$connect_error', message: String(error) }));
socket.on('connect', async () => {
  report({ event: '$connected' });
  for (const action of actions) {
    try {
      const args = await socket.timeout(10000).emitWithAck(action.emit, ...action.args);
      report({ event: '$ack', name: action.emit, args: [args] });
    } catch (error) {
      report({ event: '$timeout', name: action.emit });
    }
  }
});
setInterval(() => {}, 1000);
