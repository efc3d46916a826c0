import pg from "pg";
import { currentCallScope } from "../call-scope.js";

/** Pool settings; every field has a documented default. */
export interface DatabaseOptions {
  /** Connections per process. Default 10: two cores, and PostgreSQL's max_connections is shared by 16 services. */
  readonly maxConnections?: number;
  /** Idle connections close after this long. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Waiting for a connection gives up after this long. Default 5 s. */
  readonly connectionTimeoutMs?: number;
  /** statement_timeout outside of any call (migrations, consumers). Default 30 s. */
  readonly defaultStatementTimeoutMs?: number;
}

/** A service's database pool. */
export interface Database {
  readonly pool: pg.Pool;
  /**
   * Runs `work` in one transaction on one connection. Inside a call, the
   * transaction's statement_timeout is the call's remaining deadline, so a
   * cancelled or late call stops its queries instead of holding locks.
   */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Creates the pool of a service's own database (its DATABASE_URL). */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    statement_timeout: options.defaultStatementTimeoutMs ?? 30_000,
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  // Nor a checked-out client's: pg emits 'error' on a client whose connection drops, and while it is checked
  // out (a transaction, a consumer's batch, a LISTEN session) the pool has no listener on it, so the process
  // died of an unhandled 'error' event (combat, in the fault suite). The work in flight still fails with the
  // error, and the pool discards the broken client when it is released.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return {
    pool,
    async transaction(work) {
      const client = await pool.connect();
      try {
        const scope = currentCallScope();
        // One round trip for both: a simple query may hold several statements (the value is an integer we made).
        await client.query(
          scope?.deadline === undefined ? "BEGIN" : `BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(scope.deadline - Date.now()))}`,
        );
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
