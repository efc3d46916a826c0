import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../scripts/test/test-database.js";
import { eventTableMigrations } from "../events/outbox.js";
import { jobQueueMigrations } from "../jobs/job-queue.js";
import { createDatabase, type Database } from "./database.js";
import { migrate } from "./migrations.js";
import { assertAppendOnly, currentRole } from "./runtime-role.js";

const log = { name: "0001_log.sql", checksum: "log-1", sql: "CREATE TABLE log (id bigserial PRIMARY KEY, entry text NOT NULL); CREATE TABLE heads (id int PRIMARY KEY, n int NOT NULL)" };
const later = { name: "0002_notes.sql", checksum: "notes-1", sql: "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)" };

let database: TestDatabase;
let owner: Database;
let runtime: Database;

beforeAll(async () => {
  database = await createTestDatabase(inject("infra").postgresAdminUrl, undefined, { runtimeRole: true });
  owner = createDatabase(database.url);
  runtime = createDatabase(database.runtimeUrl!);
  await migrate(owner.pool, [...eventTableMigrations, ...jobQueueMigrations, log], { runtimeRole: { role: await currentRole(runtime.pool), appendOnlyTables: ["log"] } });
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await owner?.close();
  await database?.drop();
});

const sqlState = (promise: Promise<unknown>) => promise.then(() => "no error", (error: { code?: string }) => error.code);

describe("a runtime role on append-only tables", () => {
  it("may insert and read, while PostgreSQL refuses its UPDATE, DELETE and TRUNCATE with 42501", async () => {
    await runtime.pool.query("INSERT INTO log (entry) VALUES ('first')");
    expect((await runtime.pool.query("SELECT entry FROM log")).rows).toEqual([{ entry: "first" }]);
    expect(await sqlState(runtime.pool.query("UPDATE log SET entry = 'forged'"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("DELETE FROM log"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("TRUNCATE log"))).toBe("42501");
    expect((await owner.pool.query("SELECT entry FROM log")).rows).toEqual([{ entry: "first" }]);
  });

  it("keeps full DML on the other tables and the mesh's outbox, inbox and job queue, but not on the migration bookkeeping", async () => {
    await runtime.pool.query("INSERT INTO heads (id, n) VALUES (1, 1)");
    await runtime.pool.query("UPDATE heads SET n = 2 WHERE id = 1");
    await runtime.pool.query("SELECT n FROM heads WHERE id = 1 FOR UPDATE");
    await runtime.pool.query("DELETE FROM heads");
    await runtime.pool.query("INSERT INTO mesh_outbox (topic, partition_key, headers, payload) VALUES ('t', 'k', '{}', '')");
    await runtime.pool.query("UPDATE mesh_outbox SET published_at = now()");
    await runtime.pool.query("DELETE FROM mesh_outbox");
    await runtime.pool.query("INSERT INTO mesh_inbox (event_id, topic) VALUES ('e', 't')");
    await runtime.pool.query("DELETE FROM mesh_jobs");
    expect(await sqlState(runtime.pool.query("DELETE FROM schema_migrations"))).toBe("42501");
  });

  it("may not change the schema: no CREATE, ALTER, DROP or index of its own (42501 for the tables it does not own)", async () => {
    expect(await sqlState(runtime.pool.query("CREATE TABLE planted (id int)"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("ALTER TABLE heads ADD COLUMN extra int"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("DROP TABLE heads"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("CREATE INDEX heads_n ON heads (n)"))).toBe("42501");
    expect(await sqlState(runtime.pool.query("ALTER TABLE mesh_outbox DISABLE TRIGGER ALL"))).toBe("42501");
  });

  it("is granted the tables of later migrations at the next start", async () => {
    await migrate(owner.pool, [...eventTableMigrations, ...jobQueueMigrations, log, later], { runtimeRole: { role: await currentRole(runtime.pool), appendOnlyTables: ["log"] } });
    await runtime.pool.query("INSERT INTO notes (id, body) VALUES (1, 'a')");
    await runtime.pool.query("UPDATE notes SET body = 'b'");
    expect(await sqlState(runtime.pool.query("UPDATE log SET entry = 'forged'"))).toBe("42501");
  });

  it("start-up refuses a DATABASE_URL that could still change them (the owner), and a table no migration made", async () => {
    await expect(assertAppendOnly(runtime.pool, ["log"])).resolves.toBeUndefined();
    await expect(assertAppendOnly(owner.pool, ["log"])).rejects.toThrow(/may change rows of the append-only table "log"/);
    await expect(
      migrate(owner.pool, [log], { runtimeRole: { role: await currentRole(runtime.pool), appendOnlyTables: ["missing"] } }),
    ).rejects.toThrow('append-only table "missing" does not exist after the migrations');
    // The owner (here a superuser) as its own runtime role is refused before it could revoke its own rights.
    await expect(migrate(owner.pool, [log], { runtimeRole: { role: await currentRole(owner.pool), appendOnlyTables: ["log"] } })).rejects.toThrow(
      /the runtime role \S+ is (the owner of the tables|a superuser): DATABASE_URL must log in as a role that neither owns them nor is a superuser/,
    );
  });
});
