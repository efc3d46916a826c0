import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type pg from "pg";

/** An Ed25519 token signing key as stored. */
export interface StoredSigningKey {
  readonly kid: string;
  /** The public part: kty "OKP", crv "Ed25519", x. */
  readonly publicJwk: { readonly kty: string; readonly crv: string; readonly x: string };
  /** PKCS#8 DER of the private key, sealed (core/secret-box.ts). */
  readonly sealedPrivateKey: Buffer;
  readonly createdAt: Date;
  readonly retiredAt: Date | undefined;
}

/** Key changes made while holding the rotation lock. */
export interface SigningKeyRotation {
  /** The newest key not retired, if any. */
  newest(): Promise<StoredSigningKey | undefined>;
  insert(key: StoredSigningKey): Promise<void>;
  /** Retires every key but `kid`; the kids it retired. */
  retireAllBut(kid: string, at: Date): Promise<string[]>;
  /** Deletes keys retired before `before`: no unexpired token was signed by them. */
  deleteRetiredBefore(before: Date): Promise<void>;
  /** Adds events to the outbox, committed with the rotation. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** The signing keys in PostgreSQL. */
export interface SigningKeyStore {
  /**
   * Runs `work` in a transaction holding a lock every replica takes before
   * rotating, so two replicas starting together create one key, not two.
   */
  rotation<T>(work: (rotation: SigningKeyRotation) => Promise<T>): Promise<T>;
  /** Keys not retired, or retired at or after `retiredSince`, newest first. */
  published(retiredSince: Date): Promise<StoredSigningKey[]>;
}

interface KeyRow {
  kid: string;
  public_jwk: StoredSigningKey["publicJwk"];
  private_key: Buffer;
  created_at: Date;
  retired_at: Date | null;
}

const columns = "kid, public_jwk, private_key, created_at, retired_at";
// Any fixed number shared by the replicas; it only has to differ from other advisory locks in this database.
const rotationLockId = 0x1de7_0001;

const toStored = (row: KeyRow): StoredSigningKey => ({
  kid: row.kid,
  publicJwk: row.public_jwk,
  sealedPrivateKey: row.private_key,
  createdAt: row.created_at,
  retiredAt: row.retired_at ?? undefined,
});

/** The identity service's signing keys in `db`; `source` is the ce_source of the rotation events. */
export function createSigningKeyStore(db: Database, source: string): SigningKeyStore {
  const rotationOn = (sql: pg.PoolClient): SigningKeyRotation => ({
    async newest() {
      const { rows } = await sql.query<KeyRow>(`SELECT ${columns} FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`);
      return rows[0] === undefined ? undefined : toStored(rows[0]);
    },
    async insert(key) {
      await sql.query(`INSERT INTO signing_keys (${columns}) VALUES ($1, $2, $3, $4, $5)`, [key.kid, key.publicJwk, key.sealedPrivateKey, key.createdAt, key.retiredAt ?? null]);
    },
    async retireAllBut(kid, at) {
      const { rows } = await sql.query<{ kid: string }>(`UPDATE signing_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL RETURNING kid`, [kid, at]);
      return rows.map((row) => row.kid);
    },
    async deleteRetiredBefore(before) {
      await sql.query(`DELETE FROM signing_keys WHERE retired_at < $1`, [before]);
    },
    async publish(events) {
      await appendToOutbox(sql, source, events);
    },
  });
  return {
    rotation: (work) =>
      db.transaction(async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock($1)`, [rotationLockId]);
        return work(rotationOn(client));
      }),
    async published(retiredSince) {
      const { rows } = await db.pool.query<KeyRow>(`SELECT ${columns} FROM signing_keys WHERE retired_at IS NULL OR retired_at >= $1 ORDER BY created_at DESC`, [retiredSince]);
      return rows.map(toStored);
    },
  };
}
