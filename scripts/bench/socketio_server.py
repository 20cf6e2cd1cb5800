"""python-socketio AsyncServer on aiohttp with the broadcast behaviour of `sio-bench server`.

On a `start` event {"rate": events/s (0: as fast as possible), "seconds": s, "batch": n} it
broadcasts `tick` events {"seq": n, "t": wall-clock microseconds, "pad": 150 x "x"} to every
client of the main namespace, paced against the clock. Prints `listening <port>` when bound.
"""

import argparse
import asyncio
import sys
import time

import socketio
from aiohttp import web

PADDING = "x" * 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    args = parser.parse_args()

    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=None)
    app = web.Application()
    sio.attach(app)
    state = {"running": False}

    async def broadcast(rate: float, seconds: float, batch: int) -> None:
        state["running"] = True
        try:
            loop = asyncio.get_running_loop()
            begin = loop.time()
            end = begin + seconds
            sent = 0
            while loop.time() < end:
                due = int((loop.time() - begin) * rate) - sent if rate > 0 else batch
                # At most one batch per turn, so the end time is kept when the server is behind.
                count = min(max(due, 0), batch)
                stamp = time.time_ns() // 1000
                for index in range(count):
                    await sio.emit("tick", {"seq": sent + index, "t": stamp, "pad": PADDING})
                sent += count
                await asyncio.sleep(0.001 if rate > 0 and due <= count else 0)
            print(f"broadcast finished: {sent} events", file=sys.stderr, flush=True)
        finally:
            state["running"] = False

    @sio.on("start")
    async def start(sid, options):
        try:
            rate = float(options["rate"])
            seconds = float(options["seconds"])
            batch = int(options.get("batch", 16))
        except (TypeError, KeyError, ValueError):
            print("ignored a malformed start event", file=sys.stderr, flush=True)
            return
        if rate < 0 or not 0 < seconds <= 3600 or not 1 <= batch <= 10000 or state["running"]:
            return
        sio.start_background_task(broadcast, rate, seconds, batch)

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.port, backlog=4096)
        await site.start()
        print(f"listening {args.port}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
