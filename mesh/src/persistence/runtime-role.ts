import pg from "pg";

/**
 * What a service's runtime role may do: it is never the owner of its tables.
 *
 * The owner role runs the migrations and so owns every table; an owner can
 * always ALTER, DROP, UPDATE, DELETE and TRUNCATE its own tables, whatever is
 * granted or revoked. So every service runs as a second login, the runtime
 * role, which gets DML on the service's tables (and the mesh's outbox, inbox
 * and job queue) and no DDL: a compromised or buggy service can change rows,
 * never the schema. On append-only tables (ServiceState.database.appendOnlyTables)
 * it gets only SELECT and INSERT: PostgreSQL refuses an UPDATE or DELETE
 * there with SQLSTATE 42501 (insufficient_privilege), whatever the code does.
 */
export interface RuntimeRoleGrant {
  /** The runtime role (the DATABASE_URL's login). */
  readonly role: string;
  /** Tables the runtime role may only read and insert into. */
  readonly appendOnlyTables: readonly string[];
}

/**
 * Grants the runtime role its rights on every table and sequence of the
 * public schema as they are after the migrations (run after each start's
 * migrations, so new tables are covered), then takes UPDATE, DELETE and
 * TRUNCATE on the append-only tables away again. The migration bookkeeping
 * stays the owner's. Runs on the owner's connection; a runtime role that is
 * the owner or a superuser, or a named append-only table that no migration
 * created, stops start-up before anything is granted.
 */
export async function grantRuntimeRole(owner: pg.ClientBase, grant: RuntimeRoleGrant): Promise<void> {
  // Before any grant: revoking from the owner itself would take its own rights on its tables away.
  const { rows: roles } = await owner.query<{ same: boolean; superuser: boolean | null }>(
    "SELECT current_user = $1 AS same, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS superuser",
    [grant.role],
  );
  if (roles[0]?.same === true || roles[0]?.superuser === true) {
    throw new Error(
      `the runtime role ${grant.role} is ${roles[0].same === true ? "the owner of the tables" : "a superuser"}: DATABASE_URL must log in as a role that neither owns them nor is a superuser (migrations run as DATABASE_OWNER_URL's role)`,
    );
  }
  const role = pg.escapeIdentifier(grant.role);
  for (const table of grant.appendOnlyTables) {
    const { rows } = await owner.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [`public.${pg.escapeIdentifier(table)}`]);
    if (rows[0]?.found == null) throw new Error(`append-only table "${table}" does not exist after the migrations`);
  }
  const appendOnly = grant.appendOnlyTables.map((table) => `public.${pg.escapeIdentifier(table)}`).join(", ");
  await owner.query(
    [
      // PostgreSQL 15 and later already keep CREATE on public from PUBLIC; older ones do not, so it is said here.
      "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
      `GRANT USAGE ON SCHEMA public TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
      `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
      `REVOKE ALL ON TABLE schema_migrations FROM ${role}`,
      ...(appendOnly === "" ? [] : [`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE ${appendOnly} FROM ${role}`]),
    ].join(";\n"),
  );
}

/**
 * Stops start-up unless the pool's role may neither UPDATE, DELETE nor
 * TRUNCATE the append-only tables: a DATABASE_URL that logs in as their
 * owner or as a superuser would make "append-only" a comment.
 */
export async function assertAppendOnly(pool: pg.Pool, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    const { rows } = await pool.query<{ role: string; may: boolean }>(
      `SELECT current_user AS role,
              has_table_privilege(current_user, $1, 'UPDATE') OR has_table_privilege(current_user, $1, 'DELETE') OR has_table_privilege(current_user, $1, 'TRUNCATE') AS may`,
      [`public.${pg.escapeIdentifier(table)}`],
    );
    if (rows[0]?.may !== false) throw new Error(mayChange(rows[0]?.role ?? "?", table));
  }
}

function mayChange(role: string, table: string): string {
  return `the runtime role ${role} may change rows of the append-only table "${table}": DATABASE_URL must log in as a role that neither owns it nor is a superuser (migrations run as DATABASE_OWNER_URL's role)`;
}

/** The login role of a pool's connections. */
export async function currentRole(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ role: string }>("SELECT current_user AS role");
  return rows[0]!.role;
}
