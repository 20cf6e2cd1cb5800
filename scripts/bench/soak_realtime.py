"""Soak (issue 17): realtimed's RSS and CPU over a long run with records flowing and clients
joining and leaving all the time.

Run through scripts/soak-realtime. One Tansu broker, ingestd + realtimed (the binaries given),
a paced producer at --rate records/s for --minutes, and --slots staggered `sio-bench load`
processes of --clients-per-slot WebSocket clients (half Engine.IO v3) that each stay
--stay-seconds and are replaced as they leave: about slots x clients-per-slot clients are
connected at any time and a slot's worth joins and leaves every stay-seconds / slots. Every
--sample-seconds it records realtimed's VmRSS, its CPU (cores over the interval) and its
connected clients (realtime_clients from /metrics). Every finished load must have kept all its
clients and counted records (none dropped).

Verdict, printed last: "soak: flat" when
  - RSS: the median of the last quarter's samples is at most --rss-growth (default 10%, and at
    least 8 MB) above the median of the second quarter's (the first quarter is warm-up);
  - CPU: the last quarter's median cores are at most --cpu-growth (30%) above the second
    quarter's (+ 0.02 cores);
(quarters of the steady part: until the loads stop rejoining, --stay-seconds before the end)
  - no client was dropped and, once every load has left, realtimed counts 0 clients;
else "soak: NOT flat (...)" and exit status 1.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import types
import urllib.request

from confluent_kafka.admin import AdminClient, NewTopic

from benchproc import TansuBroker, add_stack_arguments, cpu_seconds, status_kib
from realtime_bench import PacedProducer, Stack


def realtime_clients(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("realtime_clients "):
                return int(float(line.split()[1]))
    return -1


class Slot:
    """One `sio-bench load` process at a time; replaced when it leaves."""

    def __init__(self, args, port: int, topic: str, index: int):
        self.args, self.port, self.topic, self.index = args, port, topic, index
        self.process = None
        self.finished = []

    def start(self) -> None:
        stay = self.args.stay_seconds * random.uniform(0.8, 1.2)
        self.process = subprocess.Popen(
            [self.args.sio_bench, "load", "--port", str(self.port), "--clients", str(self.args.clients_per_slot),
             "--event", self.topic, "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--passive",
             "--seconds", f"{stay:.2f}", "--warmup", "0", "--linger", "0", "--threads", "1",
             "--source-addresses", "8", "--eio3-share", "0.5"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def poll(self) -> None:
        """Collects a load that left and starts the next one."""
        if self.process is None or self.process.poll() is None:
            return
        output, errors = self.process.communicate()
        lines = output.strip().splitlines()
        try:
            figures = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            figures = {"failed": (errors or output).strip()[-300:]}
        figures["status"] = self.process.returncode
        self.finished.append(figures)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=self.args.stay_seconds * 1.5 + 30)
            self.poll()


def quarter_median(samples, key, quarter):
    size = len(samples)
    part = samples[size * (quarter - 1) // 4: size * quarter // 4] or samples[-1:]
    return statistics.median(sample[key] for sample in part)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=1000, help="records/s")
    parser.add_argument("--slots", type=int, default=4, help="concurrent load processes")
    parser.add_argument("--clients-per-slot", type=int, default=50)
    parser.add_argument("--stay-seconds", type=float, default=20, help="how long each load's clients stay")
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--rss-growth", type=float, default=0.10, help="allowed RSS growth, second to last quarter")
    parser.add_argument("--records-per-partition", type=int, default=10000,
                        help="records before the producer moves to the next partition (Tansu's fetch stall)")
    parser.add_argument("--cpu-growth", type=float, default=0.30, help="allowed CPU growth, second to last quarter")
    args = parser.parse_args()
    seconds = args.minutes * 60

    broker = TansuBroker(args.tansu)
    # Tansu stops answering fetches of a partition after some ten thousand records (any consumer,
    # see docs/benchmarks.md), so the producer moves to the next partition of the one topic every
    # --records-per-partition. One topic, not a topic per 10,000 records: realtimed keeps every
    # topic's history and sends it to each new client, so a growing topic list would make every
    # connect (and the soak's memory peaks) grow with time.
    topic = "soak"
    partitions = int(args.rate * seconds / args.records_per_partition) + 2
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)
    stack = Stack("ours", types.SimpleNamespace(ingestd=args.ingestd, realtimed=args.realtimed), broker.bootstrap, topic)
    slots = [Slot(args, stack.port, topic, index) for index in range(args.slots)]
    samples = []
    try:
        producer = PacedProducer(broker.bootstrap, topic, args.rate, seconds + 2,
                                 partition_of=lambda sequence: sequence // args.records_per_partition)
        producer.start()
        started = time.perf_counter()
        stagger = args.stay_seconds / args.slots
        next_sample = started + args.sample_seconds
        last_cpu, last_time = cpu_seconds(stack.server.pid), started
        while time.perf_counter() - started < seconds:
            now = time.perf_counter()
            for index, slot in enumerate(slots):
                slot.poll()
                # Staggered first joins; afterwards a slot rejoins as soon as it left.
                if slot.process is None and now - started >= index * stagger and now - started < seconds - args.stay_seconds:
                    slot.start()
            if now >= next_sample:
                cpu = cpu_seconds(stack.server.pid)
                samples.append({"t": now - started, "rss_mb": status_kib(stack.server.pid, "VmRSS") / 1024,
                                "cores": (cpu - last_cpu) / (now - last_time), "clients": realtime_clients(stack.port),
                                "steady": now - started < seconds - args.stay_seconds})
                print(f"soak sample: {json.dumps(samples[-1])}", file=sys.stderr, flush=True)
                last_cpu, last_time = cpu, now
                next_sample += args.sample_seconds
            time.sleep(0.1)
        for slot in slots:
            slot.stop()
        producer.join()
        # Every client left: realtimed must count none (within a few heartbeats' time).
        deadline = time.time() + 30
        clients_after = realtime_clients(stack.port)
        while clients_after != 0 and time.time() < deadline:
            time.sleep(0.5)
            clients_after = realtime_clients(stack.port)
    finally:
        stack.close()
        broker.close()

    loads = [figures for slot in slots for figures in slot.finished]
    failed = [figures for figures in loads if figures.get("status") != 0 or "failed" in figures]
    dropped = sum(figures.get("dropped", 0) for figures in loads)
    deliveries = sum(figures.get("all_deliveries", 0) for figures in loads)
    # Judged on the steady part: before the loads stop rejoining at the end.
    steady = [sample for sample in samples if sample["steady"]] or samples
    rss_early, rss_late = quarter_median(steady, "rss_mb", 2), quarter_median(steady, "rss_mb", 4)
    cpu_early, cpu_late = quarter_median(steady, "cores", 2), quarter_median(steady, "cores", 4)
    print(f"Soak (issue 17): {args.minutes:g} min at {args.rate:,.0f} records/s, {args.slots} x {args.clients_per_slot} "
          f"clients staying ~{args.stay_seconds:g} s each (half Engine.IO v3), one machine ({os.cpu_count()} cores), "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'t s':>7} {'clients':>8} {'RSS MB':>8} {'CPU cores':>10}")
    step = max(1, len(samples) // 20)
    for sample in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        print(f"{sample['t']:7.0f} {sample['clients']:8} {sample['rss_mb']:8.1f} {sample['cores']:10.2f}")
    print(f"loads: {len(loads)} joined and left ({len(loads) * args.clients_per_slot:,} clients), "
          f"{deliveries:,} deliveries, {dropped} clients dropped, {len(failed)} loads failed; "
          f"clients counted after all left: {clients_after}")
    print(f"RSS median: second quarter {rss_early:.1f} MB, last quarter {rss_late:.1f} MB "
          f"({(rss_late / rss_early - 1) * 100:+.1f}%); CPU median: {cpu_early:.3f} -> {cpu_late:.3f} cores")
    problems = []
    if rss_late > rss_early + max(rss_early * args.rss_growth, 8):
        problems.append("RSS grew")
    if cpu_late > cpu_early * (1 + args.cpu_growth) + 0.02:
        problems.append("CPU grew")
    # Records kept flowing: each load's clients got at least half of what was produced while
    # they stayed (rate x seconds each).
    starved = [figures for figures in loads if "failed" not in figures and figures.get("all_deliveries", 0)
               < 0.5 * args.rate * figures.get("seconds", 0) * args.clients_per_slot]
    if starved:
        problems.append(f"{len(starved)} loads got less than half the records (did the stream stop?)")
    if dropped or failed:
        problems.append(f"{dropped} dropped, {len(failed)} loads failed: {failed[:2]}")
    if clients_after != 0:
        problems.append(f"{clients_after} clients still counted")
    if len(loads) < args.slots:
        problems.append("too few loads finished")
    print("soak: flat" if not problems else f"soak: NOT flat ({'; '.join(problems)})")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
