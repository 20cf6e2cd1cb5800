"""A realtimed client for RealtimeServiceTests, with python-socketio 5.x or 4.6.1.

Usage: realtime_client.py URL EVENTS ACTIONS
  EVENTS:  comma-separated event names to record (python-socketio 4.x has no catch-all handler)
  ACTIONS: JSON list run in order after connect, e.g. [{"emit": "subscribe", "args": ["a*"]}];
           each emit waits for its ack (10 s).

Prints one JSON object per line: {"event": "$connected"}, {"event": <name>, "args": [...],
"t": <time.monotonic() at receipt>} for every recorded event, {"event": "$ack", "name": <emitted>,
"args": [...]} for acks, {"event": "$disconnected"}, or {"event": "$connect_error", "args": [...]}
when refused. Runs until killed. SIO_AUTH (JSON) is the CONNECT auth payload, for python-socketio
5 (4.x has none).
"""
import inspect
import json
import os
import sys
import threading
import time

import socketio

URL, EVENTS, ACTIONS = sys.argv[1], [e for e in sys.argv[2].split(",") if e], json.loads(sys.argv[3])
lock = threading.Lock()


def report(record):
    text = json.dumps(record, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (valid in JSON escapes, not in UTF-8)
        text = json.dumps(record)
    with lock:
        print(text, flush=True)


client = socketio.Client(reconnection=False)

# python-engineio hands every message to a thread of its own (run_async=True), so two events
# that arrive close together may be reported swapped. Handle them on the reading thread, in the
# order they arrived, so the tests can check the order the server sent them in.
_trigger_event = client.eio._trigger_event


def _in_arrival_order(event, *args, **kwargs):
    if event == "message":
        kwargs["run_async"] = False
    return _trigger_event(event, *args, **kwargs)


client.eio._trigger_event = _in_arrival_order


def recorder(name):
    def handler(*args):
        report({"event": name, "args": list(args), "t": time.monotonic()})
    return handler


for name in EVENTS:
    client.on(name, recorder(name))
client.on("connect", lambda: report({"event": "$connected"}))
client.on("disconnect", lambda *args: report({"event": "$disconnected"}))

client.on("connect_error", lambda *args: report({"event": "$connect_error", "args": list(args)}))
options = {"transports": ["websocket"]}
if os.environ.get("SIO_AUTH") and "auth" in inspect.signature(client.connect).parameters:
    options["auth"] = json.loads(os.environ["SIO_AUTH"])
try:
    client.connect(URL, **options)
except socketio.exceptions.ConnectionError as error:
    report({"event": "$connect_error", "args": [str(error)]})
    while True:
        time.sleep(1)
for action in ACTIONS:
    done = threading.Event()

    def acked(*args, name=action["emit"], done=done):
        report({"event": "$ack", "name": name, "args": list(args)})
        done.set()

    client.emit(action["emit"], action["args"][0] if action["args"] else None, callback=acked)
    if not done.wait(10):
        report({"event": "$timeout", "name": action["emit"]})
while True:
    time.sleep(1)
