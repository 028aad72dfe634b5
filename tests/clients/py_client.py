#!/usr/bin/env python3
"""One Kafka client role, played by confluent-kafka or kafka-python against minikafka.

Roles (the driver, run.py, starts them as processes):
  produce TOPIC COUNT           keyed records key-<i>/value-<i>, acks=all; prints "delivered N"
  assigned TOPIC PART OFFSET    manual assignment from an explicit offset, read to the end;
                                prints "<partition> <offset> <value>" per record
  member TOPIC GROUP EVERY      group member: prints "<offset> <value>" per processed record,
                                commits synchronously every EVERY records
"""
import sys
import time

LIB = sys.argv[1]
ROLE = sys.argv[2]
BOOTSTRAP = sys.argv[3]
ARGS = sys.argv[4:]


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def confluent():
    from confluent_kafka import Consumer, Producer, TopicPartition

    if ROLE == "produce":
        topic, count = ARGS[0], int(ARGS[1])
        p = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all", "linger.ms": 5})
        delivered = [0]
        errors = []

        def report(err, msg):
            if err is not None:
                errors.append(str(err))
            else:
                delivered[0] += 1

        for i in range(count):
            while True:
                try:
                    p.produce(topic, key=f"key-{i}", value=f"value-{i}", on_delivery=report)
                    break
                except BufferError:
                    p.poll(0.05)
            if i % 1000 == 0:
                p.poll(0)
        p.flush(60)
        if errors:
            out("errors " + "; ".join(errors[:5]))
        out(f"delivered {delivered[0]}")
    elif ROLE == "assigned":
        topic, part, offset = ARGS[0], int(ARGS[1]), int(ARGS[2])
        c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused-assigned",
                      "enable.auto.commit": False, "enable.partition.eof": True})
        c.assign([TopicPartition(topic, part, offset)])
        while True:
            m = c.poll(10)
            if m is None:
                out("timeout")
                break
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    break
                out(f"error {m.error()}")
                break
            out(f"{m.partition()} {m.offset()} {m.value().decode()}")
        c.close()
    elif ROLE == "member":
        topic, group, every = ARGS[0], ARGS[1], int(ARGS[2])
        c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group,
                      "enable.auto.commit": False, "auto.offset.reset": "earliest",
                      "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
        c.subscribe([topic])
        n = 0
        while True:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            time.sleep(0.005)  # "processing"
            out(f"{m.offset()} {m.value().decode()}")
            n += 1
            if n % every == 0:
                c.commit(asynchronous=False)


def kafka_python():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    def offset_and_metadata(offset):
        try:
            return OffsetAndMetadata(offset, "", -1)
        except TypeError:  # kafka-python before leader epochs
            return OffsetAndMetadata(offset, "")

    if ROLE == "produce":
        topic, count = ARGS[0], int(ARGS[1])
        p = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=5)
        futures = [p.send(topic, key=f"key-{i}".encode(), value=f"value-{i}".encode())
                   for i in range(count)]
        p.flush(60)
        delivered = 0
        for f in futures:
            try:
                f.get(timeout=30)
                delivered += 1
            except Exception as e:  # noqa: BLE001 - report and count
                out(f"errors {e}")
        out(f"delivered {delivered}")
        p.close()
    elif ROLE == "assigned":
        topic, part, offset = ARGS[0], int(ARGS[1]), int(ARGS[2])
        c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False,
                          consumer_timeout_ms=5000)
        tp = TopicPartition(topic, part)
        c.assign([tp])
        c.seek(tp, offset)
        end = c.end_offsets([tp])[tp]
        position = offset
        while position < end:
            batch = c.poll(timeout_ms=5000)
            if not batch:
                out("timeout")
                break
            for records in batch.values():
                for m in records:
                    out(f"{m.partition} {m.offset} {m.value.decode()}")
                    position = m.offset + 1
        c.close()
    elif ROLE == "member":
        topic, group, every = ARGS[0], ARGS[1], int(ARGS[2])
        c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=group,
                          enable_auto_commit=False, auto_offset_reset="earliest",
                          session_timeout_ms=6000, heartbeat_interval_ms=500)
        n = 0
        while True:
            batch = c.poll(timeout_ms=500, max_records=10)
            for records in batch.values():
                for m in records:
                    time.sleep(0.005)
                    out(f"{m.offset} {m.value.decode()}")
                    n += 1
                    if n % every == 0:
                        # Commit exactly what was processed (a bare commit() would commit
                        # the position after the whole fetched batch).
                        tp = TopicPartition(m.topic, m.partition)
                        c.commit({tp: offset_and_metadata(m.offset + 1)})


if __name__ == "__main__":
    {"confluent": confluent, "kafka-python": kafka_python}[LIB]()
