// One Kafka client role played by kafkajs against minikafka (see py_client.py for the roles).
//   node kafkajs_client.mjs produce  BOOTSTRAP TOPIC COUNT
//   node kafkajs_client.mjs assigned BOOTSTRAP TOPIC PARTITION OFFSET
//   node kafkajs_client.mjs member   BOOTSTRAP TOPIC GROUP EVERY
import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const [role, bootstrap, ...args] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-test', brokers: [bootstrap], logLevel: logLevel.WARN });
const out = (line) => process.stdout.write(line + '\n');

if (role === 'produce') {
  const [topic, count] = [args[0], Number(args[1])];
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let delivered = 0;
  for (let start = 0; start < count; start += 500) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      messages.push({ key: `key-${i}`, value: `value-${i}` });
    }
    const result = await producer.send({ topic, acks: -1, messages });
    delivered += messages.length;
    if (!result.length) out('errors empty produce result');
  }
  out(`delivered ${delivered}`);
  await producer.disconnect();
} else if (role === 'assigned') {
  // kafkajs has no manual assignment API: a consumer in a group of its own, seeking to an
  // explicit offset on the partition, reading to the high watermark.
  const [topic, partition, offset] = [args[0], Number(args[1]), args[2]];
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = Number(ends.find((p) => p.partition === partition).high);
  const consumer = kafka.consumer({ groupId: `kafkajs-assigned-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  if (Number(offset) >= end) done();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition: p, message }) => {
      if (p !== partition) return;
      out(`${p} ${message.offset} ${message.value.toString()}`);
      if (Number(message.offset) + 1 >= end) done();
    },
  });
  for (let p = 0; p < 64; p++) {
    try {
      consumer.seek({ topic, partition: p, offset: p === partition ? offset : String(end) });
    } catch {
      break;
    }
  }
  const timeout = setTimeout(() => { out('timeout'); done(); }, 30000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
} else if (role === 'member') {
  const [topic, group, every] = [args[0], args[1], Number(args[2])];
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      await new Promise((r) => setTimeout(r, 5));
      out(`${message.offset} ${message.value.toString()}`);
      n += 1;
      if (n % every === 0) {
        await consumer.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
      }
    },
  });
} else {
  console.error(`unknown role ${role}`);
  process.exit(2);
}
