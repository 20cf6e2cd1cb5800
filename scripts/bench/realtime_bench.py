"""End-to-end realtime benchmark: Kafka produce -> client receipt latency, ingestd + realtimed next
to a peer built the seeds' way (one Python process: confluent-kafka consumer + python-socketio).

Run through scripts/bench-realtime. For each server stack, on a fresh Tansu broker topic:
  1. start the stack and wait until a python-socketio client sees a probe record (so the consumer
     is assigned and nothing produced later is skipped);
  2. for each rate: connect `sio-bench load` WebSocket clients that parse the topic-named event
     {"topic","timestamp"(Kafka ms),"value"} and record latency = receipt - Kafka timestamp; produce
     records at that rate (confluent-kafka, CreateTime stamped at produce) for warmup + measure
     seconds; read delivered events/s, p50/p99 and dropped clients; the server's CPU and peak RSS.
A rate is "held" when every client stayed connected, received every record produced, and p99
stayed under 1 s. Prints medians of --repeat runs per rate. BENCH_REALTIME_LOGGING_LEVEL sets
realtimed's log level (WARNING). The producer lingers --producer-linger-ms (librdkafka's default,
5 ms), inside every latency. The broker's share: --repeat runs of a plain librdkafka consumer
(broker_floor.py) with ingestd's fetch wait, on a fresh topic at the same rate, before the stacks
(and after the scoped comparison at its rate); --no-broker-floor skips them.

Then the scoped and filtered fan-out comparison (issues 18 and 19; `--only scoped` runs it alone):
--scope-clients (1,000) clients at --scope-rate (1,000) records/s of one record stream
(scoped_records.py: 100 merchants' records and 20% public ones, 50 shops), in three runs side
by side, each on a fresh stack and topic, interleaved per repeat:
  plain     AUTH_MODE=none, no subscribe: every client gets every record;
  scoped    AUTH_MODE=token, 10 clients per merchant token: public records and their merchant's;
  filtered  AUTH_MODE=none, subscribe with one of 50 filters value.shop = "s<k>": their shop's.
Every client's count must equal what it may see (`sio-bench load --per-client`), so a figure
cannot come from a broken scope or filter. Reports realtimed's CPU and peak RSS alone.

`--only scale` (issue 17): --scale-clients (15,000) WebSocket clients, --scale-eio3-share of
them Engine.IO v3, spread over --scale-source-addresses loopback addresses, connect at once to
one server; then --scale-rate (10) records/s reach every client (150,000 deliveries/s). Reports
the seconds until all were connected, the server's RSS growth per idle connection (VmRSS once
connected, before any record, minus VmRSS before the clients), latency, drops and CPU, for
ingestd + realtimed and the Python peer (python-socketio 5 speaks only Engine.IO v4, so its
clients are all v4; --scale-peer-runs runs of it).
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import socketio
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from benchproc import (TansuBroker, add_stack_arguments, cpu_seconds, free_port, peak_rss_mb, status_kib, stop, wait_http_ok,
                       write_calls)
from scoped_records import OPERATOR_TOKEN, ScopedRecords

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(ROOT, "scripts", "bench", "python_realtime_peer.py")
BROKER_FLOOR = os.path.join(ROOT, "scripts", "bench", "broker_floor.py")
# librdkafka's default linger.ms. The producer's wait is inside every latency measured (CreateTime
# is stamped at produce). With 1 ms each record became a batch of its own, and Tansu's memory
# storage lists every stored batch of a partition on each fetch: its CPU grew with the topic to
# 0.5-0.8 of the 2 cores at 1,000 records/s, and with a short fetch wait it stopped answering.
PRODUCER_LINGER_MS = 5.0
# ingestd's fetch.wait.max.ms (Shared/Kafka/KafkaConsumerConfiguration.swift).
INGESTD_FETCH_WAIT_MS = 20
VALUE_PAD = "x" * 40


def record(sequence: int) -> bytes:
    """A Price Wars buyOffer-like JSON value of about 200 bytes."""
    return json.dumps({
        "amount": 1, "consumer_id": "M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=", "http_code": 200,
        "left_in_stock": 29, "merchant_id": "p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8=",
        "offer_id": sequence % 97, "price": 35.0, "uid": sequence, "pad": VALUE_PAD,
    }).encode()


class PacedProducer:
    """Produces `rate` records/s to `topic` for `seconds`, on its own thread."""

    def __init__(self, bootstrap: str, topic: str, rate: float, seconds: float, make=record, partition_of=None,
                 linger_ms: float = PRODUCER_LINGER_MS):
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": linger_ms, "acks": 1})
        self.topic, self.rate, self.seconds, self.make = topic, rate, seconds, make
        self.partition_of = partition_of
        self.produced = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        start = time.perf_counter()
        while True:
            elapsed = time.perf_counter() - start
            if elapsed >= self.seconds:
                break
            due = int(elapsed * self.rate)
            while self.produced < due:
                if self.partition_of:
                    self.producer.produce(self.topic, self.make(self.produced), partition=self.partition_of(self.produced))
                else:
                    self.producer.produce(self.topic, self.make(self.produced))
                self.produced += 1
            self.producer.poll(0)
            time.sleep(0.0005)
        self.producer.flush(10)

    def join(self) -> None:
        self.thread.join()


class Stack:
    """The server side under test, listening for Socket.IO clients on `port`."""

    def __init__(self, kind: str, args, bootstrap: str, topic: str, realtime_settings=None, probe_token=None,
                 topic_regex=None, ingest_settings=None):
        self.kind = kind
        self.probe_token = probe_token
        self.port = free_port()
        self.processes = []
        if kind == "ours":
            http, pub, snap = free_port(), free_port(), free_port()
            ingest_env = dict(os.environ, **(ingest_settings or {}), KAFKA_HOSTS=bootstrap, CONSUMER_GROUP=f"bench-{time.time()}",
                              ALLOWED_TOPICS_REGEX=topic_regex or f"^{topic}$", START_FROM="end", TOPIC_FORMATS=".*=json",
                              LOGGING_LEVEL="WARNING", BUS_PUBLISH_BIND=f"tcp://127.0.0.1:{pub}",
                              BUS_SNAPSHOT_BIND=f"tcp://127.0.0.1:{snap}", INGEST_HTTP_HOST="127.0.0.1",
                              INGEST_HTTP_PORT=str(http))
            self.processes.append(subprocess.Popen([args.ingestd], env=ingest_env))
            wait_http_ok(f"http://127.0.0.1:{http}/health")
            realtime_env = dict(os.environ, BUS_CONNECT=f"tcp://127.0.0.1:{pub}",
                                BUS_SNAPSHOT_CONNECT=f"tcp://127.0.0.1:{snap}", PORT=str(self.port),
                                HOST="127.0.0.1", API_FAMILIES="pricewars", PRICEWARS_LIVE_OBJECTS="true",
                                LOGGING_LEVEL=os.environ.get("BENCH_REALTIME_LOGGING_LEVEL", "WARNING"),
                                **(realtime_settings or {}))
            self.server = subprocess.Popen([args.realtimed], env=realtime_env)
            self.processes.append(self.server)
            wait_http_ok(f"http://127.0.0.1:{self.port}/health")
        else:
            self.server = subprocess.Popen([sys.executable, PEER, bootstrap, str(self.port), topic],
                                           stdout=subprocess.PIPE, text=True)
            self.processes.append(self.server)
            for expected in ("listening", "assigned"):
                line = self.server.stdout.readline().strip()
                if line != expected:
                    raise RuntimeError(f"python peer said {line!r}, expected {expected!r}")
        self.bootstrap, self.topic = bootstrap, topic
        self.wait_until_idle()

    def wait_until_idle(self) -> None:
        """Produces probe records until a python-socketio client receives one live: then the
        consumer is assigned and every record produced earlier has been delivered (one partition,
        in order), so a measurement starts with no backlog. It waits for the last probe sent, so
        none is still on its way to the clients that connect next."""
        seen = threading.Event()
        client = socketio.Client()
        probes = [0]

        def on_event(data, *_offset):  # objects (PRICEWARS_LIVE_OBJECTS, as the python peer); an offset with recovery on
            if (isinstance(data, dict) and isinstance(data.get("value"), dict) and data["value"].get("uid") == -1
                    and data["value"].get("probe") == probes[0]):
                seen.set()

        client.on(self.topic, on_event)
        auth = {"token": self.probe_token} if self.probe_token else None
        client.connect(f"http://127.0.0.1:{self.port}", transports=["websocket"], auth=auth)
        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 1})
        try:
            deadline = time.time() + 120
            while not seen.is_set():
                if time.time() > deadline:
                    raise RuntimeError(f"{self.kind}: no probe record reached a client within 120 s")
                probes[0] += 1
                producer.produce(self.topic, json.dumps(dict(json.loads(record(-1)), probe=probes[0])).encode())
                producer.flush(5)
                seen.wait(0.3)
        finally:
            client.disconnect()

    def cpu_seconds(self) -> float:
        """CPU seconds used by every process of the stack (ingestd and realtimed, or the peer)."""
        return sum(cpu_seconds(process.pid) for process in self.processes)

    def peak_rss_mb(self) -> float:
        return sum(peak_rss_mb(process.pid) for process in self.processes)

    def server_cpu_seconds(self) -> float:
        """CPU seconds of the Socket.IO server alone (realtimed, or the peer)."""
        return cpu_seconds(self.server.pid)

    def close(self) -> None:
        for process in reversed(self.processes):
            stop(process)


def age_buckets(stack: Stack) -> dict:
    """realtimed's `realtime_record_age_seconds` (Kafka timestamp to emit) cumulative buckets,
    summed over topics: upper bound (s) -> count; {} for the Python peer."""
    if stack.kind != "ours":
        return {}
    buckets = {}
    request = urllib.request.Request(f"http://127.0.0.1:{stack.port}/metrics")
    if stack.probe_token:
        # AUTH_MODE=token: the metrics are an operator's.
        request.add_header("Authorization", f"Bearer {stack.probe_token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("realtime_record_age_seconds_bucket"):
                bound = line.split('le="', 1)[1].split('"', 1)[0]
                upper = float("inf") if bound == "+Inf" else float(bound)
                buckets[upper] = buckets.get(upper, 0) + float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_quantile(before: dict, after: dict, quantile: float):
    """The quantile (ms) of the observations between two cumulative bucket readings, linearly
    interpolated within its bucket; None without observations."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    target, lower, below = quantile * counts[-1], 0.0, 0.0
    for bound, count in zip(bounds, counts):
        if count >= target:
            if bound == float("inf"):
                return lower * 1000
            return (lower + (bound - lower) * (target - below) / max(count - below, 1e-9)) * 1000
        lower, below = bound, count
    return None


def measure(args, stack: Stack, bootstrap: str, topic: str, rate: float) -> dict:
    stack.wait_until_idle()
    load = subprocess.Popen(
        [args.sio_bench, "load", "--port", str(stack.port), "--clients", str(args.clients),
         "--event", topic, "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--passive",
         "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--linger", "3", "--threads", str(args.load_threads)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = load.stdout.readline()
    if not line.startswith("started"):
        load.kill()
        raise RuntimeError(f"load against {stack.kind} did not start: {line!r} {load.stderr.read()}")
    cpu_before, started = stack.cpu_seconds(), time.perf_counter()
    producer = PacedProducer(bootstrap, topic, rate, args.warmup + args.seconds + 0.2, linger_ms=args.producer_linger_ms)
    producer.start()
    time.sleep(args.warmup)
    ages_before = age_buckets(stack)
    producer.join()
    ages_after = age_buckets(stack)
    cpu_cores = (stack.cpu_seconds() - cpu_before) / (time.perf_counter() - started)
    output, errors = load.communicate(timeout=300)
    if load.returncode != 0:
        raise RuntimeError(f"load against {stack.kind} failed: {errors.strip()}")
    figures = json.loads(output.strip().splitlines()[-1])
    figures["stack_cpu_cores"] = cpu_cores
    figures["stack_peak_rss_mb"] = stack.peak_rss_mb()
    # Where the milliseconds go: Kafka timestamp to realtimed's emit (its age histogram over the
    # measured window), the rest is the fan-out write and the client.
    figures["emit_age_p50_ms"] = bucket_quantile(ages_before, ages_after, 0.5)
    figures["emit_age_p99_ms"] = bucket_quantile(ages_before, ages_after, 0.99)
    # Every record produced reached every client (all_deliveries counts the whole run, warmup
    # included), none was dropped, and latency stayed bounded.
    figures["produced"] = producer.produced
    figures["held"] = (figures["dropped"] == 0 and figures["all_deliveries"] >= producer.produced * args.clients
                       and float(figures["p99_ms"]) < 1000)
    return figures


def measure_broker_floor(args, broker: TansuBroker, topic: str, rate: float, fetch_wait_ms: float) -> dict:
    """The broker's share: a plain librdkafka consumer (broker_floor.py, its own process) with
    `fetch_wait_ms` reads a fresh `topic` while the same producer writes it at `rate`."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    consumer = subprocess.Popen([sys.executable, BROKER_FLOOR, broker.bootstrap, topic, f"{fetch_wait_ms:g}",
                                 str(args.warmup), str(args.seconds)], stdout=subprocess.PIPE, text=True)
    try:
        line = consumer.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"broker floor consumer said {line!r}")
        producer = PacedProducer(broker.bootstrap, topic, rate, args.warmup + args.seconds + 0.2,
                                 linger_ms=args.producer_linger_ms)
        producer.start()
        producer.join()
        output, _ = consumer.communicate(timeout=60)
    finally:
        stop(consumer)
    return json.loads(output.strip().splitlines()[-1])


def broker_floors(args, broker: TansuBroker, rate: float, fetch_wait_ms: float, name: str) -> list:
    floors = [measure_broker_floor(args, broker, f"{name}{index}", rate, fetch_wait_ms) for index in range(args.repeat)]
    print(f"broker floor, fetch.wait.max.ms={fetch_wait_ms:g}: {json.dumps(floors)}", file=sys.stderr)
    return floors


def floor_figures(floors: list) -> str:
    done = [f for f in floors if f["p50_ms"] is not None]
    if not done:
        return "no record received"
    return (f"p50 {statistics.median(f['p50_ms'] for f in done):.1f} ms, "
            f"p99 {statistics.median(f['p99_ms'] for f in done):.1f} ms")


def highest_rate_held(args, stack: Stack, bootstrap: str, topic: str, first: dict, kind: str):
    """Walks the rate ladder up from --rate while rates are held, or down while they are not."""
    ladder = sorted({args.rate, *(float(r) for r in args.rates.split(",") if r)})
    index = ladder.index(args.rate)
    run = first
    held = None
    step = 1 if first["held"] else -1
    while True:
        print(f"{kind}: {ladder[index]:,.0f} records/s -> {json.dumps(run)}", file=sys.stderr)
        if run["held"]:
            held = ladder[index]
        if run["held"] != (step == 1) or not 0 <= index + step < len(ladder):
            return held, held == ladder[-1]
        index += step
        run = measure(args, stack, bootstrap, topic, ladder[index])


SCOPED_KINDS = ("plain", "scoped", "filtered")


def measure_scoped(args, broker: TansuBroker, records: ScopedRecords, kind: str, topic: str, operators: str) -> dict:
    """One run of the comparison: a fresh topic and stack, `--scope-clients` clients of `kind`
    (plain, scoped or filtered), the records at `--scope-rate`; checks every client's count."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    settings = {"AUTH_MODE": "token", "OPERATOR_TOKENS_FILE": operators} if kind == "scoped" else {"AUTH_MODE": "none"}
    stack = Stack("ours", args, broker.bootstrap, topic, realtime_settings=settings,
                  probe_token=OPERATOR_TOKEN if kind == "scoped" else None)
    try:
        load = subprocess.Popen(
            [args.sio_bench, "load", "--port", str(stack.port), "--clients", str(args.scope_clients),
             "--event", topic, "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--passive",
             "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--linger", "3",
             "--threads", str(args.load_threads), "--per-client", *records.load_arguments(kind)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = load.stdout.readline()
        if not line.startswith("started"):
            load.kill()
            raise RuntimeError(f"{kind} load did not start: {line!r} {load.stderr.read()}")
        cpu_before, server_before, started = stack.cpu_seconds(), stack.server_cpu_seconds(), time.perf_counter()
        writes_before = write_calls(stack.server.pid)
        producer = PacedProducer(broker.bootstrap, topic, args.scope_rate, args.warmup + args.seconds + 0.2,
                                 make=records.record, linger_ms=args.producer_linger_ms)
        producer.start()
        time.sleep(args.warmup)
        ages_before = age_buckets(stack)
        producer.join()
        ages_after = age_buckets(stack)
        elapsed = time.perf_counter() - started
        figures = {"stack_cpu_cores": (stack.cpu_seconds() - cpu_before) / elapsed,
                   "realtimed_cpu_cores": (stack.server_cpu_seconds() - server_before) / elapsed,
                   "realtimed_writes_per_s": (write_calls(stack.server.pid) - writes_before) / elapsed,
                   "emit_age_p50_ms": bucket_quantile(ages_before, ages_after, 0.5),
                   "emit_age_p99_ms": bucket_quantile(ages_before, ages_after, 0.99)}
        output, errors = load.communicate(timeout=300)
        if load.returncode != 0:
            raise RuntimeError(f"{kind} load failed: {errors.strip()}")
        figures["realtimed_peak_rss_mb"] = peak_rss_mb(stack.server.pid)
    finally:
        stack.close()
    figures.update(json.loads(output.strip().splitlines()[-1]))
    received = figures.pop("per_client_all_deliveries")
    expected = records.expected(kind, producer.produced, args.scope_clients)
    figures["produced"] = producer.produced
    figures["expected_deliveries"] = sum(expected)
    figures["clients_exact"] = sum(got == want for got, want in zip(received, expected))
    figures["clients_over"] = sum(got > want for got, want in zip(received, expected))
    figures["clients_under"] = sum(got < want for got, want in zip(received, expected))
    figures["held"] = (figures["dropped"] == 0 and figures["clients_exact"] == args.scope_clients
                       and float(figures["p99_ms"]) < 1000)
    return figures


def scoped_comparison(args, broker: TansuBroker) -> dict:
    """`--repeat` rounds of plain, scoped and filtered runs, interleaved so they share the
    machine's state; returns the runs per kind."""
    records = ScopedRecords(args.merchants, args.shops)
    runs = {kind: [] for kind in SCOPED_KINDS}
    with tempfile.NamedTemporaryFile("w", suffix=".operators", delete=False) as operators:
        operators.write(hashlib.sha256(OPERATOR_TOKEN.encode()).hexdigest() + "\n")
    try:
        for round_index in range(args.repeat):
            for kind in SCOPED_KINDS:
                figures = measure_scoped(args, broker, records, kind, f"scoped{round_index}{kind}", operators.name)
                print(f"{kind}: {json.dumps(figures)}", file=sys.stderr)
                runs[kind].append(figures)
    finally:
        os.unlink(operators.name)
    return runs


def print_scoped(args, runs: dict, load_before, load_after, floors: list) -> None:
    print()
    print(f"Scoped and filtered fan-out (issues 18, 19): {args.scope_clients:,} WebSocket clients, "
          f"{args.scope_rate:,.0f} records/s ({args.merchants} merchants + 20% public records, {args.shops} shops), "
          f"median of {args.repeat} runs of {args.seconds:g} s, one machine ({os.cpu_count()} cores), "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"{'run':48} {'p50 ms':>8} {'p99 ms':>8} {'deliv/s':>10} {'rt writes/s':>11} {'rt CPU':>7} {'stack CPU':>9} "
          f"{'rt peak MB':>10} {'exact clients':>14} {'emit age p50/p99 ms':>20}")
    per_merchant = args.scope_clients // args.merchants
    labels = {"plain": "plain: AUTH_MODE=none, no filter",
              "scoped": f"scoped: AUTH_MODE=token, {args.merchants} x {per_merchant} clients",
              "filtered": f"filtered: {args.shops} filters x {args.scope_clients // args.shops} clients"}
    for kind in SCOPED_KINDS:
        kind_runs = runs[kind]
        exact = min(r["clients_exact"] for r in kind_runs)
        print(f"{labels[kind]:48} {statistics.median(float(r['p50_ms']) for r in kind_runs):8.1f} "
              f"{statistics.median(float(r['p99_ms']) for r in kind_runs):8.1f} "
              f"{statistics.median(r['deliveries_per_s'] for r in kind_runs):10,.0f} "
              f"{statistics.median(r['realtimed_writes_per_s'] for r in kind_runs):11,.0f} "
              f"{statistics.median(r['realtimed_cpu_cores'] for r in kind_runs):7.2f} "
              f"{statistics.median(r['stack_cpu_cores'] for r in kind_runs):9.2f} "
              f"{max(r['realtimed_peak_rss_mb'] for r in kind_runs):10.1f} "
              f"{f'{exact}/{args.scope_clients}':>14} {emit_ages(kind_runs):>20}")
    print("rt = realtimed alone (CPU cores; writes/s: its write system calls; peak MB: peak RSS); stack = ingestd + realtimed; exact clients: the fewest, over the runs, whose "
          "count equals what they may see (all records / public + own merchant's / own shop's); emit age: Kafka timestamp "
          "to realtimed's emit, the rest of p50/p99 is the fan-out write and the client's read")
    if floors:
        print(f"broker floor, a plain librdkafka consumer with fetch.wait.max.ms={INGESTD_FETCH_WAIT_MS} at "
              f"{args.scope_rate:,.0f} records/s, no Socket.IO clients: {floor_figures(floors)}; producer "
              f"linger.ms={args.producer_linger_ms:g}, inside every figure")


def measure_scale(args, broker: TansuBroker, kind: str, topic: str) -> dict:
    """One scale run on a fresh topic and stack: connect, idle memory, then records to everyone."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    stack = Stack(kind, args, broker.bootstrap, topic)
    try:
        rss_before = status_kib(stack.server.pid, "VmRSS")
        load = subprocess.Popen(
            [args.sio_bench, "load", "--port", str(stack.port), "--clients", str(args.scale_clients),
             "--event", topic, "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--passive",
             "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--linger", "3",
             "--threads", str(args.load_threads), "--source-addresses", str(args.scale_source_addresses),
             "--eio3-share", str(args.scale_eio3_share if kind == "ours" else 0)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = load.stdout.readline()
        if not line.startswith("started"):
            load.kill()
            return {"kind": kind, "held": False, "failed": (line.strip() + " " + load.stderr.read().strip()).strip()}
        figures = json.loads(line[len("started"):])
        rss_idle = status_kib(stack.server.pid, "VmRSS")
        figures["idle_kib_per_connection"] = (rss_idle - rss_before) / args.scale_clients
        figures["idle_rss_mb"] = rss_idle / 1024
        cpu_before, server_before, started = stack.cpu_seconds(), stack.server_cpu_seconds(), time.perf_counter()
        producer = PacedProducer(broker.bootstrap, topic, args.scale_rate, args.warmup + args.seconds + 0.2,
                                 linger_ms=args.producer_linger_ms)
        producer.start()
        producer.join()
        elapsed = time.perf_counter() - started
        figures["stack_cpu_cores"] = (stack.cpu_seconds() - cpu_before) / elapsed
        figures["server_cpu_cores"] = (stack.server_cpu_seconds() - server_before) / elapsed
        output, errors = load.communicate(timeout=600)
        figures["server_peak_rss_mb"] = peak_rss_mb(stack.server.pid)
    finally:
        stack.close()
    if load.returncode != 0:
        return dict(figures, kind=kind, held=False, failed=errors.strip())
    figures.update(json.loads(output.strip().splitlines()[-1]))
    figures["produced"] = producer.produced
    figures["held"] = (figures["dropped"] == 0 and figures["all_deliveries"] >= producer.produced * args.scale_clients
                       and float(figures["p99_ms"]) < 1000)
    return figures


def scale_comparison(args, broker: TansuBroker) -> dict:
    """`--repeat` scale runs of ingestd + realtimed, then `--scale-peer-runs` of the Python peer."""
    runs = {"ours": [], "python": []}
    for kind, count in (("ours", args.repeat), ("python", args.scale_peer_runs)):
        for index in range(count):
            figures = measure_scale(args, broker, kind, f"scale{kind}{index}")
            print(f"scale {kind}: {json.dumps(figures)}", file=sys.stderr)
            runs[kind].append(figures)
    return runs


def print_scale(args, runs: dict, load_before, load_after) -> None:
    print()
    print(f"Scale (issue 17): {args.scale_clients:,} WebSocket clients at once over {args.scale_source_addresses} "
          f"loopback addresses ({args.scale_eio3_share:.0%} Engine.IO v3 against ours, all v4 against python-socketio 5), "
          f"then {args.scale_rate:g} records/s to each ({args.scale_rate * args.scale_clients:,.0f} deliveries/s) for "
          f"{args.seconds:g} s; medians; one machine ({os.cpu_count()} cores), load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after")
    print(f"{'stack':30} {'runs':>4} {'connect s':>9} {'idle KiB/conn':>13} {'p50 ms':>8} {'p99 ms':>8} {'deliv/s':>9} "
          f"{'dropped':>7} {'srv CPU':>7} {'srv peak MB':>11} {'held':>6}")
    labels = {"ours": "ingestd + realtimed (Swift)", "python": "python peer (seeds' way)"}
    for kind, kind_runs in runs.items():
        if not kind_runs:
            continue
        done = [r for r in kind_runs if "failed" not in r]
        held = sum(r["held"] for r in kind_runs)
        if not done:
            reason = kind_runs[0]["failed"].splitlines()[-1] if kind_runs[0]["failed"] else "failed"
            print(f"{labels[kind]:30} {len(kind_runs):>4}  did not complete: {reason[:120]}")
            continue

        def median(key, runs=done):
            return statistics.median(float(r[key]) for r in runs)
        print(f"{labels[kind]:30} {len(kind_runs):>4} {median('connect_seconds'):9.2f} {median('idle_kib_per_connection'):13.2f} "
              f"{median('p50_ms'):8.1f} {median('p99_ms'):8.1f} {median('deliveries_per_s'):9,.0f} "
              f"{max(r['dropped'] for r in done):7} {median('server_cpu_cores'):7.2f} "
              f"{max(r['server_peak_rss_mb'] for r in done):11.1f} {f'{held}/{len(kind_runs)}':>6}")
    print("connect s: from the first connect to the last client's Socket.IO CONNECT answered; idle KiB/conn: the "
          "server's VmRSS growth per connected client before any record; srv = realtimed (or the peer) alone; "
          "held: every client stayed and got every record, p99 under 1 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1000, help="records/s of the latency measurement")
    parser.add_argument("--rates", default="10,25,50,100,250,500,2000,4000,8000,16000",
                        help="the ladder of records/s rates walked from --rate for the highest rate held")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--load-threads", type=int, default=2, help="event loop threads of the load generator")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--short-fetch-wait", type=float, default=0,
                        help="also run ours with ingestd's fetch.wait.max.ms at this (ms; 0: not); Tansu holds every fetch for the whole wait")
    parser.add_argument("--producer-linger-ms", type=float, default=PRODUCER_LINGER_MS,
                        help="the producer's linger.ms (librdkafka's default 5); its wait counts in every latency")
    parser.add_argument("--no-broker-floor", action="store_true",
                        help="skip the plain Kafka consumer runs that measure the broker's share of the latency")
    parser.add_argument("--scale-clients", type=int, default=15000, help="clients of the scale run")
    parser.add_argument("--scale-rate", type=float, default=10, help="records/s of the scale run")
    parser.add_argument("--scale-eio3-share", type=float, default=0.5, help="share of Engine.IO v3 clients (ours)")
    parser.add_argument("--scale-source-addresses", type=int, default=60, help="loopback source addresses of the scale run")
    parser.add_argument("--scale-peer-runs", type=int, default=1, help="runs of the Python peer in the scale run")
    parser.add_argument("--only", choices=["ours", "python", "scoped", "scale"],
                        help="measure one stack only, or only the scoped and filtered comparison")
    parser.add_argument("--scope-clients", type=int, default=1000, help="clients of the scoped/filtered comparison")
    parser.add_argument("--scope-rate", type=float, default=1000, help="records/s of the scoped/filtered comparison")
    parser.add_argument("--merchants", type=int, default=100, help="merchant tokens of the scoped run")
    parser.add_argument("--shops", type=int, default=50, help="distinct filters of the filtered run")
    args = parser.parse_args()

    broker = TansuBroker(args.tansu)
    results = {}
    scoped_runs = None
    try:
        kinds = [] if args.only in ("scoped", "scale") else [args.only] if args.only else ["ours", "python"]
        # (row, stack kind, ingestd settings); "ours-fetch": the broker's fetch wait cut to
        # --short-fetch-wait ms (where the milliseconds go: Tansu answers an empty fetch only
        # when fetch.wait.max.ms ends).
        variants = [(kind, kind, {}) for kind in kinds]
        if args.short_fetch_wait and "ours" in kinds:
            variants.insert(kinds.index("ours") + 1,
                            ("ours-fetch", "ours", {"KAFKA_PROPERTY_FETCH_WAIT_MAX_MS": f"{args.short_fetch_wait:g}"}))
        floors = {}
        if "ours" in kinds and not args.no_broker_floor:
            floors[INGESTD_FETCH_WAIT_MS] = broker_floors(args, broker, args.rate, INGESTD_FETCH_WAIT_MS, "floor")
            if args.short_fetch_wait:
                floors[args.short_fetch_wait] = broker_floors(args, broker, args.rate, args.short_fetch_wait, "floorshort")
        for index, (row, kind, ingest_settings) in enumerate(variants):
            topic = f"bench{index}"
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
            stack = Stack(kind, args, broker.bootstrap, topic, ingest_settings=ingest_settings)
            try:
                runs = [measure(args, stack, broker.bootstrap, topic, args.rate) for _ in range(args.repeat)]
                # The rate ladder with default settings only; None: not run.
                ladder = None if ingest_settings else highest_rate_held(args, stack, broker.bootstrap, topic, runs[0], kind)
                results[row] = (runs, ladder)
            finally:
                stack.close()
        if args.only in (None, "scoped"):
            load_before = os.getloadavg()
            scoped_runs = scoped_comparison(args, broker)
            scoped_floors = [] if args.no_broker_floor else broker_floors(
                args, broker, args.scope_rate, INGESTD_FETCH_WAIT_MS, "scopedfloor")
            load_after = os.getloadavg()
        if args.only == "scale":
            scale_load_before = os.getloadavg()
            scale_runs = scale_comparison(args, broker)
            scale_load_after = os.getloadavg()
    finally:
        broker.close()

    if results:
        print_plain(args, results, floors)
    if scoped_runs:
        print_scoped(args, scoped_runs, load_before, load_after, scoped_floors)
    if args.only == "scale":
        print_scale(args, scale_runs, scale_load_before, scale_load_after)


def print_plain(args, results: dict, floors: dict) -> None:
    print()
    print(f"Kafka produce -> Socket.IO client receipt, {args.clients} WebSocket clients, {args.rate:,.0f} records/s, "
          f"median of {args.repeat} runs of {args.seconds:g} s, one machine ({os.cpu_count()} cores)")
    print(f"{'stack':34} {'p50 ms':>8} {'p99 ms':>8} {'deliv/s':>9} {'CPU cores':>10} {'RSS MB':>7} {'highest rate held':>18} "
          f"{'emit age p50/p99 ms':>20}")
    labels = {"ours": "ingestd + realtimed (Swift)", "python": "python peer (seeds' way)",
              "ours-fetch": f"  same, fetch.wait.max.ms={args.short_fetch_wait:g}"}
    for kind, (runs, ladder) in results.items():
        highest, top = ladder or (None, False)
        held = "not run" if ladder is None else "none" if highest is None else f"{'>= ' if top else ''}{highest:,.0f}/s"
        print(f"{labels[kind]:34} {statistics.median(float(r['p50_ms']) for r in runs):8.1f} "
              f"{statistics.median(float(r['p99_ms']) for r in runs):8.1f} "
              f"{statistics.median(r['deliveries_per_s'] for r in runs):9,.0f} "
              f"{statistics.median(r['stack_cpu_cores'] for r in runs):10.2f} "
              f"{max(r['stack_peak_rss_mb'] for r in runs):7.1f} "
              f"{held:>18} {emit_ages(runs):>20}")
    for wait, wait_floors in floors.items():
        print(f"broker floor, a plain librdkafka consumer with fetch.wait.max.ms={wait:g} at the same rate: {floor_figures(wait_floors)}")
    print("emit age: Kafka timestamp to realtimed's emit (realtime_record_age_seconds over the measured window, "
          "interpolated in its buckets); p50/p99 minus it is the fan-out write and the client's read; "
          f"producer linger.ms={args.producer_linger_ms:g}, inside every figure")


def emit_ages(runs) -> str:
    p50s = [r["emit_age_p50_ms"] for r in runs if r.get("emit_age_p50_ms") is not None]
    p99s = [r["emit_age_p99_ms"] for r in runs if r.get("emit_age_p99_ms") is not None]
    return f"{statistics.median(p50s):.1f} / {statistics.median(p99s):.1f}" if p50s and p99s else "-"


if __name__ == "__main__":
    main()
