// kafkajs's admin client against minikafka (driven by admin.py, which starts the server):
//   node kafkajs_admin.mjs BOOTSTRAP
// CreateTopics with configEntries, DescribeConfigs (the overrides, max.message.bytes by
// default 1048588), AlterConfigs (kafkajs sends AlterConfigs, not the incremental one: the
// whole set is replaced), CreatePartitions, Metadata, then groups: offsets set for an Empty
// group (setOffsets), fetchOffsets, resetOffsets, listGroups, describeGroups, deleteGroups
// (and GROUP_ID_NOT_FOUND for a second delete). One line per check; exits non-zero at the
// first wrong answer.
import kafkajs from 'kafkajs';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;
const [bootstrap] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const out = (line) => process.stdout.write(line + '\n');
const check = (cond, what) => {
  if (!cond) {
    process.stderr.write(`FAIL ${what}\n`);
    process.exit(1);
  }
};
const TOPIC = 'kafkajs-admin-cfg';
const GTOPIC = 'kafkajs-admin-grp';
const GROUP = 'kafkajs-admin-empty';

const admin = kafka.admin();
await admin.connect();

async function describe(topic) {
  const r = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  check(r.resources.length === 1 && r.resources[0].errorCode === 0, `DescribeConfigs ${JSON.stringify(r)}`);
  return Object.fromEntries(r.resources[0].configEntries.map((e) => [e.configName, e]));
}

// 1. topic configs
const created = await admin.createTopics({
  waitForLeaders: true,
  topics: [{
    topic: TOPIC, numPartitions: 1, replicationFactor: 1,
    configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '120000' }],
  }],
});
check(created === true, `createTopics returned ${created}`);
let c = await describe(TOPIC);
check(c['cleanup.policy'].configValue === 'compact' && !c['cleanup.policy'].isDefault,
  `cleanup.policy ${JSON.stringify(c['cleanup.policy'])}`);
check(c['retention.ms'].configValue === '120000' && !c['retention.ms'].isDefault,
  `retention.ms ${JSON.stringify(c['retention.ms'])}`);
check(c['max.message.bytes'].configValue === '1048588' && c['max.message.bytes'].isDefault,
  `max.message.bytes ${JSON.stringify(c['max.message.bytes'])}`);
out('kafkajs: createTopics with configEntries (compact, retention.ms); describeConfigs reports them, max.message.bytes 1048588 by default');

await admin.alterConfigs({
  validateOnly: false,
  resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configEntries: [{ name: 'max.message.bytes', value: '2000' }] }],
});
c = await describe(TOPIC);
check(c['max.message.bytes'].configValue === '2000' && !c['max.message.bytes'].isDefault,
  `after alterConfigs: max.message.bytes ${JSON.stringify(c['max.message.bytes'])}`);
check(c['cleanup.policy'].configValue === 'delete' && c['cleanup.policy'].isDefault,
  `not named, back to default: cleanup.policy ${JSON.stringify(c['cleanup.policy'])}`);
check(c['retention.ms'].configValue === '604800000' && c['retention.ms'].isDefault,
  `not named, back to default: retention.ms ${JSON.stringify(c['retention.ms'])}`);
out('kafkajs: alterConfigs replaces the whole set (max.message.bytes=2000, the rest back to defaults)');

// 2. CreatePartitions and Metadata
await admin.createTopics({ waitForLeaders: true, topics: [{ topic: GTOPIC, numPartitions: 2 }] });
await admin.createPartitions({ topicPartitions: [{ topic: GTOPIC, count: 3 }] });
const meta = await admin.fetchTopicMetadata({ topics: [GTOPIC] });
const parts = meta.topics[0].partitions.map((p) => p.partitionId).sort();
check(meta.topics[0].name === GTOPIC && JSON.stringify(parts) === '[0,1,2]',
  `fetchTopicMetadata after createPartitions: ${JSON.stringify(meta)}`);
check(meta.topics[0].partitions.every((p) => p.leader >= 0 && p.partitionErrorCode === 0),
  `every partition has a leader: ${JSON.stringify(meta)}`);
out('kafkajs: createPartitions grew a topic from 2 to 3; fetchTopicMetadata lists 3 partitions with a leader');

// 3. groups: an Empty group with offsets, set, fetched, reset, listed, described, deleted
await admin.setOffsets({
  groupId: GROUP, topic: GTOPIC,
  partitions: [0, 1, 2].map((partition) => ({ partition, offset: '7' })),
});
const offsetsOf = async () => {
  const r = await admin.fetchOffsets({ groupId: GROUP, topics: [GTOPIC] });
  return r[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
};
let offsets = await offsetsOf();
check(JSON.stringify(offsets) === '["7","7","7"]', `fetchOffsets after setOffsets: ${JSON.stringify(offsets)}`);
out('kafkajs: setOffsets committed 7 on 3 partitions for an Empty group; fetchOffsets reads them');

// kafkajs resets by committing the sentinel itself (-2, EARLIEST_OFFSET, from a consumer's
// seek), not a resolved offset; Kafka stores a committed offset as sent, and a kafkajs
// consumer reading -2 starts from the earliest offset.
await admin.resetOffsets({ groupId: GROUP, topic: GTOPIC, earliest: true });
offsets = await offsetsOf();
check(JSON.stringify(offsets) === '["-2","-2","-2"]', `fetchOffsets after resetOffsets: ${JSON.stringify(offsets)}`);
out('kafkajs: resetOffsets (earliest) committed -2 (earliest) on each partition');

const listed = await admin.listGroups();
check(listed.groups.some((g) => g.groupId === GROUP), `listGroups: ${JSON.stringify(listed)}`);
const described = await admin.describeGroups([GROUP]);
const g = described.groups[0];
check(g.groupId === GROUP && g.errorCode === 0 && g.state === 'Empty' && g.members.length === 0,
  `describeGroups: ${JSON.stringify(described)}`);
out('kafkajs: listGroups lists the group; describeGroups says Empty, no members');

const deleted = await admin.deleteGroups([GROUP]);
check(deleted.length === 1 && deleted[0].groupId === GROUP && deleted[0].errorCode === 0,
  `deleteGroups: ${JSON.stringify(deleted)}`);
offsets = await offsetsOf();
check(JSON.stringify(offsets) === '["-1","-1","-1"]', `offsets after deleteGroups: ${JSON.stringify(offsets)}`);
let again;
try {
  await admin.deleteGroups([GROUP]);
  again = 'no error';
} catch (e) {
  again = (e.groups || []).map((x) => x.error && x.error.type).join(',') || `${e.name}: ${e.message}`;
}
check(again === 'GROUP_ID_NOT_FOUND', `deleting it again: ${again}`);
out('kafkajs: deleteGroups deleted the Empty group with its offsets; again: GROUP_ID_NOT_FOUND');

await admin.disconnect();
out('kafkajs: all admin checks passed');
