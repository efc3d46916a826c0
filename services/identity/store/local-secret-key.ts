import { randomBytes } from "node:crypto";
import type { Database } from "@chaos/mesh/server";

/**
 * The at-rest encryption key kept in the identity database itself, created
 * on first use, for when CHAOS_IDENTITY_SECRET_KEY is not set. Kept next to
 * the data it protects it only guards copies of single tables (a dump of
 * `accounts` alone); production must supply the key from a secret store
 * (Kubernetes Secret, Vault, a KMS) through CHAOS_IDENTITY_SECRET_KEY.
 * Every replica reads the same row, so they all decrypt what any one sealed.
 */
export async function loadOrCreateLocalSecretKey(db: Database, name = "at-rest"): Promise<Buffer> {
  await db.pool.query(`INSERT INTO local_secret_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, randomBytes(32)]);
  const { rows } = await db.pool.query<{ key: Buffer }>(`SELECT key FROM local_secret_keys WHERE name = $1`, [name]);
  return rows[0]!.key;
}
