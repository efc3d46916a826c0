import { randomBytes } from "node:crypto";
import pg from "pg";

/** A throwaway database on the test server, dropped (with its runtime role, if any) by `drop()`. */
export interface TestDatabase {
  /** Logs in as the admin: the owner of everything in the database. */
  readonly url: string;
  /** With `runtimeRole`: logs in as a role that owns nothing and has only what the owner grants it. */
  readonly runtimeUrl: string | undefined;
  drop(): Promise<void>;
}

/** Options of {@link createTestDatabase}; every field has a documented default. */
export interface TestDatabaseOptions {
  /**
   * Also create a login role `<name>_runtime` that owns nothing, for a
   * service with append-only tables (its migrations run as the owner, `url`,
   * and it runs as this role, `runtimeUrl`). Default false.
   */
  readonly runtimeRole?: boolean;
}

/** A throwaway database on the test server, named `<prefix>_<random>` by default. */
export async function createTestDatabase(adminUrl: string, name = `chaos_test_${randomBytes(6).toString("hex")}`, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const statements = [`CREATE DATABASE ${name}`];
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let runtimeUrl: URL | undefined;
  const role = `${name}_runtime`;
  if (options.runtimeRole === true) {
    if (role.length > 63) throw new Error(`database name too long for a runtime role: ${name}`);
    const password = randomBytes(18).toString("base64url");
    statements.push(`CREATE ROLE ${role} LOGIN PASSWORD ${pg.escapeLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    runtimeUrl = new URL(url);
    runtimeUrl.username = role;
    runtimeUrl.password = password;
  }
  await onAdmin(adminUrl, statements);
  return {
    url: url.toString(),
    runtimeUrl: runtimeUrl?.toString(),
    // The database first: the role's privileges live in it, and a role with privileges cannot be dropped.
    drop: () => onAdmin(adminUrl, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, ...(runtimeUrl === undefined ? [] : [`DROP ROLE IF EXISTS ${role}`])]),
  };
}

async function onAdmin(adminUrl: string, statements: readonly string[]): Promise<void> {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}
