"""The Python peer of ingestd for the ingest benchmark: the same work in Python.

Consumes one topic from its beginning with confluent-kafka, decodes each value (fastavro for
Avro, json for JSON), turns it into JSON text and publishes it on a ZeroMQ PUB socket in the bus
format (topic, 37-byte header, key, value). Prints one JSON line with its figures.
"""
import io
import json
import resource
import struct
import sys
import time

import fastavro
import zmq
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def main():
    bootstrap, topic, kind, count, schema_path, endpoint = sys.argv[1:7]
    count = int(count)
    schema = fastavro.parse_schema(json.load(open(schema_path)))
    publisher = zmq.Context().socket(zmq.PUB)
    publisher.bind(endpoint)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-peer",
                         "enable.auto.commit": False, "enable.partition.eof": False})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    header = struct.Struct(">BQQiqq")
    epoch = 12345
    sequence = 0
    first = None
    cpu_first = None
    topic_frame = topic.encode()
    while sequence < count:
        for message in consumer.consume(num_messages=1000, timeout=1.0):
            if message.error():
                continue
            if first is None:
                first = time.perf_counter()
                usage = resource.getrusage(resource.RUSAGE_SELF)
                cpu_first = usage.ru_utime + usage.ru_stime
            raw = message.value()
            if kind == "avro":
                value = json.dumps(fastavro.schemaless_reader(io.BytesIO(raw), schema),
                                   separators=(",", ":")).encode()
            else:
                json.loads(raw)
                value = raw
            sequence += 1
            _, timestamp = message.timestamp()
            publisher.send_multipart([topic_frame,
                                      header.pack(1, epoch, sequence, message.partition(), message.offset(), timestamp),
                                      message.key() or b"", value])
    elapsed = time.perf_counter() - first
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"records": sequence, "seconds": elapsed,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_first,
                      "peak_rss_mb": usage.ru_maxrss / 1024}))
    consumer.close()


if __name__ == "__main__":
    main()
