"""python-socketio AsyncServer on aiohttp with the broadcast behaviour of `sio-bench server`.

On a `start` event {"rate": events/s (0: as fast as possible), "seconds": s, "batch": n,
"tick": ms} it broadcasts `tick` events {"seq": n, "t": wall-clock microseconds, "pad": 150 x "x"}
to every client of the main namespace, paced against the clock: every `tick` ms the events that
fell due, each stamped with its due time (one `sio.emit` per event: it has no batch). Prints `listening <port>` when bound.
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

    async def broadcast(rate: float, seconds: float, batch: int, tick: float) -> None:
        state["running"] = True
        try:
            loop = asyncio.get_running_loop()
            begin = loop.time()
            wall_begin = time.time_ns() // 1000
            end = begin + seconds
            next_tick = begin + tick
            sent = 0
            while loop.time() < end:
                due = int((loop.time() - begin) * rate) - sent if rate > 0 else batch
                # At most one batch per turn, so the end time is kept when the server is behind.
                count = min(max(due, 0), batch)
                now = time.time_ns() // 1000
                for index in range(count):
                    # Paced: stamped with the time the event fell due (as `sio-bench server`).
                    stamp = wall_begin + int((sent + index + 1) * 1_000_000 / rate) if rate > 0 else now
                    await sio.emit("tick", {"seq": sent + index, "t": stamp, "pad": PADDING})
                sent += count
                if rate > 0 and due <= count:
                    current = loop.time()
                    while next_tick <= current:
                        next_tick += tick
                    await asyncio.sleep(next_tick - current)
                else:
                    await asyncio.sleep(0)
            print(f"broadcast finished: {sent} events", file=sys.stderr, flush=True)
        finally:
            state["running"] = False

    @sio.on("start")
    async def start(sid, options):
        try:
            rate = float(options["rate"])
            seconds = float(options["seconds"])
            batch = int(options.get("batch", 16))
            tick = float(options.get("tick", 1)) / 1000
        except (TypeError, KeyError, ValueError):
            print("ignored a malformed start event", file=sys.stderr, flush=True)
            return
        if rate < 0 or not 0 < seconds <= 3600 or not 1 <= batch <= 10000 \
                or not 0.0001 <= tick <= 1 or state["running"]:
            return
        sio.start_background_task(broadcast, rate, seconds, batch, tick)

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
