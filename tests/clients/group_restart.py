"""A consumer group survives a server restart, as it survives a coordinator failover in Kafka.

Kafka's coordinator writes each settled generation (members, their assignments) to
`__consumer_offsets` and loads it back, every session restarted from the load time, so the
members of a stable group keep heartbeating in the same generation and nobody rebalances.
This checks that with confluent-kafka:

1. two members of one group over a topic of two partitions, stable, one partition each;
2. the server is stopped with SIGTERM and restarted on the same data directory: the members
   get no rebalance callback (no revoke, no assign), the group keeps its member ids, and
   the server starts no rebalance and forms no generation; records produced after the
   restart are consumed by the same owners;
3. the same after a SIGKILL;
4. member-b's process is SIGKILLed while the server is down: after the restart the server
   removes it only when its session timeout (10 s), counted from the restart, runs out;
   then the group rebalances and member-a owns both partitions.

Usage: group_restart.py --bin target/debug/minikafka
"""
import argparse
import multiprocessing
import os
import re
import signal
import tempfile
import threading
import time

os.environ.setdefault("RUST_LOG", "info,minikafka::events=debug")

from run import ROOT, Failure, Server, check, free_port, log  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

GROUP = "restart-grp"
TOPIC = "restart-topic"
TIMEOUT = 30


class Member(threading.Thread):
    """One confluent-kafka consumer, polling until stopped; records its rebalance callbacks
    and the partitions of the records it read."""

    def __init__(self, name, bootstrap, report=None):
        super().__init__(daemon=True)
        self.name_ = name
        self.report = report
        self.callbacks = []
        self.assigned = []
        self.read = []
        self.stopping = threading.Event()
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": GROUP, "client.id": name,
            "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500, "enable.auto.commit": True,
            "auto.commit.interval.ms": 500})

    def run(self):
        def on_assign(_, partitions):
            self.callbacks.append(("assign", time.time()))
            self.assigned = [p.partition for p in partitions]
            if self.report:
                self.report.put(("assign", self.assigned))

        def on_revoke(_, partitions):
            self.callbacks.append(("revoke", time.time()))
            if self.report:
                self.report.put(("revoke", None))

        self.consumer.subscribe([TOPIC], on_assign=on_assign, on_revoke=on_revoke)
        while not self.stopping.is_set():
            m = self.consumer.poll(0.2)
            if m is not None and not m.error():
                self.read.append((m.partition(), m.value().decode()))
                if self.report:
                    self.report.put(("read", (m.partition(), m.value().decode())))
        self.consumer.close()


def member_process(name, bootstrap, report):
    Member(name, bootstrap, report).run()


class ProcessMember:
    """A Member in a process of its own, so that it can be SIGKILLed; its reports arrive
    over a queue into the same lists a Member has."""

    def __init__(self, name, bootstrap):
        self.name_ = name
        self.callbacks, self.assigned, self.read = [], [], []
        ctx = multiprocessing.get_context("spawn")
        self.report = ctx.Queue()
        self.proc = ctx.Process(target=member_process, args=(name, bootstrap, self.report),
                                daemon=True)
        self.stopping = threading.Event()

    def start(self):
        self.proc.start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        while True:
            try:
                kind, value = self.report.get()
            except (EOFError, OSError):
                return
            if kind == "assign":
                self.callbacks.append(("assign", time.time()))
                self.assigned = value
            elif kind == "revoke":
                self.callbacks.append(("revoke", time.time()))
            else:
                self.read.append(tuple(value))

    def kill(self):
        if self.proc.is_alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.join(timeout=10)

    def join(self, timeout=None):
        self.kill()


def wait_until(test, what, seconds=TIMEOUT):
    end = time.time() + seconds
    while time.time() < end:
        if test():
            return
        time.sleep(0.1)
    raise Failure(f"timed out waiting for {what}")


def produce(bootstrap, tag, count):
    p = Producer({"bootstrap.servers": bootstrap})
    values = [f"{tag}-{i}" for i in range(count)]
    for i, v in enumerate(values):
        p.produce(TOPIC, value=v, partition=i % 2)
    p.flush(TIMEOUT)
    return set(values)


def describe(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    g = admin.describe_consumer_groups([GROUP], request_timeout=TIMEOUT)[GROUP].result(TIMEOUT)
    return str(g.state), sorted(m.member_id for m in g.members)


def server_log_since(server, start):
    with open(server.log_path) as f:
        text = f.read()[start:]
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="minikafka-group-restart-")
    server = Server(args.bin, os.path.join(work, "data"), free_port(), os.path.join(work, "server.log"))
    log(f"server {server.bootstrap}, data and log in {work}")
    server.start()
    members = []
    try:
        admin = AdminClient({"bootstrap.servers": server.bootstrap})
        admin.create_topics([NewTopic(TOPIC, 2, 1)])[TOPIC].result(TIMEOUT)
        members = [Member("member-a", server.bootstrap), ProcessMember("member-b", server.bootstrap)]
        for m in members:
            m.start()
        wait_until(lambda: sorted(p for m in members for p in m.assigned) == [0, 1]
                   and all(m.assigned for m in members), "one partition each")
        wanted = produce(server.bootstrap, "before", 20)
        wait_until(lambda: wanted <= {v for m in members for _, v in m.read}, "the first records")
        state, ids = describe(server.bootstrap)
        check(state == "ConsumerGroupState.STABLE" and len(ids) == 2, f"stable group: {state} {ids}")
        callbacks = [len(m.callbacks) for m in members]
        owners = {m.name_: list(m.assigned) for m in members}
        log(f"stable: {owners}, member ids {ids}")

        for how in ["SIGTERM", "SIGKILL"]:
            mark = os.path.getsize(server.log_path)
            if how == "SIGTERM":
                server.proc.send_signal(signal.SIGTERM)
                try:
                    server.proc.wait(timeout=10)
                except Exception:  # noqa: BLE001 - a stuck shutdown is killed
                    server.kill()
            else:
                server.kill()
            log(f"server stopped with {how}; restarting on the same data directory")
            server.start()
            # Several heartbeat intervals, then records the same owners must read.
            time.sleep(3)
            wanted = produce(server.bootstrap, f"after-{how}", 20)
            wait_until(lambda: wanted <= {v for m in members for _, v in m.read},
                       f"the records produced after the {how} restart")
            for m in members:
                mine = {v for p, v in m.read if v in wanted}
                check(all(p in owners[m.name_] for p, v in m.read if v in wanted) and mine,
                      f"{m.name_} read its own partitions after the restart")
            check([len(m.callbacks) for m in members] == callbacks,
                  f"no rebalance callback after the {how} restart: "
                  f"{[m.callbacks for m in members]}")
            state, now_ids = describe(server.bootstrap)
            check(state == "ConsumerGroupState.STABLE" and now_ids == ids,
                  f"same members after the {how} restart: {state} {now_ids} (before {ids})")
            since = server_log_since(server, mark)
            rebalances = re.findall(rf"group {GROUP}: (rebalance of generation \d+ started.*"
                                    rf"|generation \d+ formed.*|\S+ removed.*)", since)
            check(not rebalances, f"the server rebalanced after the {how} restart: {rebalances}")
            log(f"after the {how} restart: same generation and members, no rebalance, "
                f"records read by the same owners")
        # 4. member-b dies while the server is down.
        a, b = members
        server.kill()
        b.kill()
        log("server SIGKILLed, then member-b's process; restarting the server")
        mark = os.path.getsize(server.log_path)
        restarted = time.time()
        server.start()
        wait_until(lambda: sorted(a.assigned) == [0, 1], "member-a owning both partitions", 40)
        took = time.time() - restarted
        since = server_log_since(server, mark)
        removed = re.findall(rf"group {GROUP}: (\S+) removed: (.*)", since)
        # Member ids are `<client.id>-<uuid>`.
        check(len(removed) == 1 and removed[0][0].startswith("member-b-"),
              f"member-b removed, and only it: {removed}")
        check("session timeout" in removed[0][1], f"removed by its session timeout: {removed}")
        check(took >= 9.5, f"member-b removed {took:.1f} s after the restart, before its 10 s session")
        log(f"member-b, killed while the server was down, was removed by its session timeout "
            f"({took:.1f} s after the restart); member-a now owns {sorted(a.assigned)}")
        log("PASS: the group survived a SIGTERM and a SIGKILL restart with no rebalance, "
            "and a member that died meanwhile was removed by its session timeout")
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        for m in members:
            m.stopping.set()
        for m in members:
            m.join(timeout=15)
        server.kill()


if __name__ == "__main__":
    raise SystemExit(main())
