import { randomUUID } from "node:crypto";
import { logLevel } from "kafkajs";
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";
import { afterAll, describe, expect, inject, it } from "vitest";
import { connectKafka } from "../src/index.js";

const infra = inject("infra");
const kafka = connectKafka(infra.kafka, { clientId: "request-queue-test", logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
afterAll(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
});

/** How often kafkajs's request queues checked for pending requests while `during` ran. */
async function checksWhile(during: () => Promise<unknown>): Promise<number> {
  const queue = RequestQueue.prototype as { checkPendingRequests(this: unknown): void };
  const check = queue.checkPendingRequests;
  let checks = 0;
  queue.checkPendingRequests = function counted(this: unknown) {
    checks++;
    check.call(this);
  };
  try {
    await during();
  } finally {
    queue.checkPendingRequests = check;
  }
  return checks;
}

describe("kafkajs's request queue, as the mesh loads it (kafka-request-queue-fix.ts)", () => {
  it("stays quiet on an idle connection: no timer loop once a request was answered (kafkajs#1556)", async () => {
    await admin.connect();
    await producer.connect();
    await admin.listTopics();
    // Idle for a second with two connections open: unpatched, each queue checked about a thousand times.
    const idleChecks = await checksWhile(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
    expect(idleChecks).toBeLessThan(20);
  });

  it("still sends every request, a burst of them included", async () => {
    const topic = `request-queue-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, messages: [{ value: String(i) }] })));
    expect(sent).toHaveLength(50);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]!.high).toBe("50");
    await admin.deleteTopics({ topics: [topic] });
  });
});
