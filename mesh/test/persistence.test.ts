import { describe, expect, it } from "vitest";
import { migrate, type CallScope } from "../src/index.js";
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
