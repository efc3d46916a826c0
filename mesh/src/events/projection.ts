import type pg from "pg";
import type { Database } from "../persistence/database.js";
import type { EventStore, StoredEvent } from "./event-store.js";

/** A read model built from events: how to empty it and how one event changes it. */
export interface Projection {
  readonly name: string;
  /** Empties the read model (a rebuild starts from nothing). */
  reset(client: pg.PoolClient): Promise<void>;
  /** Applies one event; live consumers and rebuilds call the same function. */
  apply(client: pg.PoolClient, event: StoredEvent): Promise<void>;
}

/**
 * Rebuilds a read model by replaying the whole history from the event store
 * in store order, in one transaction: readers see the old model until the
 * new one is complete. Returns the number of events replayed.
 */
export function rebuildProjection(db: Database, store: EventStore, projection: Projection): Promise<number> {
  return db.transaction(async (client) => {
    await projection.reset(client);
    let replayed = 0;
    for await (const event of store.all(db.pool)) {
      await projection.apply(client, event);
      replayed++;
    }
    return replayed;
  });
}
