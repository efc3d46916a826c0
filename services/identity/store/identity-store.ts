import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import { accountRows, type AccountRows } from "./account-rows.js";
import type pg from "pg";
import { loginGuardRows, type LoginGuardRows } from "./login-guard-rows.js";
import { passkeyRows, type PasskeyRows } from "./passkey-rows.js";
import { restrictionRows, type RestrictionRows } from "./restriction-rows.js";
import { sessionRows, type SessionRows } from "./session-rows.js";

/** Changes that commit together, with the events describing them. */
export interface IdentityTransaction {
  readonly accounts: AccountRows;
  readonly sessions: SessionRows;
  readonly loginGuards: LoginGuardRows;
  readonly restrictions: RestrictionRows;
  readonly passkeys: PasskeyRows;
  /** Adds events to the outbox, committed with the change. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** The identity database: single-statement reads and the way into a transaction. */
export interface IdentityStore {
  readonly accounts: AccountRows;
  readonly sessions: SessionRows;
  readonly loginGuards: LoginGuardRows;
  readonly restrictions: RestrictionRows;
  readonly passkeys: PasskeyRows;
  transaction<T>(work: (tx: IdentityTransaction) => Promise<T>): Promise<T>;
}

/** The identity service's accounts and sessions in PostgreSQL; `source` is the ce_source of its events. */
export function createIdentityStore(db: Database, source: string): IdentityStore & { within(client: pg.PoolClient): IdentityTransaction } {
  const within = (client: pg.PoolClient): IdentityTransaction => ({
    accounts: accountRows(client),
    sessions: sessionRows(client),
    loginGuards: loginGuardRows(client),
    restrictions: restrictionRows(client),
    passkeys: passkeyRows(client),
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });
  return {
    accounts: accountRows(db.pool),
    sessions: sessionRows(db.pool),
    loginGuards: loginGuardRows(db.pool),
    restrictions: restrictionRows(db.pool),
    passkeys: passkeyRows(db.pool),
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
