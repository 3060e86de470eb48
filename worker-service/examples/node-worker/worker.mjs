// A Stackl Tasks worker that is not Java: the work/result topic protocol with an ordinary Kafka client (kafkajs)
// and Confluent's schema-registry serdes against the registry's Confluent API (Apicurio's /apis/ccompat/v7).
//
//   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 CONFLUENT_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7 \
//   TASK_TOPIC=greet node worker.mjs
//
// Against a Kafka with authentication, the same variables as every Stackl Tasks client: KAFKA_SECURITY_PROTOCOL
// (SASL_SSL, SSL), KAFKA_SASL_MECHANISM (SCRAM-SHA-512 by default), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD,
// KAFKA_SSL_CA_FILE (PEM), KAFKA_SSL_KEYSTORE_FILE (PEM key and certificate, for mutual TLS). Its consumer group is
// workers-<topic>: grant that group READ besides the work topic (docs/security.md, "ACLs").
//
// It serves one task topic: for every EXECUTE work item it answers {"greeting": "hello <arguments.name>"}.
// The broker must list the topic in tasks.broker.task-topics for requests to reach it.
import { readFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import { SchemaRegistryClient, AvroDeserializer, AvroSerializer, SerdeType } from '@confluentinc/schemaregistry';

const topic = process.env.TASK_TOPIC ?? 'greet';
const workTopic = `task-work.${topic}`;
const registry = new SchemaRegistryClient({ baseURLs: [process.env.CONFLUENT_REGISTRY_URL] });
// Work items: decode with the writer's schema, found by the id in each record.
const items = new AvroDeserializer(registry, SerdeType.VALUE, {});
// Results: encode with the latest registered TaskResult schema (the services register it), never auto-register.
const results = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });

const kafka = new Kafka({ clientId: `node-worker-${topic}`, brokers: [process.env.KAFKA_BOOTSTRAP_SERVERS],
  ...security(process.env) });
const consumer = kafka.consumer({ groupId: `workers-${topic}`, readUncommitted: false });
const producer = kafka.producer({ idempotent: true });

await Promise.all([consumer.connect(), producer.connect()]);
await consumer.subscribe({ topic: workTopic, fromBeginning: true });

await consumer.run({
  autoCommit: false,
  eachMessage: async ({ topic: from, partition, message }) => {
    const item = await items.deserialize(from, message.value);
    const now = Date.now();
    const deadline = Number(item.deadline);
    if (item.kind === 'EXECUTE' && deadline > now) {
      const started = now;
      const args = JSON.parse(item.argumentsJson);
      const result = {
        taskId: item.taskId,
        kind: 'EXECUTE',
        attempt: item.attempt,
        fencingToken: item.fencingToken,
        succeeded: true,
        outputJson: JSON.stringify({ greeting: `hello ${args.name ?? 'world'}` }),
        failure: null,
        compensations: [],
        workerId: `node-${process.pid}`,
        startedAt: started,
        finishedAt: Date.now(),
      };
      // Past the deadline the broker has timed the task out: send nothing late.
      if (Date.now() < deadline) {
        await producer.send({
          topic: 'task-results',
          messages: [{ key: item.taskId, value: await results.serialize('task-results', result) }],
        });
      }
    }
    // The offset is committed only after the result was acknowledged.
    await consumer.commitOffsets([{ topic: from, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  },
});

/** kafkajs' ssl and sasl options from the environment variables every Stackl Tasks client reads. */
function security(env) {
  const protocol = (env.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_SSL', 'SASL_PLAINTEXT'].includes(protocol)) {
    throw new Error(`KAFKA_SECURITY_PROTOCOL must be PLAINTEXT, SSL, SASL_SSL or SASL_PLAINTEXT, was ${protocol}`);
  }
  const options = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const keystore = env.KAFKA_SSL_KEYSTORE_FILE && readFileSync(env.KAFKA_SSL_KEYSTORE_FILE, 'utf8');
    options.ssl = {
      ...(env.KAFKA_SSL_CA_FILE && { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] }),
      // One PEM file holding the private key and its certificate chain, as the Java clients take it.
      ...(keystore && { key: keystore, cert: keystore, passphrase: env.KAFKA_SSL_KEY_PASSWORD }),
    };
  }
  if (protocol.startsWith('SASL_')) {
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new Error(`KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with ${protocol}`);
    }
    options.sasl = { mechanism: (env.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512').toLowerCase(),
      username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
  }
  return options;
}
