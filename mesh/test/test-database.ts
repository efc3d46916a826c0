import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, migrate, type Database, type Migration } from "../src/index.js";

/** A throwaway database on the test server, dropped by `drop()`. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `chaos_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client(adminUrl);
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * A throwaway database for one test file, migrated, with its pool: created
 * before the file's tests and dropped after them.
 */
export function useTestDatabase(migrations: readonly Migration[]): { readonly db: Database; readonly url: string } {
  let created: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    created = await createTestDatabase(inject("infra").postgresAdminUrl);
    db = createDatabase(created.url);
    await migrate(db.pool, migrations);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await created?.drop();
  });
  return {
    get db() {
      if (db === undefined) throw new Error("the test database exists only inside tests");
      return db;
    },
    get url() {
      return created!.url;
    },
  };
}
