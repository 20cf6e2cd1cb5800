"""The Python peer of ingestd + realtimed for the realtime benchmark, built the seeds' way: one
process with a Kafka consumer and a python-socketio server (aiohttp).

Like the Price Wars proxy it consumes the given topics, keeps the last 100 messages of each, sends
them to every client on connect (one event per topic with the array) and emits every new record as
an event named after its topic, shaped {"topic", "timestamp" (Kafka ms), "value"}.

Usage: python_realtime_peer.py BOOTSTRAP PORT TOPIC[,TOPIC...]
Prints "listening" once the server accepts connections.
"""
import asyncio
import collections
import json
import sys
import threading

import socketio
from aiohttp import web
from confluent_kafka import Consumer


def main():
    bootstrap, port, topics = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)
    history = {topic: collections.deque(maxlen=100) for topic in topics}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    queue: asyncio.Queue = asyncio.Queue()

    @sio.event
    async def connect(sid, environ, auth=None):
        for topic, messages in history.items():
            await sio.emit(topic, list(messages), to=sid)

    def consume():
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-realtime-peer",
                             "auto.offset.reset": "latest", "enable.auto.commit": True,
                             "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
        # The driver produces only after this line: "latest" skips what came before the assignment.
        consumer.subscribe(topics, on_assign=lambda _consumer, partitions: print("assigned", flush=True))
        while True:
            message = consumer.poll(0.1)
            if message is None or message.error():
                continue
            loop.call_soon_threadsafe(queue.put_nowait, message)

    async def broadcast():
        while True:
            message = await queue.get()
            event = {"topic": message.topic(), "timestamp": message.timestamp()[1],
                     "value": json.loads(message.value())}
            history[message.topic()].append(event)
            await sio.emit(message.topic(), event)

    async def serve():
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        threading.Thread(target=consume, daemon=True).start()
        print("listening", flush=True)
        await broadcast()

    loop.run_until_complete(serve())


if __name__ == "__main__":
    main()
