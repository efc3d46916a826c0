import { describe, expect, it } from "vitest";
import { createDatabase, migrate, type CallScope } from "../src/index.js";
import { startFaultProxy } from "../../scripts/test/fault-proxy.js";
import { runInCallScope } from "../src/call-scope.js";
import { useTestDatabase } from "./test-database.js";

const test = useTestDatabase([]);

describe("migrations", () => {
  const first = { name: "0001_characters.sql", checksum: "a", sql: "CREATE TABLE characters (id uuid PRIMARY KEY, name text NOT NULL)" };
  const second = { name: "0002_health.sql", checksum: "b", sql: "ALTER TABLE characters ADD COLUMN health int NOT NULL DEFAULT 100" };

  it("apply once, in order, even when replicas start together", async () => {
    const runs = await Promise.all([migrate(test.db.pool, [first, second]), migrate(test.db.pool, [first, second]), migrate(test.db.pool, [first, second])]);
    expect(runs.flat().sort()).toEqual(["0001_characters.sql", "0002_health.sql"]);
    expect(await migrate(test.db.pool, [first, second])).toEqual([]);
  });

  it("refuse to start when an applied migration was edited", async () => {
    await expect(migrate(test.db.pool, [{ ...first, checksum: "edited" }, second])).rejects.toThrow("migration 0001_characters.sql was changed after it was applied");
  });

  it("roll back a failing migration entirely and name it", async () => {
    const broken = { name: "0003_broken.sql", checksum: "c", sql: "CREATE TABLE half (id int); SELECT no_such_function();" };
    await expect(migrate(test.db.pool, [first, second, broken])).rejects.toThrow(/migration 0003_broken.sql failed/);
    const { rows } = await test.db.pool.query("SELECT to_regclass('half') AS half");
    expect(rows[0].half).toBeNull();
  });
});

describe("statement_timeout from the call's deadline", () => {
  it("stops a query when the call's remaining time runs out", async () => {
    const scope: CallScope = { deadline: Date.now() + 200, signal: new AbortController().signal, traceContext: undefined, principalToken: undefined };
    const started = Date.now();
    const error = await runInCallScope(scope, () => test.db.transaction((client) => client.query("SELECT pg_sleep(5)"))).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/canceling statement due to statement timeout/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("a connection dropped under a checked-out client", () => {
  it("fails the transaction's work with the connection's error and does not crash the process; the pool serves again", async () => {
    // pg emits 'error' on a client whose socket drops; a checked-out client has no pool listener, and an
    // 'error' event nobody listens to kills the process (combat died this way in the fault suite).
    const server = new URL(test.url);
    const proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port) });
    const through = new URL(test.url);
    through.port = String(proxy.port);
    const db = createDatabase(through.toString());
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on("uncaughtException", onCrash);
    try {
      const error = await db
        .transaction(async (client) => {
          setTimeout(() => proxy.cut(), 100);
          await client.query("SELECT pg_sleep(2)");
        })
        .then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toMatch(/Connection terminated|ECONNRESET|terminated unexpectedly/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(crashes).toEqual([]);
      proxy.restore();
      expect((await db.pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
    } finally {
      process.removeListener("uncaughtException", onCrash);
      await db.close();
      await proxy.close();
    }
  });
});
