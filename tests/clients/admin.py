#!/usr/bin/env python3
"""confluent-kafka's AdminClient against a real minikafka server: the admin APIs of issue 15.

Against one `minikafka serve` started here on a free port with a fresh data directory:

1. topic configs: CreateTopics with cleanup.policy=compact, compression.type=lz4 and
   delete.retention.ms; DescribeConfigs reports them as topic overrides and
   max.message.bytes as Kafka's default (1048588); IncrementalAlterConfigs (SET, APPEND)
   changes two and leaves the rest; AlterConfigs replaces the whole set (what it does not
   name goes back to its default); Produce honours the new max.message.bytes; a broker
   config cannot be changed (nothing is dynamic) but can be described;
2. a compacted topic refuses a record without a key (INVALID_RECORD) and takes keyed ones;
3. CreatePartitions grows a topic;
4. DeleteGroups refuses a group with a live member (NON_EMPTY_GROUP), deletes an Empty one
   with its committed offsets, then says GROUP_ID_NOT_FOUND; OffsetDelete (with kafka-python:
   confluent-kafka's Python AdminClient does not offer it) refuses a topic a live member
   subscribes to (GROUP_SUBSCRIBED_TO_TOPIC) and removes one partition's committed offset
   of an Empty group, keeping the rest;
5. DescribeCluster names this broker as the cluster and its controller;
6. kafka-python 3.x's KafkaAdminClient: create_topics with topic configs, describe_configs
   (the overrides, max.message.bytes by default 1048588), alter_configs (incremental: the
   rest kept), create_partitions (describe_topics lists them), and an Empty group committed
   by a KafkaConsumer: list_groups, describe_groups, delete_groups (with its offsets; then
   GroupIdNotFoundError);
7. kafkajs's admin (tests/clients/kafkajs_admin.mjs, given this server's bootstrap):
   createTopics with configEntries, describeConfigs, alterConfigs (the whole set replaced),
   createPartitions, fetchTopicMetadata, setOffsets / fetchOffsets / resetOffsets, listGroups,
   describeGroups, deleteGroups (then GROUP_ID_NOT_FOUND);
8. the server is SIGKILLed and restarted: the altered configs and the deletions stay, and a
   group now known only by its committed offsets is Empty (ListGroups, DescribeGroups):
   OffsetDelete and DeleteGroups work on it.

Usage: admin.py [--bin target/debug/minikafka]
Exit status 0 only if every check passed. The server's log is kept in the work directory.
"""
import argparse
import os
import shutil
import sys
import tempfile
import warnings

from run import ROOT, Failure, Server, check, free_port, log, run

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   ConfigSource, NewPartitions, NewTopic)

TIMEOUT = 15


def configs(admin, kind, name):
    """{config: (value, source)} as DescribeConfigs reports them."""
    resource = ConfigResource(kind, name)
    entries = admin.describe_configs([resource], request_timeout=TIMEOUT)[resource].result(TIMEOUT)
    return {k: (e.value, e.source) for k, e in entries.items()}


def alter_configs(admin, resource):
    """AlterConfigs (deprecated in the client for IncrementalAlterConfigs; tested on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return admin.alter_configs([resource], request_timeout=TIMEOUT)[resource]


def error_code(future):
    """The Kafka error code a future failed with (0 if it succeeded)."""
    try:
        future.result(TIMEOUT)
        return 0
    except KafkaException as e:
        return e.args[0].code()


def produce_one(bootstrap, topic, key, value):
    """Deliver one record; the delivery error code (0 when written)."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "retries": 0})
    result = []
    p.produce(topic, key=key, value=value,
              on_delivery=lambda err, msg: result.append(err.code() if err else 0))
    p.flush(TIMEOUT)
    check(result, f"a delivery report for {topic}")
    return result[0]


def commit(bootstrap, group, topic, partitions, offset):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        c.commit(offsets=[TopicPartition(topic, p, offset) for p in partitions], asynchronous=False)
    finally:
        c.close()


def committed(bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        got = c.committed([TopicPartition(topic, p) for p in partitions], timeout=TIMEOUT)
        return [tp.offset for tp in got]
    finally:
        c.close()


def delete_offsets(bootstrap, group, topic, partitions):
    """OffsetDelete with kafka-python: the error name of each partition."""
    from kafka import TopicPartition as KTopicPartition
    from kafka.admin import KafkaAdminClient
    client = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        result = client.delete_group_offsets(group, [KTopicPartition(topic, p) for p in partitions])
        return [result[KTopicPartition(topic, p)].__name__ for p in partitions]
    finally:
        client.close()


def test_configs(admin, bootstrap, topic):
    TOPIC = ConfigResource.Type.TOPIC
    new = NewTopic(topic, 1, 1, config={"cleanup.policy": "compact", "compression.type": "lz4",
                                        "delete.retention.ms": "1000"})
    admin.create_topics([new], request_timeout=TIMEOUT)[topic].result(TIMEOUT)
    c = configs(admin, TOPIC, topic)
    override, default = ConfigSource.DYNAMIC_TOPIC_CONFIG.value, ConfigSource.DEFAULT_CONFIG.value
    check(c["cleanup.policy"] == ("compact", override), f"cleanup.policy {c['cleanup.policy']}")
    check(c["compression.type"] == ("lz4", override), f"compression.type {c['compression.type']}")
    check(c["delete.retention.ms"] == ("1000", override), "delete.retention.ms")
    check(c["max.message.bytes"] == ("1048588", default), f"max.message.bytes {c['max.message.bytes']}")
    log("CreateTopics with compact, lz4, delete.retention.ms; DescribeConfigs reports them")

    # 2. a compacted topic: keyless refused, keyed written
    refused = produce_one(bootstrap, topic, None, b"no key")
    check(refused == KafkaError.INVALID_RECORD, f"a keyless record on a compacted topic: {refused}")
    check(produce_one(bootstrap, topic, b"k", b"keyed") == 0, "a keyed record is written")
    log("a compacted topic refuses a record without a key (INVALID_RECORD), takes a keyed one")

    resource = ConfigResource(TOPIC, topic, incremental_configs=[
        ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.APPEND),
        ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET),
    ])
    admin.incremental_alter_configs([resource], request_timeout=TIMEOUT)[resource].result(TIMEOUT)
    c = configs(admin, TOPIC, topic)
    check(c["cleanup.policy"][0] == "compact,delete", f"after APPEND: {c['cleanup.policy']}")
    check(c["retention.ms"] == ("60000", override), f"after SET: {c['retention.ms']}")
    check(c["compression.type"][0] == "lz4", "IncrementalAlterConfigs leaves the others")
    log("IncrementalAlterConfigs: APPEND cleanup.policy, SET retention.ms, the rest kept")

    resource = ConfigResource(TOPIC, topic, set_config={"max.message.bytes": "2000"})
    alter_configs(admin, resource).result(TIMEOUT)
    c = configs(admin, TOPIC, topic)
    check(c["max.message.bytes"] == ("2000", override), f"after AlterConfigs: {c['max.message.bytes']}")
    check(c["retention.ms"] == ("604800000", default), f"not named, back to default: {c['retention.ms']}")
    check(c["cleanup.policy"] == ("delete", default), f"not named, back to default: {c['cleanup.policy']}")
    too_big = produce_one(bootstrap, topic, b"k", b"x" * 5000)
    check(too_big == KafkaError.MSG_SIZE_TOO_LARGE, f"a 5 KB record over max.message.bytes: {too_big}")
    log("AlterConfigs replaces the whole set; Produce honours max.message.bytes=2000")

    broker = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"log.retention.ms": "1"})
    code = error_code(alter_configs(admin, broker))
    check(code == KafkaError.INVALID_REQUEST, f"a broker config change: {code}")
    b = configs(admin, ConfigResource.Type.BROKER, "1")
    check(b["message.max.bytes"][0] == "1048588", f"broker message.max.bytes {b['message.max.bytes']}")
    log("a broker config cannot be changed (INVALID_REQUEST), and is described")


def test_groups(admin, bootstrap, topic):
    admin.create_topics([NewTopic(topic, 2, 1)], request_timeout=TIMEOUT)[topic].result(TIMEOUT)
    futures = admin.create_partitions([NewPartitions(topic, 3)], request_timeout=TIMEOUT)
    futures[topic].result(TIMEOUT)
    partitions = admin.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions
    check(len(partitions) == 3, f"CreatePartitions: {len(partitions)} partitions")
    log("CreatePartitions grew a topic from 2 to 3 partitions")

    commit(bootstrap, "admin-empty", topic, [0, 1, 2], 7)
    commit(bootstrap, "admin-offsets", topic, [0, 1, 2], 9)
    live = Consumer({"bootstrap.servers": bootstrap, "group.id": "admin-live",
                     "session.timeout.ms": 6000})
    try:
        live.subscribe([topic])
        for _ in range(40):
            live.poll(0.5)
            if live.assignment():
                break
        check(live.assignment(), "the live member got its partitions")
        results = admin.delete_consumer_groups(["admin-live", "admin-empty"],
                                               request_timeout=TIMEOUT)
        live_code = error_code(results["admin-live"])
        check(live_code == KafkaError.NON_EMPTY_GROUP, f"deleting a group with a member: {live_code}")
        check(error_code(results["admin-empty"]) == 0, "deleting an Empty group")
        errors = delete_offsets(bootstrap, "admin-live", topic, [0])
        check(errors == ["GroupSubscribedToTopicError"], f"OffsetDelete with a live member: {errors}")
    finally:
        live.close()
    check(committed(bootstrap, "admin-empty", topic, [0, 1, 2]) == [-1001] * 3,
          "the deleted group's offsets went with it")
    again = admin.delete_consumer_groups(["admin-empty"], request_timeout=TIMEOUT)["admin-empty"]
    code = error_code(again)
    check(code == KafkaError.GROUP_ID_NOT_FOUND, f"deleting it again: {code}")
    log("DeleteGroups: NON_EMPTY_GROUP with a member; an Empty group goes with its offsets; "
        "then GROUP_ID_NOT_FOUND")

    # confluent-kafka's Python AdminClient has no DeleteConsumerGroupOffsets: kafka-python's.
    errors = delete_offsets(bootstrap, "admin-offsets", topic, [1])
    check(errors == ["NoError"], f"OffsetDelete: {errors}")
    check(committed(bootstrap, "admin-offsets", topic, [0, 1, 2]) == [9, -1001, 9],
          "only partition 1's offset was deleted")
    log("OffsetDelete (kafka-python) removed one partition's committed offset, kept the others")


def test_cluster(admin):
    cluster = admin.describe_cluster(request_timeout=TIMEOUT).result(TIMEOUT)
    check(len(cluster.nodes) == 1 and cluster.controller is not None
          and cluster.controller.id == cluster.nodes[0].id,
          f"DescribeCluster: nodes {cluster.nodes}, controller {cluster.controller}")
    check(cluster.cluster_id, "a cluster id")
    log(f"DescribeCluster: one broker (node {cluster.nodes[0].id}), also the controller")


def test_kafka_python(bootstrap, topic, group):
    """kafka-python 3.x's KafkaAdminClient on the same APIs."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTopicPartition
    from kafka.admin import ConfigResource as KConfigResource, KafkaAdminClient
    from kafka.structs import OffsetAndMetadata

    client = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        def described():
            r = client.describe_configs([KConfigResource("TOPIC", topic)], config_filter="all")
            return {k: (e["value"], e["config_source"]) for k, e in r["topic"][topic].items()}

        result = client.create_topics({topic: {"num_partitions": 1, "replication_factor": 1,
                                               "configs": {"cleanup.policy": "compact",
                                                           "retention.ms": "120000"}}})
        errors = [t["error_code"] for t in result["topics"]]
        check(errors == [0], f"kafka-python create_topics: {result}")
        c = described()
        check(c["cleanup.policy"] == ("compact", "DYNAMIC_TOPIC_CONFIG"), f"cleanup.policy {c['cleanup.policy']}")
        check(c["retention.ms"] == ("120000", "DYNAMIC_TOPIC_CONFIG"), f"retention.ms {c['retention.ms']}")
        check(c["max.message.bytes"] == ("1048588", "DEFAULT_CONFIG"),
              f"max.message.bytes {c['max.message.bytes']}")
        log("kafka-python: create_topics with configs; describe_configs reports the overrides "
            "and max.message.bytes 1048588 by default")

        # kafka-python alters incrementally when the broker offers IncrementalAlterConfigs.
        result = client.alter_configs([KConfigResource("TOPIC", topic, {"retention.ms": "60000"})])
        check(result == {"topic": {topic: "OK"}}, f"kafka-python alter_configs: {result}")
        c = described()
        check(c["retention.ms"] == ("60000", "DYNAMIC_TOPIC_CONFIG"), f"after alter_configs: {c['retention.ms']}")
        check(c["cleanup.policy"] == ("compact", "DYNAMIC_TOPIC_CONFIG"),
              f"not named, kept: {c['cleanup.policy']}")
        log("kafka-python: alter_configs set retention.ms=60000 and kept cleanup.policy")

        result = client.create_partitions({topic: 3})
        check([r.error_code for r in result.results] == [0], f"kafka-python create_partitions: {result}")
        partitions = client.describe_topics([topic])[0]["partitions"]
        check(sorted(p["partition_index"] for p in partitions) == [0, 1, 2],
              f"describe_topics after create_partitions: {partitions}")
        log("kafka-python: create_partitions grew a topic from 1 to 3 (describe_topics lists 3)")

        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                 enable_auto_commit=False)
        try:
            consumer.commit({KTopicPartition(topic, p): OffsetAndMetadata(5, "", -1) for p in range(3)})
        finally:
            consumer.close()
        listed = {g["group_id"] for g in client.list_groups()}
        check(group in listed, f"kafka-python list_groups: {listed}")
        d = client.describe_groups([group])[group]
        check(d["group_state"] == "Empty" and not d["members"], f"kafka-python describe_groups: {d}")
        log("kafka-python: a group committed by a KafkaConsumer is listed (list_groups) and "
            "Empty with no members (describe_groups); list_group_offsets reads its offsets")

        offsets = client.list_group_offsets({group: None})[group]
        check(sorted((tp.partition, o.offset) for tp, o in offsets.items()) == [(0, 5), (1, 5), (2, 5)],
              f"kafka-python list_group_offsets: {offsets}")
        result = client.delete_groups([group])
        check(result == {group: "OK"}, f"kafka-python delete_groups: {result}")
        offsets = client.list_group_offsets({group: None})
        check(not offsets.get(group), f"its offsets after delete_groups: {offsets}")
        result = client.delete_groups([group])
        check(result == {group: "GroupIdNotFoundError"}, f"deleting it again: {result}")
        log("kafka-python: delete_groups deleted the Empty group with its offsets; again: "
            "GroupIdNotFoundError")
    finally:
        client.close()


def test_kafkajs(bootstrap):
    """kafkajs's admin (kafkajs_admin.mjs): its lines are its checks; it exits 1 on a wrong one."""
    for line in run(["node", "kafkajs_admin.mjs", bootstrap]).splitlines():
        log(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="minikafka-admin-")
    server = Server(args.bin, os.path.join(work, "data"), free_port(), os.path.join(work, "server.log"))
    log(f"server {server.bootstrap}, data and log in {work}")
    server.start()
    failed = []
    try:
        admin = AdminClient({"bootstrap.servers": server.bootstrap})
        for name, test in [("configs", lambda: test_configs(admin, server.bootstrap, "admin-cfg")),
                           ("groups", lambda: test_groups(admin, server.bootstrap, "admin-grp")),
                           ("cluster", lambda: test_cluster(admin)),
                           ("kafka-python", lambda: test_kafka_python(server.bootstrap, "admin-kp",
                                                                      "admin-kp-empty")),
                           ("kafkajs", lambda: test_kafkajs(server.bootstrap))]:
            try:
                test()
            except Exception as e:  # noqa: BLE001 - one part's failure, the others still run
                failed.append(f"{name}: {e}")
                log(f"FAIL {name}: {e}")

        # 8. a restart keeps the configs and the deletions
        server.kill()
        log("server SIGKILLed; restarting on the same data directory")
        server.start()
        try:
            admin = AdminClient({"bootstrap.servers": server.bootstrap})
            c = configs(admin, ConfigResource.Type.TOPIC, "admin-cfg")
            check(c["max.message.bytes"][0] == "2000", f"after restart: {c['max.message.bytes']}")
            check(committed(server.bootstrap, "admin-offsets", "admin-grp", [0, 1, 2])
                  == [9, -1001, 9], "the deleted offset stays deleted")
            check(committed(server.bootstrap, "admin-empty", "admin-grp", [0, 1, 2]) == [-1001] * 3,
                  "the deleted group's offsets stay deleted")
            log("after a restart: the altered config and the deleted offsets stay as they were")
            # After a restart a group is known only by its committed offsets: Empty, as Kafka
            # loads it from __consumer_offsets: listed, described, and its offsets and itself
            # can be deleted.
            listed = admin.list_consumer_groups(request_timeout=TIMEOUT).result(TIMEOUT)
            states = {g.group_id: str(g.state) for g in listed.valid}
            check(states.get("admin-offsets") == "ConsumerGroupState.EMPTY",
                  f"ListGroups after restart: {states}")
            described = admin.describe_consumer_groups(
                ["admin-offsets"], request_timeout=TIMEOUT)["admin-offsets"].result(TIMEOUT)
            check(str(described.state) == "ConsumerGroupState.EMPTY" and not described.members,
                  f"DescribeGroups after restart: {described.state}")
            errors = delete_offsets(server.bootstrap, "admin-offsets", "admin-grp", [0])
            check(errors == ["NoError"], f"OffsetDelete after restart: {errors}")
            future = admin.delete_consumer_groups(["admin-offsets"],
                                                  request_timeout=TIMEOUT)["admin-offsets"]
            check(error_code(future) == 0, "DeleteGroups of a group known by its offsets only")
            check(committed(server.bootstrap, "admin-offsets", "admin-grp", [0, 1, 2])
                  == [-1001] * 3, "its offsets went with it")
            log("after a restart: a group known only by its offsets is listed and described as "
                "Empty, loses one offset with OffsetDelete, then is deleted")
        except Exception as e:  # noqa: BLE001
            failed.append(f"after restart: {e}")
            log(f"FAIL after restart: {e}")
    finally:
        server.kill()
    if failed:
        log(f"{len(failed)} failure(s); server log: {os.path.join(work, 'server.log')}")
        for f in failed:
            print("  " + f)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    log("all admin checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
