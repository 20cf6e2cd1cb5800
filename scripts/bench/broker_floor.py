"""The broker's share of the realtime benchmark's latency: a plain librdkafka consumer
(confluent-kafka, no ingestd, no realtimed, no Socket.IO) reads the benchmark's topic with the
same fetch wait as ingestd and reports receipt time minus the record's Kafka CreateTime.

Run by realtime_bench.py as its own process (so the producer's thread and this consumer do not
share a GIL), next to the same producer at the same rate:

    python broker_floor.py BOOTSTRAP TOPIC FETCH_WAIT_MS WARMUP_S SECONDS

Prints "ready" once assigned at the partition's end, then, after WARMUP_S + SECONDS, one JSON
line {"p50_ms", "p99_ms", "records"} over the records received after the warmup.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_END, Consumer, TopicPartition


def main() -> None:
    bootstrap, topic, fetch_wait_ms, warmup, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"broker-floor-{time.time()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": fetch_wait_ms})
    consumer.assign([TopicPartition(topic, 0, OFFSET_END)])
    consumer.poll(0.5)  # connects and resolves the end offset before the producer starts
    print("ready", flush=True)
    start = time.time()
    measured_from, until = start + warmup, start + warmup + seconds
    latencies = []
    while time.time() < until:
        message = consumer.poll(0.05)
        if message is None or message.error():
            continue
        now = time.time()
        if now >= measured_from:
            latencies.append(now * 1000 - message.timestamp()[1])
    consumer.close()
    latencies.sort()
    figures = {"records": len(latencies), "p50_ms": None, "p99_ms": None}
    if latencies:
        figures["p50_ms"] = latencies[len(latencies) // 2]
        figures["p99_ms"] = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
