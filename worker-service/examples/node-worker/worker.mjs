// A Stackl Tasks worker that is not Java: the work/result topic protocol with an ordinary Kafka client (kafkajs)
// and Confluent's schema-registry serdes against the registry's Confluent API (Apicurio's /apis/ccompat/v7).
//
//   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 CONFLUENT_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7 \
//   TASK_TOPIC=greet node worker.mjs
//
// It serves one task topic: for every EXECUTE work item it answers {"greeting": "hello <arguments.name>"}.
// The broker must list the topic in tasks.broker.task-topics for requests to reach it.
import { Kafka } from 'kafkajs';
import { SchemaRegistryClient, AvroDeserializer, AvroSerializer, SerdeType } from '@confluentinc/schemaregistry';

const topic = process.env.TASK_TOPIC ?? 'greet';
const workTopic = `task-work.${topic}`;
const registry = new SchemaRegistryClient({ baseURLs: [process.env.CONFLUENT_REGISTRY_URL] });
// Work items: decode with the writer's schema, found by the id in each record.
const items = new AvroDeserializer(registry, SerdeType.VALUE, {});
// Results: encode with the latest registered TaskResult schema (the services register it), never auto-register.
const results = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });

const kafka = new Kafka({ clientId: `node-worker-${topic}`, brokers: [process.env.KAFKA_BOOTSTRAP_SERVERS] });
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
