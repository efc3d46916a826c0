import type pg from "pg";

/** A pooled connection LISTENing on one channel; see openListenSession. */
export interface ListenSession {
  /** The session's connection, for queries that must run in it (a session advisory lock). */
  readonly client: pg.PoolClient;
  /** UNLISTENs and gives the connection back to the pool, without its listeners; nothing is heard after. */
  close(): Promise<void>;
}

/** What a session's owner hears. */
export interface ListenHandlers {
  /** A NOTIFY on the channel. */
  readonly onNotification: () => void;
  /**
   * The database dropped the connection (a restart, a failover, an
   * administrator). Called once; the connection is already released and the
   * owner opens a new session when it wants one.
   */
  readonly onLost: (error: Error) => void;
}

/**
 * Takes a connection from the pool and LISTENs on `channel`. A lost
 * connection never crashes the process: pg emits 'error' on a checked-out
 * client with no pool listener attached, and a dropped connection may emit
 * more than one, so the session keeps listening for errors until the client
 * is gone and tells its owner once.
 */
export async function openListenSession(pool: pg.Pool, channel: string, handlers: ListenHandlers): Promise<ListenSession> {
  const client = await pool.connect();
  let open = true;
  const onNotification = () => handlers.onNotification();
  const onError = (error: Error) => {
    if (!open) return;
    open = false;
    client.removeListener("notification", onNotification);
    client.release(error);
    handlers.onLost(error);
  };
  client.on("notification", onNotification);
  client.on("error", onError);
  try {
    await client.query(`LISTEN ${channel}`);
  } catch (error) {
    if (open) {
      open = false;
      client.removeListener("notification", onNotification);
      client.release(error as Error);
    }
    throw error;
  }
  return {
    client,
    async close() {
      if (!open) return;
      await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      if (!open) return;
      open = false;
      // Back in the pool, the connection must not keep waking a stopped owner.
      client.removeListener("notification", onNotification);
      client.removeListener("error", onError);
      client.release();
    },
  };
}
