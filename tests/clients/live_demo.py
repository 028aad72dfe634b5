#!/usr/bin/env python3
"""Real confluent-kafka clients to watch in the visualiser's Live mode.

  live_demo.py producer  --topic T [--rate 10] [--client-id live-producer]
      produces keyed records (key-<i>, value-<i>) at RATE per second, acks=all, until stopped
  live_demo.py member    --topic T --group G --client-id C [--every 5]
      a consumer-group member that processes about 20 records a second and commits after
      every EVERY records; session.timeout.ms=6000 so a killed member is noticed quickly
  live_demo.py group     --topic T --group G [--members 2]
      starts MEMBERS member processes (consumer-a, consumer-b, ...) and a producer, and
      stops them all on Ctrl-C: the quickest way to see one active and one standby member
      on a one-partition topic

Each process prints one line per second (sent / processed / committed) so a terminal shows
that it is alive; Ctrl-C or SIGTERM stops it cleanly (a member leaves its group).
"""
import argparse
import os
import signal
import subprocess
import sys
import time

stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def producer(args):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": args.bootstrap, "client.id": args.client_id,
                  "acks": "all", "linger.ms": 20})
    errors = []

    def report(err, _msg):
        if err is not None:
            errors.append(str(err))

    i = 0
    started = time.monotonic()
    last_report = started
    while not stopping:
        due = int((time.monotonic() - started) * args.rate)
        while i < due:
            p.produce(args.topic, key=f"key-{i}", value=f"value-{i}", on_delivery=report)
            i += 1
        p.poll(0.05)
        if time.monotonic() - last_report >= 1:
            last_report = time.monotonic()
            say(f"{args.client_id}: sent {i}" + (f", errors: {errors[-1]}" if errors else ""))
    p.flush(10)


def member(args):
    from confluent_kafka import Consumer

    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                  "client.id": args.client_id, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                  "heartbeat.interval.ms": 1000})
    c.subscribe([args.topic])
    processed = since_commit = 0
    last_report = time.monotonic()
    while not stopping:
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            processed += 1
            since_commit += 1
            time.sleep(0.05)  # "processing": about 20 records a second
            if since_commit >= args.every:
                c.commit(asynchronous=False)
                since_commit = 0
        if time.monotonic() - last_report >= 1:
            last_report = time.monotonic()
            owned = ",".join(f"{tp.topic}-{tp.partition}" for tp in c.assignment()) or "nothing (standby)"
            say(f"{args.client_id}: processed {processed}, owns {owned}")
    c.close()  # commits nothing more, leaves the group: a graceful stop


def group(args):
    me = os.path.abspath(__file__)
    common = ["--bootstrap", args.bootstrap, "--topic", args.topic]
    procs = [subprocess.Popen([sys.executable, me, "producer", *common, "--rate", str(args.rate)])]
    for n in range(args.members):
        client_id = f"consumer-{chr(ord('a') + n)}"
        procs.append(subprocess.Popen([sys.executable, me, "member", *common, "--group", args.group,
                                       "--client-id", client_id]))
    say(f"started a producer and {args.members} members of group {args.group}; Ctrl-C stops them")
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait(15)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("role", choices=["producer", "member", "group"])
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--topic", default="demo")
    ap.add_argument("--group", default="demo-group")
    ap.add_argument("--client-id", default="live-producer")
    ap.add_argument("--rate", type=float, default=10, help="records per second (producer)")
    ap.add_argument("--every", type=int, default=5, help="commit after this many records (member)")
    ap.add_argument("--members", type=int, default=2, help="group: how many members")
    args = ap.parse_args()
    {"producer": producer, "member": member, "group": group}[args.role](args)


if __name__ == "__main__":
    main()
