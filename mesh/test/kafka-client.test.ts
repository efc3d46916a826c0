import path from "node:path";
import { logLevel, type LogEntry } from "kafkajs";
import { describe, expect, inject, it } from "vitest";
import { createKafkaLogCreator, kafkaEnv } from "../src/index.js";
import { runTsxCommand } from "../../scripts/test/run-command.js";

const infra = inject("infra");

/** Runs the start-up fixture through npx tsx, as the project's scripts run, and returns what it printed. */
/** The start-up fixture, run as a user's shell would run a script (without the test run's npm node options). */
function runFixture(env: Record<string, string>) {
  return runTsxCommand(path.join(import.meta.dirname, "fixtures", "kafka-startup.ts"), [], { env, withoutNpmNodeOptions: true });
}

describe("the project's Kafka clients", () => {
  it("print nothing during a normal start-up: concurrent topic creation, a new consumer group joining", async () => {
    const { code, stdout, stderr } = await runFixture(kafkaEnv(infra.kafka));
    expect(stdout).toContain("done");
    expect(code).toBe(0);
    expect(stderr).not.toContain("Topic creation errors");
    expect(stderr).not.toMatch(/coordinator/i);
    expect(stderr).not.toContain("TimeoutNegativeWarning");
    expect(stderr.trim()).toBe("");
  });

  it("still print real errors: a broker that cannot be reached", async () => {
    const { code, stderr } = await runFixture({ KAFKA_BROKERS: "127.0.0.1:1", RETRIES: "0" });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"level":"ERROR".*ECONNREFUSED/);
  });
});

describe("createKafkaLogCreator", () => {
  /** An entry as kafkajs hands it to a log creator, at ERROR. */
  const entry = (namespace: string, message: string, extra: Record<string, unknown>): LogEntry => ({
    namespace,
    level: logLevel.ERROR,
    label: "ERROR",
    log: { timestamp: "2026-01-01T00:00:00.000Z", logger: "kafkajs", message, ...extra },
  });
  const coordinatorLoading = entry("Connection", "Response JoinGroup(key: 11, version: 5)", { error: "The coordinator is loading and hence can't process requests for this group" });
  const crash = entry("Consumer", "Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available", { groupId: "g" });
  const denied = entry("Connection", "Response CreateTopics(key: 19, version: 3)", { error: "Topic authorization failed" });

  function logged(configured: logLevel, entries: LogEntry[]): Array<[logLevel, unknown]> {
    const lines: Array<[logLevel, unknown]> = [];
    const log = createKafkaLogCreator((level, line) => lines.push([level, JSON.parse(line)]))(configured);
    for (const e of entries) log(e);
    return lines;
  }

  it("keeps errors that are not a broker settling, as kafkajs prints them", () => {
    expect(logged(logLevel.ERROR, [coordinatorLoading, crash, denied])).toEqual([
      [logLevel.ERROR, { level: "ERROR", timestamp: "2026-01-01T00:00:00.000Z", logger: "kafkajs", message: "[Consumer] Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available", groupId: "g" }],
      [logLevel.ERROR, { level: "ERROR", timestamp: "2026-01-01T00:00:00.000Z", logger: "kafkajs", message: "[Connection] Response CreateTopics(key: 19, version: 3)", error: "Topic authorization failed" }],
    ]);
  });

  it("shows the retried responses at DEBUG when debug logging is on", () => {
    const [line] = logged(logLevel.DEBUG, [coordinatorLoading]);
    expect(line).toEqual([logLevel.DEBUG, expect.objectContaining({ level: "DEBUG", message: "[Connection] Response JoinGroup(key: 11, version: 5)" })]);
  });
});
