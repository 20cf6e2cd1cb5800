#!/usr/bin/env python3
"""Reference bus subscriber in Python (pyzmq), following docs/bus-protocol.md.

Joins with a snapshot (the Clone algorithm), then follows live records, single or packed
(version 3), resynchronising on sequence gaps, heartbeats that reveal lost records, and epoch
changes.

Usage: bus_subscriber.py <publisher endpoint> <snapshot endpoint> <stop after sequence>
Prints "JOINED <end sequence>" after the first snapshot, then one JSON summary line and exits
once a record (or snapshot) with the given sequence has been applied.
"""
import json
import struct
import sys

import zmq

HEADER = struct.Struct(">BQQiqq")   # version, epoch, sequence, partition, offset, timestamp
END = struct.Struct(">QQ")          # epoch, sequence
HEARTBEAT = struct.Struct(">BQQ")   # version, epoch, sequence
PACK = struct.Struct(">BQI")        # version (3), epoch, count
PACKED = struct.Struct(">Qiqq")     # each packed record: sequence, partition, offset, timestamp


def decode_headers(frame):
    """The headers frame of a version 2 record: [(name, value bytes or None), ...] in order."""
    (count,), index, headers = struct.unpack_from(">H", frame), 2, []
    if count == 0:
        raise ValueError("a version 2 record has at least one header")
    for _ in range(count):
        (name_length,) = struct.unpack_from(">H", frame, index)
        name = frame[index + 2:index + 2 + name_length].decode("utf-8")
        index += 2 + name_length
        (value_length,) = struct.unpack_from(">i", frame, index)
        index += 4
        if value_length < -1 or index + max(value_length, 0) > len(frame):
            raise ValueError("bad header value length")
        headers.append((name, None if value_length == -1 else frame[index:index + value_length]))
        index += max(value_length, 0)
    if index != len(frame):
        raise ValueError("bytes after the last header")
    return headers


def decode_record(frames):
    if len(frames) not in (4, 5):
        raise ValueError(f"record needs 4 or 5 frames, got {len(frames)}")
    topic, header, key, value = frames[:4]
    if len(header) != HEADER.size:
        raise ValueError(f"header must be {HEADER.size} bytes")
    version, epoch, sequence, partition, offset, timestamp = HEADER.unpack(header)
    if version not in (1, 2) or (version == 2) != (len(frames) == 5):
        raise ValueError(f"unsupported version {version} with {len(frames)} frames")
    headers = decode_headers(frames[4]) if version == 2 else []
    return record_dict(topic, epoch, sequence, partition, offset, timestamp, key, value, headers)


def decode_pack(frames):
    """A version 3 pack, [topic, 13-byte header, records], as its records in order."""
    topic, header, body = frames
    if len(header) != PACK.size:
        raise ValueError(f"pack header must be {PACK.size} bytes")
    version, epoch, count = PACK.unpack(header)
    if version != 3 or count == 0:
        raise ValueError(f"unsupported pack version {version} with {count} records")
    records, index = [], 0
    for _ in range(count):
        sequence, partition, offset, timestamp = PACKED.unpack_from(body, index)
        index += PACKED.size
        texts = []
        for _ in range(2):                        # key, then value: -1 null, else 1 or more bytes
            (length,) = struct.unpack_from(">i", body, index)
            index += 4
            if length == 0 or length < -1 or index + max(length, 0) > len(body):
                raise ValueError("bad key or value length in a pack")
            texts.append(None if length == -1 else body[index:index + length])
            index += max(length, 0)
        (headers_length,) = struct.unpack_from(">I", body, index)
        index += 4
        if index + headers_length > len(body):
            raise ValueError("bad headers length in a pack")
        headers = decode_headers(body[index:index + headers_length]) if headers_length else []
        index += headers_length
        records.append(record_dict(topic, epoch, sequence, partition, offset, timestamp, *texts, headers))
    if index != len(body):
        raise ValueError("bytes after the last record of a pack")
    return records


def record_dict(topic, epoch, sequence, partition, offset, timestamp, key, value, headers):
    return dict(topic=topic.decode("utf-8"), epoch=epoch, sequence=sequence, partition=partition,
                offset=offset, timestamp=timestamp,
                key=json.loads(key) if key else None, value=json.loads(value) if value else None,
                # header values are bytes: shown as UTF-8 text where they are, else as hex
                headers=[[n, None if v is None else (v.decode("utf-8") if is_utf8(v) else v.hex())]
                         for n, v in headers])


def decode_live(frames):
    """A live message as what it carries, in order: records (dicts) and heartbeats (tuples)."""
    if frames[0] == b"" and len(frames) == 3:    # presence control message (replica counts)
        return []
    if frames[0] == b"":                          # heartbeat
        _, epoch, sequence = HEARTBEAT.unpack(frames[1])
        return [("heartbeat", epoch, sequence)]
    if len(frames) == 3:                          # version 3: several records of one partition
        return decode_pack(frames)
    return [decode_record(frames)]


def is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def main():
    pub_endpoint, snapshot_endpoint, stop_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")          # everything: exact gap detection
    sub.setsockopt(zmq.SUBSCRIBE, b"\0bus-v3\0")  # "I read packs" for prefix b"": ingestd may send them
    sub.connect(pub_endpoint)
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)

    state = {}            # (topic, partition, offset) -> record: the consumer's view
    applied = []          # sequences applied live, for the summary
    resyncs = []
    buffered = []         # live records and heartbeats received while a snapshot is read
    joined = False

    def snapshot():
        """Step 3-4: request a snapshot on a fresh DEALER while buffering live messages."""
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(snapshot_endpoint)
        dealer.send_multipart([b"SNAPSHOT", b""])
        poller.register(dealer, zmq.POLLIN)
        records = []
        try:
            while True:
                events = dict(poller.poll(5000))
                if not events:
                    raise TimeoutError("no snapshot reply")
                if sub in events:
                    buffered.extend(decode_live(sub.recv_multipart()))
                if dealer in events:
                    kind, *rest = dealer.recv_multipart()
                    if kind == b"RECORD":
                        records.append(decode_record(rest))
                    elif kind == b"END":
                        return records, END.unpack(rest[0])
                    else:
                        raise RuntimeError(rest[0].decode())
        finally:
            poller.unregister(dealer)
            dealer.close()

    while True:
        records, (epoch, last) = snapshot()
        state = {(r["topic"], r["partition"], r["offset"]): r for r in records}
        if not joined:
            print(f"JOINED {last}", flush=True)
            joined = True
        if last >= stop_after:
            break
        pending, buffered[:] = list(buffered), []
        # Step 5: drop leading records of another run, then apply in order.
        while pending and isinstance(pending[0], dict) and pending[0]["epoch"] != epoch:
            pending.pop(0)
        resync = None
        while resync is None and last < stop_after:
            if not pending:
                pending = decode_live(sub.recv_multipart())
                continue
            item = pending.pop(0)
            if isinstance(item, tuple):              # heartbeat
                _, hb_epoch, hb_sequence = item
                if hb_epoch != epoch:
                    resync = "epoch"
                elif hb_sequence > last:
                    resync = "gap"
                continue
            if item["epoch"] != epoch:
                resync = "epoch"
                pending.insert(0, item)              # it belongs to the state after the resync
            elif item["sequence"] <= last:
                continue
            elif item["sequence"] != last + 1:
                resync = "gap"
                pending.insert(0, item)
            else:
                last = item["sequence"]
                state[(item["topic"], item["partition"], item["offset"])] = item
                applied.append(last)
        if resync is None:
            break
        resyncs.append(resync)
        buffered[:0] = pending

    sample = state.get(("orders", 0, 5))
    packed = state.get(("orders", 0, 200))          # the test publishes 200..<210 as one pack
    print(json.dumps(dict(last=last, state_size=len(state), live=len(applied),
                          packed_sample=packed, null_values=sum(r["value"] is None for r in state.values()),
                          live_contiguous=applied == list(range(applied[0], applied[-1] + 1)) if applied else True,
                          resyncs=resyncs, sample=sample)), flush=True)


if __name__ == "__main__":
    main()
