"""Runs `sio-bench load` against our server (`sio-bench server`) and python-socketio's
(scripts/bench/socketio_server.py) in one invocation, reads each server's CPU time
(utime+stime) and peak RSS (VmHWM) from /proc, measures RSS with idle connections, and prints
a side-by-side table with ratios (medians when --repeat > 1). Used by scripts/bench-socketio.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from benchproc import cpu_seconds, free_port, status_kib

TICK_MS = 10.0
LOAD_THREADS = 4


class Server:
    """A server process started fresh for one measurement."""

    def __init__(self, kind: str, args: argparse.Namespace):
        self.port = free_port()
        if kind == "swift":
            command = [args.sio_bench, "server", "--port", str(self.port)]
        else:
            command = [args.python, os.path.join(os.path.dirname(__file__), "socketio_server.py"),
                       "--port", str(self.port)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening"):
            self.process.kill()
            raise RuntimeError(f"{kind} server did not start: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_load(args, kind: str, rate: float) -> dict:
    server = Server(kind, args)
    try:
        command = [args.sio_bench, "load", "--port", str(server.port), "--clients", str(args.clients),
                   "--rate", str(rate), "--seconds", str(args.seconds), "--warmup", str(args.warmup),
                   "--batch", str(args.batch), "--tick", str(args.tick_ms), "--threads", str(args.load_threads)]
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # CPU is counted from the start of the broadcast, not over the handshakes.
        line = load.stdout.readline()
        cpu_before = cpu_seconds(server.process.pid)
        output, errors = load.communicate(timeout=600)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if load.returncode != 0 or not line.startswith("started"):
            raise RuntimeError(f"load against {kind} failed: {line}{errors.strip()}")
        figures = json.loads(output.strip().splitlines()[-1])
        broadcast_seconds = args.warmup + args.seconds + 0.5
        figures["server_cpu_cores"] = (cpu_seconds(server.process.pid) - cpu_before) / broadcast_seconds
        figures["server_peak_rss_mib"] = status_kib(server.process.pid, "VmHWM") / 1024
        # The load generator's whole run (handshakes included), for reading the machine's load.
        figures["load_cpu_seconds"] = (children_after.ru_utime + children_after.ru_stime
                                       - children_before.ru_utime - children_before.ru_stime)
        print(f"  {kind} rate {rate:.0f}: " + json.dumps(figures), file=sys.stderr, flush=True)
        return figures
    finally:
        server.stop()


def run_idle(args, kind: str) -> dict:
    server = Server(kind, args)
    try:
        baseline = status_kib(server.process.pid, "VmRSS")
        command = [args.sio_bench, "load", "--port", str(server.port), "--clients", str(args.idle_clients),
                   "--idle-seconds", "3"]
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = load.stdout.readline()
        if not line.startswith("{"):
            load.kill()
            raise RuntimeError(f"idle load against {kind} failed: {load.stderr.read().strip()}")
        rss = status_kib(server.process.pid, "VmRSS")
        load.wait(timeout=60)
        connected = json.loads(line)["connected"]
        return {"idle_rss_mib": rss / 1024, "idle_kib_per_connection": (rss - baseline) / connected}
    finally:
        server.stop()


def median_of(runs: list, key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sio-bench", required=True)
    parser.add_argument("--python", required=True, help="python with python-socketio 5.x and aiohttp")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200_000, help="fixed-rate deliveries/s")
    parser.add_argument("--max-rate", type=float, default=2_000_000,
                        help="deliveries/s asked for in the max-rate run (0: unpaced)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tick-ms", type=float, default=TICK_MS,
                        help="paced servers emit the events due every this many ms, stamped with their due time")
    parser.add_argument("--load-threads", type=int, default=LOAD_THREADS, help="event-loop threads of sio-bench load")
    parser.add_argument("--idle-clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the table shows medians")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.idle_clients + 100:
        sys.exit(f"open-file limit {hard} is too low for {args.idle_clients} idle connections")

    rows = []
    results = {}
    for kind in ("swift", "python"):
        fixed = [run_load(args, kind, args.rate) for _ in range(args.repeat)]
        fastest = [run_load(args, kind, args.max_rate) for _ in range(args.repeat)]
        idle = [run_idle(args, kind) for _ in range(args.repeat)]
        results[kind] = {"fixed": fixed, "max": fastest, "idle": idle}
        print(f"{kind}: " + json.dumps(results[kind]), file=sys.stderr, flush=True)

    def figure(kind, mode, key):
        return median_of(results[kind][mode], key)

    lines = [
        ("max rate: deliveries/s", "max", "deliveries_per_s", "higher"),
        ("max rate: p50 ms", "max", "p50_ms", "lower"),
        ("max rate: p99 ms", "max", "p99_ms", "lower"),
        ("max rate: clients dropped", "max", "dropped", "lower"),
        ("max rate: server CPU cores", "max", "server_cpu_cores", "-"),
        ("max rate: server peak RSS MiB", "max", "server_peak_rss_mib", "lower"),
        ("max rate: load generator CPU s", "max", "load_cpu_seconds", "-"),
        (f"{int(args.rate)}/s: deliveries/s", "fixed", "deliveries_per_s", "higher"),
        (f"{int(args.rate)}/s: p50 ms", "fixed", "p50_ms", "lower"),
        (f"{int(args.rate)}/s: p99 ms", "fixed", "p99_ms", "lower"),
        (f"{int(args.rate)}/s: clients dropped", "fixed", "dropped", "lower"),
        (f"{int(args.rate)}/s: server CPU cores", "fixed", "server_cpu_cores", "lower"),
        (f"{int(args.rate)}/s: server peak RSS MiB", "fixed", "server_peak_rss_mib", "lower"),
        (f"{int(args.rate)}/s: load generator CPU s", "fixed", "load_cpu_seconds", "-"),
        (f"{args.idle_clients} idle: server RSS MiB", "idle", "idle_rss_mib", "lower"),
        (f"{args.idle_clients} idle: KiB per connection", "idle", "idle_kib_per_connection", "lower"),
    ]
    def spread(kind, mode, key):
        values = [run[key] for run in results[kind][mode]]
        return f"{min(values):.1f}-{max(values):.1f}"

    print(f"Socket.IO fan-out, {args.clients} clients, ~200-byte tick events, {args.seconds} s measured, "
          f"tick {args.tick_ms} ms, {args.load_threads} load threads, median of {args.repeat}")
    print(f"{'figure':42} {'ours (Swift)':>14} {'python-socketio':>16} {'ours/python':>12}"
          + (f"  {'ours min-max':>20} {'python min-max':>20}" if args.repeat > 1 else ""))
    for label, mode, key, _ in lines:
        ours, theirs = figure("swift", mode, key), figure("python", mode, key)
        ratio = f"{ours / theirs:.2f}" if theirs else "-"
        extra = f"  {spread('swift', mode, key):>20} {spread('python', mode, key):>20}" if args.repeat > 1 else ""
        print(f"{label:42} {ours:14.2f} {theirs:16.2f} {ratio:>12}{extra}")


if __name__ == "__main__":
    main()
