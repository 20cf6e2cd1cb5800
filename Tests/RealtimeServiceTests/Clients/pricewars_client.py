"""A Price Wars client as the originals' users wrote them, for RealtimeFidelityTests: every handler
takes exactly ONE argument (python-socketio 5.x or 4.6.1 call it with all the event's arguments,
so an extra one raises TypeError and the event is lost).

Usage: pricewars_client.py URL EVENTS
Prints one JSON object per line: {"event": "$connected"}, then {"event": <name>, "type": "str" |
"list" | ..., "data": <the argument>} for every recorded event. Runs until killed.
"""
import json
import sys
import threading
import time

import socketio

URL, EVENTS = sys.argv[1], [e for e in sys.argv[2].split(",") if e]
client = socketio.Client(reconnection=False)
lock = threading.Lock()


def report(record):
    # python-socketio may run handlers on several threads: one whole line at a time.
    with lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def recorder(name):
    def handler(data):
        report({"event": name, "type": type(data).__name__, "data": data})
    return handler


for name in EVENTS:
    client.on(name, recorder(name))
client.on("connect", lambda: report({"event": "$connected"}))
client.connect(URL, transports=["websocket"])
while True:
    time.sleep(1)
