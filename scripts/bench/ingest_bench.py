"""Ingest benchmark driver: Kafka to bus records/s, CPU and peak RSS, ingestd next to a Python peer.

Run through scripts/bench-ingest. Preloads a Tansu broker with N records per workload, then for
each run starts ingestd (release build, START_FROM=beginning) with a subscriber draining the bus
and times the records from the first published to the N-th (from ingestd's own counter, polled
every 10 ms), reading ingestd's CPU time and peak RSS from /proc. The Python peer does the same
work in the same run. A raw librdkafka consumer (`kafka-demo-producer --consume-only`: ingestd's
Kafka wrapper and librdkafka defaults, no decoding, no publishing), timed the same way from
outside, gives the transport's own rate in the same run. Prints medians of the runs and the
ratios. Then (BENCH_SHARDS, default 2; 0 or 1 skips it) the Avro records again in a topic of
BENCH_SHARDS partitions, read by one ingestd and by BENCH_SHARDS ingestd shards at once.
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import zmq

from benchproc import TansuBroker, cpu_seconds, free_port, peak_rss_mb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "demo", "kafka.timestamp-data.avsc")


def published(http_port):
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=1).read().decode()
    except OSError:
        return 0
    return sum(float(line.split()[-1]) for line in body.splitlines()
               if line.startswith("ingest_records_published_total"))


class Drain:
    """A subscriber that keeps reading a bus at C speed (zmq.proxy in a thread, forwarding to a
    PUB nobody reads), so publishing has a real receiver without the reader costing much CPU."""

    def __init__(self, endpoint):
        self.context = zmq.Context()
        self.sub = self.context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"")
        self.sub.setsockopt(zmq.SUBSCRIBE, b"\0bus-v3\0")  # reads packs (it reads nothing): ingestd may send them
        self.sub.connect(endpoint)
        self.sink = self.context.socket(zmq.PUB)
        self.sink.setsockopt(zmq.LINGER, 0)
        self.sink.bind("inproc://sink")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            zmq.proxy(self.sub, self.sink)
        except zmq.ContextTerminated:
            # The sockets belong to this thread: close them so the context can finish.
            self.sub.close()
            self.sink.close()

    def close(self):
        self.context.term()
        self.thread.join(5)


def run_ingestd(binary, bootstrap, topic, count, shards=1, extra=None):
    """ingestd from the topic's beginning until it has published `count` records; with `shards`
    above 1, that many ingestd processes at once (SHARD_COUNT, SHARD_INDEX 0..shards-1, one
    consumer group, each with its own bus and drain), timed until they have published `count`
    together. Per-process CPU seconds and peak RSS in `per_shard`. `extra`: more settings."""
    group = f"bench-{time.time()}"
    processes, drains, ports = [], [], []
    try:
        for index in range(shards):
            http, pub, snap = free_port(), free_port(), free_port()
            env = dict(os.environ, KAFKA_HOSTS=bootstrap, CONSUMER_GROUP=group,
                       ALLOWED_TOPICS_REGEX=f"^{topic}$", START_FROM="beginning",
                       TOPIC_FORMATS=f"^bench\\.avro.*=avro:{SCHEMA};.*=json", LOGGING_LEVEL="WARNING",
                       BUS_PUBLISH_BIND=f"tcp://127.0.0.1:{pub}", BUS_SNAPSHOT_BIND=f"tcp://127.0.0.1:{snap}",
                       INGEST_HTTP_HOST="127.0.0.1", INGEST_HTTP_PORT=str(http),
                       SHARD_COUNT=str(shards), SHARD_INDEX=str(index), **(extra or {}))
            processes.append(subprocess.Popen([binary], env=env))
            drains.append(Drain(f"tcp://127.0.0.1:{pub}"))
            ports.append(http)
        start = cpu = None
        deadline = time.time() + 300
        while time.time() < deadline:
            done = sum(published(http) for http in ports)
            if start is None and done > 0:
                start, cpu = time.perf_counter(), [cpu_seconds(process.pid) for process in processes]
            if done >= count:
                elapsed = time.perf_counter() - start
                used = [cpu_seconds(process.pid) - before for process, before in zip(processes, cpu)]
                rss = [peak_rss_mb(process.pid) for process in processes]
                return {"records": count, "seconds": elapsed, "cpu_seconds": sum(used), "peak_rss_mb": max(rss),
                        "per_shard": [{"published": published(http), "cpu_seconds": c, "peak_rss_mb": r}
                                      for http, c, r in zip(ports, used, rss)]}
            time.sleep(0.01)
        raise RuntimeError("ingestd did not publish every record in time")
    finally:
        for process in processes:
            process.terminate()
        for drain in drains:
            drain.close()
        for process in processes:
            process.wait(10)
            # ingestd leaves with 0 on SIGTERM; anything else (a crash while stopping) is shown.
            if process.returncode != 0:
                print(f"warning: ingestd (pid {process.pid}) exited with {process.returncode} when stopped",
                      file=sys.stderr, flush=True)


def run_raw(producer, bootstrap, topic, count):
    """The raw consumer prints `first` at its first record and `done` at the count-th, then waits
    for its standard input to close: timed and read from /proc like ingestd."""
    process = subprocess.Popen([producer, "--kafka-hosts", bootstrap, "--topic", topic, "--consume-only", str(count)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        start = cpu = None
        for line in process.stdout:
            if line.strip() == "first":
                start, cpu = time.perf_counter(), cpu_seconds(process.pid)
            elif line.strip() == "done":
                elapsed = time.perf_counter() - start
                used = cpu_seconds(process.pid) - cpu
                return {"records": count, "seconds": elapsed, "cpu_seconds": used, "peak_rss_mb": peak_rss_mb(process.pid)}
        raise RuntimeError(f"the raw consumer ended without consuming {count} records")
    finally:
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_python(bootstrap, topic, kind, count):
    pub = free_port()
    drain = Drain(f"tcp://127.0.0.1:{pub}")  # connects in the background once the peer binds
    try:
        output = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "python_ingest_peer.py"),
                                 bootstrap, topic, kind, str(count), SCHEMA, f"tcp://127.0.0.1:{pub}"],
                                check=True, capture_output=True, text=True, timeout=600).stdout
    finally:
        drain.close()
    return json.loads(output.strip().splitlines()[-1])


SHARDED_TOPIC = "bench.avro.sharded"


def print_sharded(binary, bootstrap, count, runs, shards):
    """Sharded ingest (issue 17): the same Avro records in a topic of `shards` partitions, read by
    one ingestd and by `shards` ingestd processes at once (SHARD_COUNT), interleaved."""
    one, split = [], []
    for _ in range(runs):
        one.append(run_ingestd(binary, bootstrap, SHARDED_TOPIC, count))
        split.append(run_ingestd(binary, bootstrap, SHARDED_TOPIC, count, shards=shards))
    print()
    print(f"sharded ingest: (a) in a topic of {shards} partitions, one ingestd against {shards} ingestd shards at once "
          f"on the same {os.cpu_count()} cores")
    print(f"{'ingestd processes':40} {'rec/s':>14} {'CPU s':>7} {'RSS MB':>7}   per process (records, CPU s, peak RSS MB), median run")
    for label, rows in (("1 (SHARD_COUNT=1)", one), (f"{shards} (SHARD_COUNT={shards})", split)):
        rate = statistics.median(r["records"] / r["seconds"] for r in rows)
        middle = sorted(rows, key=lambda r: r["records"] / r["seconds"])[len(rows) // 2]
        each = ", ".join(f"{p['published']:,.0f} / {p['cpu_seconds']:.2f} / {p['peak_rss_mb']:.0f}"
                         for p in middle["per_shard"])
        print(f"{label:40} {rate:14,.0f} {statistics.median(r['cpu_seconds'] for r in rows):7.2f} "
              f"{max(r['peak_rss_mb'] for r in rows):7.1f}   {each}")


def main():
    binary, producer, tansu = sys.argv[1:4]
    count = int(os.environ.get("BENCH_RECORDS", "300000"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    shards = int(os.environ.get("BENCH_SHARDS", "2"))
    pack = int(os.environ.get("BENCH_PACK", "256"))  # ingestd's default BUS_PACK_RECORDS; 0 or 1: no packed rows
    broker = TansuBroker(tansu)
    bootstrap = broker.bootstrap
    try:
        for kind in ("avro", "json"):
            subprocess.run([producer, "--kafka-hosts", bootstrap, "--fixtures", os.path.join(ROOT, "demo"),
                            "--preload", str(count), "--kind", kind, "--topic", f"bench.{kind}"], check=True)
        if shards > 1:
            subprocess.run([producer, "--kafka-hosts", bootstrap, "--fixtures", os.path.join(ROOT, "demo"),
                            "--preload", str(count), "--kind", "avro", "--topic", SHARDED_TOPIC,
                            "--partitions", str(shards)], check=True)
        rows = []
        for kind, label in (("avro", "(a) Avro DataRecord, 10 map entries"), ("json", "(b) JSON values, 300 bytes")):
            ours, packed, raw = [], [], []
            for _ in range(runs):  # interleaved, so all see the same machine
                ours.append(run_ingestd(binary, bootstrap, f"bench.{kind}", count, extra={"BUS_PACK_RECORDS": "1"}))
                if pack > 1:
                    packed.append(run_ingestd(binary, bootstrap, f"bench.{kind}", count,
                                              extra={"BUS_PACK_RECORDS": str(pack)}))
                raw.append(run_raw(producer, bootstrap, f"bench.{kind}", count))
            peer = [run_python(bootstrap, f"bench.{kind}", kind, count) for _ in range(runs)]
            rows.append((f"{label}, no packs", ours, peer, raw))
            if pack > 1:
                rows.append((f"{label[:3]} same, packs of {pack}", packed, peer, raw))
        print()
        print(f"Kafka -> bus, {count} records per run, median of {runs} runs, one machine ({os.cpu_count()} cores)")
        print(f"{'workload':46} {'ingestd rec/s':>14} {'CPU s':>7} {'RSS MB':>7} {'python rec/s':>13} {'CPU s':>7} {'RSS MB':>7} {'ratio':>7}")
        for label, ours, peer, _ in rows:
            rate = statistics.median(r["records"] / r["seconds"] for r in ours)
            peer_rate = statistics.median(r["records"] / r["seconds"] for r in peer)
            print(f"{label:46} {rate:14,.0f} {statistics.median(r['cpu_seconds'] for r in ours):7.2f} "
                  f"{max(r['peak_rss_mb'] for r in ours):7.1f} {peer_rate:13,.0f} "
                  f"{statistics.median(r['cpu_seconds'] for r in peer):7.2f} {max(r['peak_rss_mb'] for r in peer):7.1f} "
                  f"{rate / peer_rate:6.1f}x")
        print()
        print("raw librdkafka consume of the same topic (kafka-demo-producer --consume-only: no decode, no publish)")
        print(f"{'workload':46} {'raw rec/s':>14} {'CPU s':>7} {'RSS MB':>7} {'ingestd/raw':>12}   runs (ingestd / raw rec/s)")
        for label, ours, _, raw in rows:
            rate = statistics.median(r["records"] / r["seconds"] for r in ours)
            raw_rate = statistics.median(r["records"] / r["seconds"] for r in raw)
            each = ", ".join(f"{a['records'] / a['seconds']:,.0f} / {b['records'] / b['seconds']:,.0f}" for a, b in zip(ours, raw))
            print(f"{label:46} {raw_rate:14,.0f} {statistics.median(r['cpu_seconds'] for r in raw):7.2f} "
                  f"{max(r['peak_rss_mb'] for r in raw):7.1f} {rate / raw_rate:11.0%}   {each}")
        if shards > 1:
            print_sharded(binary, bootstrap, count, runs, shards)
    finally:
        broker.close()


if __name__ == "__main__":
    main()
