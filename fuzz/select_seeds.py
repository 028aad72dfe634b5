#!/usr/bin/env python3
"""Pick the seed corpus of `request_frame` from captured request frames.

Usage: select_seeds.py <captured dir> <seed dir>

The captured files are whole request frames (after the length prefix) as
MINIKAFKA_CAPTURE_REQUESTS writes them. Frames are grouped by (API key, version, client
id); per group the PER_GROUP smallest distinct ones are kept (two frames that differ only
in their correlation id are the same), none over MAX_BYTES (the fuzzers' -max_len). The
seed directory is rewritten; file names say the API, the version and the client.
"""
import hashlib
import os
import re
import shutil
import struct
import sys

PER_GROUP = 3
MAX_BYTES = 65536


def client_id(frame):
    # Request header v1+: api_key, api_version, correlation_id, client_id (i16 length).
    if len(frame) < 10:
        return ""
    (n,) = struct.unpack(">h", frame[8:10])
    if n < 0:
        return ""
    raw = frame[10:10 + n].decode("utf-8", "replace")
    # librdkafka's rdkafka, confluent-kafka's names, kafka-python's kafka-python-<n>, ...
    return re.sub(r"[^A-Za-z]+", "", raw.split("-")[0] if raw.startswith("kafka-python") else raw)[:16] or "anon"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    groups = {}
    for name in os.listdir(src):
        frame = open(os.path.join(src, name), "rb").read()
        if len(frame) < 8 or len(frame) > MAX_BYTES:
            continue
        key, version = struct.unpack(">hh", frame[:4])
        # Same frame but for the correlation id: one.
        body = frame[:4] + frame[8:]
        groups.setdefault((key, version, client_id(frame)), {}).setdefault(body, frame)
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    total = 0
    for (key, version, client), frames in sorted(groups.items()):
        for frame in sorted(frames.values(), key=lambda f: (len(f), f))[:PER_GROUP]:
            digest = hashlib.sha1(frame).hexdigest()[:12]
            path = os.path.join(dst, f"{key:02d}-v{version:02d}-{client}-{digest}.bin")
            open(path, "wb").write(frame)
            total += len(frame)
    print(f"[capture] {sum(min(len(f), PER_GROUP) for f in groups.values())} seeds "
          f"({total} bytes) from {len(groups)} (API, version, client) groups into {dst}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
