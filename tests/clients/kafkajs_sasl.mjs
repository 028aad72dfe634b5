// kafkajs over SASL_SSL against minikafka (tests/clients/sasl.py):
//   node kafkajs_sasl.mjs BOOTSTRAP TOPIC COUNT MECHANISM USER PASSWORD CA_PEM
// produces COUNT records, then reads them back in a group; prints "delivered N", each
// distinct value read as "value <value>", or "error <name>: <message>" and exits 1.
import fs from 'node:fs';
import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const [bootstrap, topic, count, mechanism, username, password, ca] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'kafkajs-sasl',
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  ssl: { ca: [fs.readFileSync(ca, 'utf-8')] },
  sasl: { mechanism: mechanism.toLowerCase(), username, password },
  retry: { retries: 2 },
});
const out = (line) => process.stdout.write(line + '\n');

try {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < Number(count); i++) messages.push({ key: `k${i}`, value: `value-${i}` });
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
  out(`delivered ${messages.length}`);

  const consumer = kafka.consumer({ groupId: `kafkajs-sasl-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Set();
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.add(message.value.toString());
      if (seen.size >= Number(count)) done();
    },
  });
  const timeout = setTimeout(done, 30000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
  for (const value of seen) out(`value ${value}`);
} catch (e) {
  out(`error ${e.name}: ${e.message}`);
  process.exit(1);
}
