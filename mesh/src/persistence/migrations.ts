import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type pg from "pg";
import { grantRuntimeRole, type RuntimeRoleGrant } from "./runtime-role.js";

/** One applied or pending migration. */
export interface Migration {
  /** File name, e.g. "0001_create_characters.sql"; the order is the name's order. */
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file, to notice an applied migration that was edited afterwards. */
  readonly checksum: string;
}

/** Reads `<dir>/*.sql` in name order. */
export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

// Any 64-bit number works; it only has to be the same for every replica of every service.
const migrationLockKey = 7_402_111_001;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * A runtime role other than the migrating (owner) role, granted its rights
   * once the migrations ran, under the same lock (two replicas granting on one
   * table at once can fail with "tuple concurrently updated"). Default none:
   * the service runs as the owner.
   */
  readonly runtimeRole?: RuntimeRoleGrant;
}

/**
 * Applies the pending SQL migrations of a service's database, each in its own
 * transaction, recorded in `schema_migrations`. Replicas starting together
 * serialize on an advisory lock, so each migration runs once. An applied
 * migration whose file changed stops start-up: the database would not be
 * what the files say.
 *
 * Why not a library: the well-known runners (node-pg-migrate, umzug) bring
 * JavaScript migration formats, CLIs and down-migrations we do not use; the
 * whole need here is "plain SQL files, in order, once, under a lock", which
 * is this page.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[], options: MigrateOptions = {}): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [migrationLockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ name: string; checksum: string }>("SELECT name, checksum FROM schema_migrations");
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const ran: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) throw new Error(`migration ${migration.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [migration.name, migration.checksum]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      ran.push(migration.name);
    }
    if (options.runtimeRole !== undefined) await grantRuntimeRole(client, options.runtimeRole);
    return ran;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [migrationLockKey]).catch(() => undefined);
    client.release();
  }
}
