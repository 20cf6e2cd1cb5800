"""Export benchmark driver (run through scripts/bench-export).

Starts a Tansu broker, fills topic buyOffer with BENCH_ROWS records visible to merchant alpha
(half public, half alpha's own) plus a fifth as many of merchant beta's (which alpha must not
get), starts ingestd and exportd, waits until exportd stored everything, then times alpha's
export of the topic:
  - exportd, streamed:  GET /export/data/buyOffer.csv  (time to first byte, total)
  - exportd, the seed's two steps: GET /export/data/buyOffer -> {"url"}, GET the file
  - the seed's way: on each request read the whole topic from Kafka (confluent-kafka), filter
    for the merchant and write the CSV file, then answer (as the Price Wars proxy did)
  - exportd with ?filter= (issue 19), streamed: a filter every record passes (the same 100,000
    rows: what judging each record costs) and a selective one (with the two-step form too);
    the row counts are checked against the same filter applied to the produced values here
Prints medians, exportd's RSS and the ratio.
"""
import base64
import csv
import hashlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "7"))
SEED_REQUESTS = int(os.environ.get("BENCH_SEED_REQUESTS", "3"))
# Filters (issue 19): one every record passes, one that keeps about a quarter of the rows.
FILTER_ALL = "value.price > 0"
FILTER_SELECTIVE = "value.price >= 38 and value.product_id in [1, 2, 3]"
ALPHA_TOKEN = "alphaTokenK3x9Qm2Lw8Rt5Yv1"
BETA_TOKEN = "betaTokenP7s4Dn6Jh2Gf9Ck0"
TOPIC = "buyOffer"


def merchant_id(token):
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def get(port, path, headers=None):
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})) as r:
        return r.status, r.read()


def metric(port, name):
    _, body = get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def timed_get(port, path, headers):
    """(time to first body byte, total, body size) of one GET."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - start
    rest = response.read()
    total = time.perf_counter() - start
    connection.close()
    assert response.status == 200, response.status
    return ttfb, total, len(first) + len(rest), first + rest


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def record(n, owner):
    value = {"amount": 1, "consumer_id": "M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=", "http_code": 200,
             "left_in_stock": n % 30, "offer_id": n % 50, "price": 35.0 + n % 7, "product_id": 1 + n % 5,
             "quality": 1, "timestamp": "2018-03-16T10:%02d:%02d.%03dZ" % (n // 60000 % 60, n // 1000 % 60, n % 1000),
             "uid": 11 + n % 4}
    if owner:
        value["merchant_id"] = owner
    return json.dumps(value).encode()


def seed_export(bootstrap, merchant, directory):
    """The seed proxy's way, per request: read the topic, filter, write CSV, answer the path."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"seed-{time.time()}",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    low, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
    consumer.assign([TopicPartition(TOPIC, 0, low)])
    rows, fields = [], {}
    done = low >= high
    while not done:
        for message in consumer.consume(num_messages=10000, timeout=1.0):
            if message.error():
                if message.error().code() == -191:  # partition EOF
                    done = True
                continue
            value = json.loads(message.value())
            if "merchant_id" not in value or value["merchant_id"] == merchant:
                rows.append(value)
                for key in value:
                    fields.setdefault(key, None)
            if message.offset() >= high - 1:
                done = True
    consumer.close()
    path = os.path.join(directory, "dump.csv")
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields))
        writer.writeheader()
        writer.writerows(rows)
    return path, len(rows)


def main():
    ingestd_bin, exportd_bin, tansu_bin = sys.argv[1:4]
    work = tempfile.mkdtemp(prefix="bench-export-")
    processes = []
    try:
        kafka_port = free_port()
        url = f"tcp://127.0.0.1:{kafka_port}"
        processes.append(subprocess.Popen([tansu_bin, "broker", "--listener-url", url, "--advertised-listener-url", url,
                                           "--storage-engine", "memory://tansu/"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"}))
        bootstrap = f"127.0.0.1:{kafka_port}"
        wait_until(lambda: socket.create_connection(("127.0.0.1", kafka_port), 0.2).close() is None, 20, "Tansu")
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.create_topics([NewTopic(TOPIC, 1, 1)]).values():
            future.result()

        alpha, beta = merchant_id(ALPHA_TOKEN), merchant_id(BETA_TOKEN)
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000})
        total_records = ROWS + ROWS // 5
        started = time.time()
        for n in range(total_records):
            owner = beta if n % 6 == 5 else (alpha if n % 2 else None)
            while True:
                try:
                    producer.produce(TOPIC, record(n, owner))
                    break
                except BufferError:
                    producer.poll(0.05)
        producer.flush()
        print(f"produced {total_records} records ({ROWS} visible to alpha) in {time.time() - started:.1f} s", flush=True)

        http_ingest, pub, snap, http_export = free_port(), free_port(), free_port(), free_port()
        env = {**os.environ, "KAFKA_HOSTS": bootstrap, "CONSUMER_GROUP": "bench-export", "INGEST_HTTP_HOST": "127.0.0.1",
               "INGEST_HTTP_PORT": str(http_ingest), "BUS_PUBLISH_BIND": f"tcp://127.0.0.1:{pub}",
               "BUS_SNAPSHOT_BIND": f"tcp://127.0.0.1:{snap}", "LOGGING_LEVEL": "WARNING"}
        processes.append(subprocess.Popen([ingestd_bin], env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "ingestd.log"), "w")))
        wait_until(lambda: get(http_ingest, "/health")[0] == 200, 60, "ingestd /health")
        data = os.path.join(work, "data")
        env = {**os.environ, "BUS_CONNECT": f"tcp://127.0.0.1:{pub}", "BUS_SNAPSHOT_CONNECT": f"tcp://127.0.0.1:{snap}",
               "DATA_DIR": data, "HOST": "127.0.0.1", "PORT": str(http_export), "LOGGING_LEVEL": "WARNING",
               "MERCHANT_TOPICS": TOPIC}
        started = time.time()
        exportd = subprocess.Popen([exportd_bin], env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "exportd.log"), "w"))
        processes.append(exportd)
        wait_until(lambda: metric(http_export, "export_records_stored_total") >= total_records, 300, "exportd to store every record")
        print(f"exportd caught up (replay of {total_records} records) in {time.time() - started:.1f} s", flush=True)

        headers = {"Authorization": "Token " + ALPHA_TOKEN}
        # The unfiltered and the filtered streams take turns, so their medians see the same load.
        stream_ttfb, stream_total, rows_seen = [], [], 0
        filtered = {name: ([], [], 0, 0) for name in ("all", "selective")}
        filter_paths = {name: f"/export/data/{TOPIC}.csv?filter=" + urllib.parse.quote(text, safe="")
                        for name, text in (("all", FILTER_ALL), ("selective", FILTER_SELECTIVE))}
        for _ in range(REQUESTS):
            ttfb, total, size, body = timed_get(http_export, f"/export/data/{TOPIC}.csv", headers)
            stream_ttfb.append(ttfb)
            stream_total.append(total)
            rows_seen = body.count(b"\n") - 1
            for name, path in filter_paths.items():
                ttfb, total, filtered_size, body = timed_get(http_export, path, headers)
                ttfbs, totals, _, _ = filtered[name]
                ttfbs.append(ttfb)
                totals.append(total)
                filtered[name] = (ttfbs, totals, body.count(b"\n") - 1, filtered_size)
        assert rows_seen == ROWS, f"exportd export holds {rows_seen} rows, expected {ROWS}"
        assert filtered["all"][2] == ROWS, f"filter passing every record gave {filtered['all'][2]} rows"
        expected_selective = sum(1 for n in range(total_records)
                                 if n % 6 != 5 and 35.0 + n % 7 >= 38 and 1 + n % 5 in (1, 2, 3))
        assert filtered["selective"][2] == expected_selective, \
            f"selective filter gave {filtered['selective'][2]} rows, expected {expected_selective}"
        filtered_two_step, two_step_total, two_step_url, turn_stream_total = [], [], [], []
        _, _, _, streamed_body = timed_get(http_export, f"/export/data/{TOPIC}.csv", headers)
        for _ in range(REQUESTS):
            # The streamed export again, taking turns with the two steps (same load for both).
            turn_stream_total.append(timed_get(http_export, f"/export/data/{TOPIC}.csv", headers)[1])
            for query, times in (("", two_step_total), ("?filter=" + urllib.parse.quote(FILTER_SELECTIVE, safe=""), filtered_two_step)):
                start = time.perf_counter()
                status, answer = get(http_export, f"/export/data/{TOPIC}{query}", headers)
                if not query:
                    two_step_url.append(time.perf_counter() - start)
                _, _, _, file_body = timed_get(http_export, "/" + json.loads(answer)["url"], {})
                times.append(time.perf_counter() - start)
                # Nothing arrives during the bench: the two steps give the streamed export's bytes.
                assert query or file_body == streamed_body, "two-step download differs from the streamed export"
        rss = rss_kib(exportd.pid)
        journal_bytes = sum(os.path.getsize(os.path.join(data, "topics", name)) for name in os.listdir(os.path.join(data, "topics")))

        seed_times, seed_rows = [], 0
        for _ in range(SEED_REQUESTS):
            start = time.perf_counter()
            _, seed_rows = seed_export(bootstrap, alpha, work)
            seed_times.append(time.perf_counter() - start)
        assert seed_rows == ROWS, f"seed export holds {seed_rows} rows, expected {ROWS}"

        median = statistics.median
        print(f"\nmerchant export of {ROWS} rows ({size / 1e6:.1f} MB CSV), median of {REQUESTS} requests:")
        print(f"  exportd streamed  GET /export/data/{TOPIC}.csv: first byte {median(stream_ttfb) * 1000:7.1f} ms, total {median(stream_total) * 1000:7.1f} ms")
        print(f"  exportd two steps GET /export/data/{TOPIC} + file:  total {median(two_step_total) * 1000:7.1f} ms "
              f"(URL answered in {median(two_step_url) * 1000:.1f} ms; the file is the streamed CSV byte for byte; "
              f"streamed taking turns with it: total {median(turn_stream_total) * 1000:.1f} ms)")
        for name, text in [("all", FILTER_ALL), ("selective", FILTER_SELECTIVE)]:
            ttfbs, totals, rows, filtered_size = filtered[name]
            print(f"  exportd streamed  ?filter={text!r}: {rows} rows ({filtered_size / 1e6:.1f} MB), "
                  f"first byte {median(ttfbs) * 1000:7.1f} ms, total {median(totals) * 1000:7.1f} ms")
        print(f"  exportd two steps ?filter={FILTER_SELECTIVE!r} + file: total {median(filtered_two_step) * 1000:7.1f} ms")
        print(f"  exportd RSS: {rss / 1024:.1f} MiB (holding {total_records} records); journal {journal_bytes / 1e6:.1f} MB")
        print(f"  seed's way (Kafka read + filter + CSV per request, median of {SEED_REQUESTS}): {median(seed_times) * 1000:7.1f} ms (first byte only after all of it)")
        print(f"  ratio seed / exportd streamed total: {median(seed_times) / median(stream_total):.1f}x; "
              f"seed / exportd two steps: {median(seed_times) / median(two_step_total):.1f}x")
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
