"""Drives the interop scenario of InteropPythonClientTests with a python-socketio client.

Usage: python_interop_client.py URL GENERATION TRANSPORT
  GENERATION: 5 (python-socketio 5.x, Engine.IO v4) or 4 (python-socketio 4.6.1, Engine.IO v3)
  TRANSPORT:  polling | websocket | upgrade (polling first, then the upgrade to WebSocket)

The scenario: carol is refused (wrong token); alice joins "/" and "/chat", is refused on
"/private" and "/nowhere", sends events with and without acks (binary both ways), answers the
server's emitWithAck, joins room-a; bob joins room-b; room and global broadcasts; alice leaves
"/chat"; the server disconnects bob; alice disconnects; dave waits for the server's shutdown.

Prints one JSON object per line for every observation: {"client": ..., "event": ..., ...}.
Bytes are written as {"$bin": "<hex>"}. Exits 0 after {"event": "done"}, 1 if an expected
observation does not arrive in time (after a {"event": "timeout"} line).
"""
import json
import os
import sys
import threading
import time

import socketio

URL, GENERATION, TRANSPORT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
V5 = GENERATION == 5
TRANSPORTS = None if TRANSPORT == "upgrade" else [TRANSPORT]
TOKEN = "s3cret"
WAIT = 15
# The events the server sends without asking for an ack, by namespace. (python-socketio 4.x has
# no catch-all handler, so every event is registered by name.)
EVENTS = {"/": ["welcome", "answer-received", "room-msg", "all-msg"], "/chat": ["chat-welcome"]}

condition = threading.Condition()
seen = []


def mark(value):
    if isinstance(value, (bytes, bytearray)):
        return {"$bin": bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [mark(v) for v in value]
    if isinstance(value, dict):
        return {k: mark(v) for k, v in value.items()}
    return value


def observe(client, event, **fields):
    record = {"client": client, "event": event}
    record.update({k: mark(v) for k, v in fields.items()})
    with condition:
        seen.append(record)
        print(json.dumps(record, ensure_ascii=False), flush=True)
        condition.notify_all()


def wait_for(client, event, **match):
    """Waits until an observation with these fields was made; returns it."""
    deadline = time.monotonic() + WAIT
    with condition:
        while True:
            for record in seen:
                if record["client"] == client and record["event"] == event and all(
                    record.get(k) == v for k, v in match.items()
                ):
                    return record
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                print(json.dumps({"client": client, "event": "timeout", "waiting_for": event, "match": match}),
                      flush=True)
                os._exit(1)
            condition.wait(remaining)


def url_for(name, token=TOKEN):
    return f"{URL}?name={name}&token={token}"


def make_client(name, namespaces=("/",)):
    """A client that reports everything it receives in `namespaces`."""
    sio = socketio.Client(reconnection=False)

    for namespace in namespaces:
        def register(ns):
            @sio.on("connect", namespace=ns)
            def on_connect():
                sid = sio.get_sid(namespace=ns) if V5 else (sio.sid if ns == "/" else f"{ns}#{sio.sid}")
                observe(name, "connect", namespace=ns, sid=sid)

            @sio.on("connect_error", namespace=ns)
            def on_connect_error(*data):
                observe(name, "connect_error", namespace=ns, data=list(data))

            if V5:
                @sio.on("disconnect", namespace=ns)
                def on_disconnect(reason):
                    observe(name, "disconnect", namespace=ns, reason=reason)
            else:
                @sio.on("disconnect", namespace=ns)
                def on_disconnect():
                    observe(name, "disconnect", namespace=ns)

            for event in EVENTS.get(ns, []):
                def register_event(event):
                    @sio.on(event, namespace=ns)
                    def on_event(*args):
                        observe(name, "received", namespace=ns, name=event, args=list(args))

                register_event(event)

        register(namespace)

    @sio.on("question")
    def on_question(*args):
        observe(name, "question", args=list(args))
        return "answer", b"\x10\x20\x30"

    return sio


def connect(sio, name, namespaces, token=TOKEN):
    if V5:
        sio.connect(url_for(name, token), auth={"token": token, "client": name}, transports=TRANSPORTS,
                    namespaces=list(namespaces), wait=False)
    else:
        sio.connect(url_for(name, token), transports=TRANSPORTS,
                    namespaces=[n for n in namespaces if n != "/"])


def ack_printer(name, what):
    def callback(*args):
        observe(name, "ack", what=what, args=list(args))
    return callback


observe("script", "versions", socketio=getattr(socketio, "__version__", None) or "4.x", generation=GENERATION,
        transport=TRANSPORT)

# Refused on the main namespace: wrong credentials.
carol = make_client("carol")
try:
    if V5:
        carol.connect(url_for("carol", "wrong"), auth={"token": "wrong", "client": "carol"}, transports=TRANSPORTS,
                      wait_timeout=WAIT)
    else:
        carol.connect(url_for("carol", "wrong"), transports=TRANSPORTS)
except socketio.exceptions.ConnectionError as error:
    observe("carol", "connect_failed", message=str(error))
wait_for("carol", "connect_error", namespace="/")
if not V5:
    carol.disconnect()

# alice: the main namespace, a custom one, a refused one and an unknown one.
alice_namespaces = ["/", "/chat", "/private", "/nowhere"]
alice = make_client("alice", alice_namespaces)
connect(alice, "alice", alice_namespaces)
wait_for("alice", "connect", namespace="/")
wait_for("alice", "connect", namespace="/chat")
wait_for("alice", "connect_error", namespace="/private")
wait_for("alice", "connect_error", namespace="/nowhere")
wait_for("alice", "received", namespace="/", name="welcome")
wait_for("alice", "received", namespace="/chat", name="chat-welcome")

# Client -> server events with acks, binary both ways.
alice.emit("echo", ("text é😀", 42, {"nested": [1, 2.5, None, True]}, b"\x00\x01\xfe\xff"),
           callback=ack_printer("alice", "echo"))
wait_for("alice", "ack", what="echo")
result = alice.call("echo", ("called", b"\x07\x08"), timeout=WAIT)
observe("alice", "call_result", args=list(result) if isinstance(result, (list, tuple)) else [result])
alice.emit("no-ack", "fire and forget")
alice.emit("chat-echo", ("in chat", b"\xab"), namespace="/chat", callback=ack_printer("alice", "chat-echo"))
wait_for("alice", "ack", what="chat-echo")

# Server -> client emitWithAck: the server reports the client's answer back.
alice.emit("ask-me")
wait_for("alice", "question")
wait_for("alice", "received", namespace="/", name="answer-received")

# Rooms and broadcasts with a second client.
bob = make_client("bob")
connect(bob, "bob", ["/"])
wait_for("bob", "connect", namespace="/")
wait_for("bob", "received", namespace="/", name="welcome")
alice.emit("join", "room-a", callback=ack_printer("alice", "join"))
bob.emit("join", "room-b", callback=ack_printer("bob", "join"))
wait_for("alice", "ack", what="join")
wait_for("bob", "ack", what="join")
alice.emit("room-say", ("room-a", "hi room a"), callback=ack_printer("alice", "room-say-a"))
wait_for("alice", "ack", what="room-say-a")
alice.emit("room-say", ("room-b", "hi room b"), callback=ack_printer("alice", "room-say-b"))
wait_for("alice", "ack", what="room-say-b")
alice.emit("broadcast-all", "hello everyone")
# Per-connection order: anything sent to a room before the broadcast has arrived by now.
wait_for("alice", "received", namespace="/", name="all-msg")
wait_for("bob", "received", namespace="/", name="all-msg")

observe("alice", "transport", transport=alice.transport())
observe("bob", "transport", transport=bob.transport())

# Disconnects. alice leaves /chat alone first: python-socketio has no public call for leaving one
# namespace, so the DISCONNECT packet is sent directly. The acked event after it proves the
# server has handled it.
alice._send_packet(alice.packet_class(socketio.packet.DISCONNECT, namespace="/chat") if V5
                   else socketio.packet.Packet(socketio.packet.DISCONNECT, namespace="/chat"))
if V5:
    del alice.namespaces["/chat"]
else:
    alice.namespaces.remove("/chat")
observe("alice", "disconnect_requested", namespace="/chat")
alice.call("echo", "after leaving /chat", timeout=WAIT)
# The server disconnects bob, alice disconnects herself.
bob.emit("kick-me")
wait_for("bob", "disconnect", namespace="/")
if not V5:
    # python-socketio 4.x leaves the Engine.IO connection open after a server disconnect.
    bob.eio.disconnect(abort=True)
alice.disconnect()
if V5:
    wait_for("alice", "disconnect", namespace="/")
else:
    # python-socketio 4.x calls no disconnect handler for a disconnect it asked for itself.
    observe("alice", "disconnect_requested", namespace="/")
# dave stays connected until the server shuts down (the test starts the graceful shutdown when
# it sees "waiting_for_shutdown").
dave = make_client("dave")
connect(dave, "dave", ["/"])
wait_for("dave", "connect", namespace="/")
observe("dave", "waiting_for_shutdown")
wait_for("dave", "disconnect", namespace="/")
observe("script", "done")
sys.stdout.flush()
os._exit(0)
