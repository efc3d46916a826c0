import { randomUUID } from "node:crypto";
import { logLevel } from "kafkajs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { connectKafka, deadLetterTopic, kafkaEnv, ensureTopics, newCloudEvent, toKafkaHeaders } from "@chaos/mesh";
import { runTsxCommand } from "./test/run-command.js";

const infra = inject("infra");
const kafka = connectKafka(infra.kafka, { clientId: "dlq-test", logLevel: logLevel.NOTHING });

/** `npm run dlq -- <args>` against the test broker. */
function dlq(...args: string[]) {
  return runTsxCommand("scripts/dlq.ts", args, { env: kafkaEnv(infra.kafka) });
}

/** Every message on `topic`, read from the start with a fresh group. */
async function messagesOn(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `dlq-test-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? "");
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return values;
}

// A topic with two dead letters, and one whose events never failed.
const failing = `chaos.dlqtest.v1.failing-${randomUUID()}`;
const healthy = `chaos.dlqtest.v1.healthy-${randomUUID()}`;
const unknown = `chaos.dlqtest.v1.nosuch-${randomUUID()}`;
const stackTrace = /^\s+at /m;

beforeAll(async () => {
  await ensureTopics(kafka, [failing, deadLetterTopic(failing), healthy], 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: deadLetterTopic(failing),
    messages: ["first", "second"].map((value, i) => ({
      key: "c-1",
      value,
      headers: { ...toKafkaHeaders(newCloudEvent("chaos.dlqtest.v1.Thing", "spiffe://chaos.world/ns/chaos/sa/test", "c-1")), dlq_reason: `effect failed 3 times: bug ${i + 1}`, dlq_time: new Date().toISOString() },
    })),
  });
  await producer.disconnect();
});

describe("npm run dlq", () => {
  it("list with no topic lists the topics that have dead letters, with their counts", async () => {
    const { code, stdout, stderr } = await dlq("list");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^\\s*2\\s+2\\s+${failing.replaceAll(".", "\\.")}$`, "m"));
    expect(stdout).not.toContain(healthy);
  });

  it("list <topic> shows the topic's dead letters with their reasons", async () => {
    const { code, stdout, stderr } = await dlq("list", failing);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("effect failed 3 times: bug 1");
    expect(stdout).toContain("effect failed 3 times: bug 2");
    expect(stdout).toContain(`2 dead letter(s) in ${deadLetterTopic(failing)}`);
  });

  it("list <topic> on a topic that does not exist says so and which exist, and fails without a stack trace", async () => {
    const { code, stdout, stderr } = await dlq("list", unknown);
    expect(code).toBe(1);
    expect(stderr).toContain(`no topic ${unknown}`);
    expect(stderr).toContain(failing);
    expect(stderr).not.toMatch(stackTrace);
    expect(stderr).not.toContain('"level":"ERROR"');
    expect(stdout).toBe("");
  });

  it("list <topic> on a topic whose events never failed says there are none", async () => {
    const { code, stdout, stderr } = await dlq("list", healthy);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`no dead letters: no event of ${healthy} has failed`);
  });

  it("replay <topic> on a topic that does not exist fails like list", async () => {
    const { code, stderr } = await dlq("replay", unknown);
    expect(code).toBe(1);
    expect(stderr).toContain(`no topic ${unknown}`);
    expect(stderr).not.toMatch(stackTrace);
  });

  it("replay <topic> publishes the dead letters back once; list then shows none left to replay", async () => {
    const first = await dlq("replay", failing);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`replayed 2 dead letter(s) to ${failing}`);
    expect((await messagesOn(failing, 2)).sort()).toEqual(["first", "second"]);
    const again = await dlq("replay", failing);
    expect(again.stdout).toContain(`replayed 0 dead letter(s) to ${failing}`);
    const { stdout } = await dlq("list");
    expect(stdout).toMatch(new RegExp(`^\\s*2\\s+0\\s+${failing.replaceAll(".", "\\.")}$`, "m"));
  }, 90_000);

  it("explains how to use it when the command is wrong", async () => {
    const { code, stderr } = await dlq("purge");
    expect(code).toBe(2);
    expect(stderr).toContain("usage: npm run dlq -- list [<topic>] | replay <topic>");
  });
});
