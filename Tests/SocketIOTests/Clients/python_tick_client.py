"""A python-socketio 5.x client for the sio-bench cross-check: connects to the server URL given
as argv[1], prints `ready` once connected, then records `tick` events (and any other event) and,
after `count` ticks (argv[2]) or 20 s, prints one JSON line:
{"ticks": n, "other_events": [...], "first": <first tick payload>, "now_us": <wall clock µs>}.
"""

import json
import sys
import threading
import time

import socketio

url, wanted = sys.argv[1], int(sys.argv[2])
client = socketio.Client()
ticks = []
other = []
done = threading.Event()


@client.on("*")
def any_event(event, *args):
    other.append(event)


@client.on("tick")
def tick(payload):
    ticks.append(payload)
    if len(ticks) >= wanted:
        done.set()


client.connect(url, transports=["websocket"])
print("ready", flush=True)
done.wait(timeout=20)
print(json.dumps({"ticks": len(ticks), "other_events": other, "first": ticks[0] if ticks else None,
                  "now_us": time.time_ns() // 1000}), flush=True)
client.disconnect()
