// kafkajs transactions against minikafka (driven by txn.py):
//   node kafkajs_txn.mjs BOOTSTRAP TOPIC GROUP IN
// A committed transaction (5 records and the group's offset 5 of IN-0 via sendOffsets), an
// aborted one (3 records), then a read_committed consumer reads TOPIC back. Prints one line
// per fact for the driver to check.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [bootstrap, topic, group, input] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.WARN });
const out = (line) => process.stdout.write(line + '\n');

const producer = kafka.producer({
  transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1,
});
await producer.connect();

let txn = await producer.transaction();
await txn.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ value: `kept-${i}` })) });
await txn.sendOffsets({
  consumerGroupId: group,
  topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
});
await txn.commit();
out('committed');

txn = await producer.transaction();
await txn.send({ topic, messages: [0, 1, 2].map((i) => ({ value: `dropped-${i}` })) });
await txn.abort();
out('aborted');
await producer.disconnect();

// kafkajs consumers read committed by default (readUncommitted: false: isolation level 1).
const consumer = kafka.consumer({ groupId: `${group}-reader`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
let seen = 0;
const admin = kafka.admin();
await admin.connect();
await consumer.run({
  eachMessage: async ({ message }) => {
    seen += 1;
    out(`read_committed ${message.offset} ${message.value.toString()}`);
  },
});
// Wait until the committed records are in and a little longer, so that an aborted record
// wrongly delivered would show up too.
const deadline = Date.now() + 30000;
while (seen < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 1500));
await consumer.disconnect();
const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
out(`group-offset ${offsets[0].partitions.find((p) => p.partition === 0).offset}`);
await admin.disconnect();
