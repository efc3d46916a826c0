import { afterAll, beforeAll, inject } from "vitest";
import { createTestDatabase } from "../../scripts/test/test-database.js";
import { createDatabase, migrate, type Database, type Migration } from "../src/index.js";

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
