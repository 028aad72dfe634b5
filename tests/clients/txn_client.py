#!/usr/bin/env python3
"""Transactional roles played by real clients against minikafka (driven by txn.py).

  txn_client.py processor   BOOTSTRAP IN OUT GROUP TXN_ID HOLD_AFTER [PACE_S]
                                                           confluent-kafka read-process-write
  txn_client.py fence-old   BOOTSTRAP OUT TXN_ID            opens a transaction, waits, tries to commit
  txn_client.py fence-new   BOOTSTRAP OUT TXN_ID            the replacement: init, commit one record
  txn_client.py read        BOOTSTRAP TOPIC ISOLATION       confluent-kafka reads a topic to its end
  txn_client.py kafka-python BOOTSTRAP TOPIC GROUP IN       kafka-python 3: commit, abort, read back

Each prints one line per fact, for the driver to check. TXN_DEBUG and TXN_DEBUG_C set
librdkafka's `debug` contexts (e.g. `eos,broker,protocol`) of the processor's producer and
consumer.
"""
import os
import random
import sys
import time

ROLE, BOOTSTRAP, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def processor(src, dst, group, txn_id, hold_after, pace="0.02"):
    """Exactly-once consume-transform-produce: each input record becomes one output record,
    and the input offsets are committed in the same transaction as the output. After
    `hold_after` transactions it holds the next one open, its records flushed to the log,
    and says "holding": the driver's SIGKILL then lands mid-transaction. Each transaction
    stays open up to `pace` seconds after its records are flushed."""
    from confluent_kafka import Consumer, KafkaException, Producer

    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP, "group.id": group,
        # Static membership: a restarted processor takes its place back at once instead of
        # waiting for the killed one's session to time out.
        "group.instance.id": f"{group}-instance",
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
        **({"debug": os.environ["TXN_DEBUG_C"]} if "TXN_DEBUG_C" in os.environ else {}),
    })
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id,
                         "transaction.timeout.ms": 30000, "linger.ms": 5,
                         **({"debug": os.environ["TXN_DEBUG"]} if "TXN_DEBUG" in os.environ else {})})
    producer.init_transactions(30)
    out("ready")
    consumer.subscribe([src], on_assign=lambda c, ps: out(f"assigned {[p.partition for p in ps]}"),
                       on_revoke=lambda c, ps: out(f"revoked {[p.partition for p in ps]}"))
    done = 0
    while True:
        msgs = consumer.consume(num_messages=random.randint(1, 8), timeout=0.5)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        producer.begin_transaction()
        for m in msgs:
            producer.produce(dst, key=m.key(), value=b"invoice-for-" + m.value())
        producer.flush(30)
        if done >= int(hold_after):
            out(f"holding {len(msgs)}")
            time.sleep(60)
        time.sleep(random.uniform(0.0, float(pace)))
        try:
            producer.send_offsets_to_transaction(
                consumer.position(consumer.assignment()),
                consumer.consumer_group_metadata(), 30)
            producer.commit_transaction(30)
        except KafkaException as e:
            # A real application would abort and rewind; exiting and being restarted is
            # the simplest correct recovery: the next instance fences this one.
            out(f"error {e}")
            sys.exit(2)
        done += 1
        out(f"committed {len(msgs)}")


def fence_old(dst, txn_id):
    """The zombie: a transaction open when its replacement starts. Its commit must fail
    with a fencing error, and its record must stay invisible to read_committed."""
    from confluent_kafka import KafkaException, Producer

    p = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(dst, value=b"from-the-zombie")
    p.flush(30)
    out("open")
    sys.stdin.readline()  # the driver starts the replacement meanwhile
    try:
        p.produce(dst, value=b"zombie-again")
        p.commit_transaction(30)
        out("committed")
    except KafkaException as e:
        err = e.args[0]
        out(f"fenced fatal={err.fatal()} {err.name()}")


def fence_new(dst, txn_id):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(dst, value=b"from-the-replacement")
    p.commit_transaction(30)
    out("committed")


def read(topic, isolation):
    """Every record of every partition of `topic`, to the end, at an isolation level."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "txn-reader",
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": isolation})
    parts = c.list_topics(topic, timeout=15).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    eof = set()
    deadline = time.time() + 60
    while len(eof) < len(parts) and time.time() < deadline:
        m = c.poll(1)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                eof.add(m.partition())
                continue
            out(f"error {m.error()}")
            break
        eof.discard(m.partition())
        out(f"record {m.partition()} {m.offset()} {m.value().decode()}")
    out("end" if len(eof) == len(parts) else "timeout")
    c.close()


def kafka_python(topic, group, src):
    """kafka-python 3: a committed transaction with offsets, an aborted one, read back."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=f"{topic}-txn")
    p.init_transactions()
    p.begin_transaction()
    for i in range(5):
        p.send(topic, value=f"kept-{i}".encode())
    p.send_offsets_to_transaction({TopicPartition(src, 0): OffsetAndMetadata(5, "", -1)}, group)
    p.commit_transaction()
    out("committed")
    p.begin_transaction()
    for i in range(3):
        p.send(topic, value=f"dropped-{i}".encode())
    p.flush()
    p.abort_transaction()
    out("aborted")
    p.close()
    for isolation in ("read_committed", "read_uncommitted"):
        c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, isolation_level=isolation,
                          auto_offset_reset="earliest", enable_auto_commit=False,
                          consumer_timeout_ms=3000)
        for m in c:
            out(f"{isolation} {m.offset} {m.value.decode()}")
        c.close()
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False)
    got = c.committed(TopicPartition(src, 0))
    out(f"group-offset {got}")
    c.close()


if __name__ == "__main__":
    if ROLE == "processor":
        processor(*ARGS)
    elif ROLE == "fence-old":
        fence_old(*ARGS)
    elif ROLE == "fence-new":
        fence_new(*ARGS)
    elif ROLE == "read":
        read(*ARGS)
    elif ROLE == "kafka-python":
        kafka_python(*ARGS)
    else:
        sys.exit(f"unknown role {ROLE}")
