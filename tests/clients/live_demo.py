#!/usr/bin/env python3
"""Real confluent-kafka clients to watch in the visualiser's Live mode.

  live_demo.py producer  --topic T [--rate 10] [--client-id live-producer]
      produces keyed records (key-<i>, value-<i>) at RATE per second, acks=all, until stopped
  live_demo.py member    --topic T --group G --client-id C [--every 5]
      a consumer-group member that processes about 20 records a second and commits after
      every EVERY records; session.timeout.ms=6000 so a killed member is noticed quickly
  live_demo.py story     [--session-ms 6000]
      the seed's pod-restart story (the simulation's S1) with real clients: member A owns the
      partition, B waits as a standby; A processes 0..94 and auto-commits 95, processes
      95..100, and is SIGKILLed before its next commit; after session.timeout.ms B takes
      over from offset 95 and processes 95..100 again. Prints each step and the duplicates.
  live_demo.py group     --topic T --group G [--members 2] [--group-protocol consumer]
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

    joined = []  # the first assignment came: before it the member is still joining

    def assigned(_consumer, partitions):
        joined.append(True)
        if args.events:
            say(f"{args.client_id} assigned " + (",".join(f"{p.topic}-{p.partition}" for p in partitions) or "-"))

    def committed(err, partitions):
        if args.events and err is None:
            for p in partitions:
                if p.offset >= 0:
                    say(f"{args.client_id} committed {p.offset}")

    auto = args.auto_commit_ms > 0
    config = {"bootstrap.servers": args.bootstrap, "group.id": args.group,
              "client.id": args.client_id, "enable.auto.commit": auto,
              "auto.offset.reset": "earliest", "on_commit": committed,
              "group.protocol": args.group_protocol}
    if args.group_protocol == "classic":
        # With group.protocol=consumer the broker owns these (serve's
        # --group-consumer-session-timeout-ms and --group-consumer-heartbeat-interval-ms).
        config.update({"session.timeout.ms": args.session_ms, "heartbeat.interval.ms": 1000})
    if auto:
        config["auto.commit.interval.ms"] = args.auto_commit_ms
    c = Consumer(config)
    c.subscribe([args.topic], on_assign=assigned)
    processed = since_commit = 0
    last_report = time.monotonic()
    while not stopping:
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            processed += 1
            since_commit += 1
            time.sleep(args.processing_ms / 1000)  # "processing"
            if args.events:
                say(f"{args.client_id} processed {m.offset()}")
            if not auto and since_commit >= args.every:
                c.commit(asynchronous=False)
                since_commit = 0
        if args.events:
            continue
        if time.monotonic() - last_report >= 1:
            last_report = time.monotonic()
            if not joined:
                # The group's first rebalance waits group.initial.rebalance.delay.ms: a
                # member with nothing yet is joining, not a standby.
                say(f"{args.client_id}: joining the group")
                continue
            owned = ",".join(f"{tp.topic}-{tp.partition}" for tp in c.assignment()) or "nothing (standby)"
            say(f"{args.client_id}: processed {processed}, owns {owned}")
    c.close()  # commits nothing more, leaves the group: a graceful stop


def story(args):
    """The seed's pod-restart story (scenario S1 of the simulation), with real clients."""
    import queue
    import threading
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    me = os.path.abspath(__file__)
    server = None
    if args.serve:
        # A server of our own (the test in make clients), stopped by PID at the end.
        import socket
        import tempfile
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        args.bootstrap = f"127.0.0.1:{port}"
        server = subprocess.Popen([args.serve, "serve", "--listen", args.bootstrap, "--data-dir",
                                   tempfile.mkdtemp(prefix="minikafka-story-")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
    topic = args.topic if args.topic != "demo" else f"user-events-{int(time.time())}"
    group = args.group if args.group != "demo-group" else f"group-{int(time.time())}"
    lines = queue.Queue()
    procs = {}

    def start(name):
        p = subprocess.Popen([sys.executable, me, "member", "--bootstrap", args.bootstrap, "--topic", topic,
                              "--group", group, "--client-id", name, "--auto-commit-ms", "5000",
                              "--session-ms", str(args.session_ms), "--processing-ms", "10", "--events"],
                             stdout=subprocess.PIPE, text=True)
        threading.Thread(target=lambda: [lines.put(line.strip()) for line in p.stdout], daemon=True).start()
        procs[name] = p

    seen = []

    def wait_for(wanted, seconds):
        if wanted in seen:  # lines of two processes may arrive in either order
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if line == wanted:
                return
        raise SystemExit(f"story: waited {seconds}s for '{wanted}' (last lines: {seen[-5:]})")

    def processed_by(name):
        return [int(x.split()[-1]) for x in seen if x.startswith(f"{name} processed ")]

    producer = Producer({"bootstrap.servers": args.bootstrap, "client.id": "producer", "acks": "all"})

    def produce(first, last):
        for i in range(first, last + 1):
            producer.produce(topic, key=f"key-{i}", value=f"event {i}")
        producer.flush(10)

    try:
        say(f"topic {topic}, group {group}: watch it at the live view (?source=live, group {group})")
        admin = AdminClient({"bootstrap.servers": args.bootstrap})
        for future in admin.create_topics([NewTopic(topic, num_partitions=1)]).values():
            future.result(15)
        start("A")
        wait_for(f"A assigned {topic}-0", 30)
        start("B")
        wait_for("B assigned -", 30)
        say("A owns the partition; B is a standby member with nothing assigned.")
        produce(0, 94)
        wait_for("A processed 94", 30)
        wait_for("A committed 95", 15)
        say("95 records (0..94) processed by A; its auto-commit stored offset 95.")
        produce(95, 100)
        wait_for("A processed 100", 15)
        procs["A"].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        say("6 more (95..100) processed by A, then A's pod is killed: no LeaveGroup, no last commit.")
        say(f"The coordinator does not know A is gone: it waits session.timeout.ms ({args.session_ms} ms).")
        wait_for(f"B assigned {topic}-0", args.session_ms / 1000 + 30)
        say(f"After {time.monotonic() - killed:.1f} s B is assigned {topic}-0 and starts at the committed offset.")
        wait_for("B processed 100", 30)
        again = sorted(set(processed_by("A")) & set(processed_by("B")))
        say(f"B re-read offsets {again[0]}..{again[-1]}: {len(again)} records processed twice "
            "(A processed them, but never committed past 95).")
        say(f"duplicates: {len(again)}")
        return 0 if again == list(range(95, 101)) else 1
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
        for p in procs.values():
            p.wait(15)
        if server is not None:
            server.terminate()
            server.wait(15)


def group(args):
    me = os.path.abspath(__file__)
    common = ["--bootstrap", args.bootstrap, "--topic", args.topic]
    procs = [subprocess.Popen([sys.executable, me, "producer", *common, "--rate", str(args.rate)])]
    names = {procs[0].pid: "producer"}
    for n in range(args.members):
        client_id = f"consumer-{chr(ord('a') + n)}"
        procs.append(subprocess.Popen([sys.executable, me, "member", *common, "--group", args.group,
                                       "--client-id", client_id,
                                       "--group-protocol", args.group_protocol]))
        names[procs[-1].pid] = client_id
    say(f"started a producer and {args.members} members of group {args.group}; Ctrl-C stops them")
    say("pids: " + ", ".join(f"{name} {pid}" for pid, name in names.items())
        + " (kill -9 one member to watch the standby take over)")
    reported = set()
    try:
        # One process ending (a member killed with kill -9, as the README suggests) is part
        # of the demo: the others go on until Ctrl-C, or until none is left.
        while not stopping and any(p.poll() is None for p in procs):
            for p in procs:
                if p.poll() is not None and p.pid not in reported:
                    reported.add(p.pid)
                    how = f"killed by signal {-p.returncode}" if p.returncode < 0 else f"exit {p.returncode}"
                    say(f"{names[p.pid]} (pid {p.pid}) ended ({how}); the others go on"
                        + ("" if names[p.pid] == "producer" else
                           ": the coordinator removes it after its session timeout"))
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait(15)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("role", choices=["producer", "member", "group", "story"])
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--topic", default="demo")
    ap.add_argument("--group", default="demo-group")
    ap.add_argument("--client-id", default="live-producer")
    ap.add_argument("--rate", type=float, default=10, help="records per second (producer)")
    ap.add_argument("--every", type=int, default=5, help="commit after this many records (member)")
    ap.add_argument("--members", type=int, default=2, help="group: how many members")
    ap.add_argument("--auto-commit-ms", type=int, default=0,
                    help="member: auto-commit at this interval instead of committing every --every records")
    ap.add_argument("--session-ms", type=int, default=6000,
                    help="member: session.timeout.ms (classic protocol only)")
    ap.add_argument("--group-protocol", choices=["classic", "consumer"], default="classic",
                    help="member, group: classic (JoinGroup/SyncGroup) or consumer (KIP-848, "
                         "ConsumerGroupHeartbeat: live mode draws member epochs and target/owned chips)")
    ap.add_argument("--processing-ms", type=int, default=50, help="member: time per record")
    ap.add_argument("--serve", metavar="BIN",
                    help="story: start `BIN serve` on a free port with a fresh data directory and use it")
    ap.add_argument("--events", action="store_true",
                    help="member: print every assignment, processed offset and commit")
    args = ap.parse_args()
    sys.exit({"producer": producer, "member": member, "group": group, "story": story}[args.role](args))


if __name__ == "__main__":
    main()
