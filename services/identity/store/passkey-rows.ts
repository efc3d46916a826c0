import type { Queryable } from "./queryable.js";

/** A passkey (WebAuthn credential) of an account. */
export interface PasskeyRecord {
  /** The credential id, base64url. */
  readonly passkeyId: string;
  readonly accountId: string;
  /** COSE public key. */
  readonly publicKey: Uint8Array;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly name: string;
  readonly backedUp: boolean;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | undefined;
}

/** A WebAuthn ceremony in progress: the challenge to sign, once, before it expires. */
export interface CeremonyRecord {
  readonly ceremonyId: string;
  readonly purpose: "register" | "login";
  /** The account a registration adds to; undefined for a login. */
  readonly accountId: string | undefined;
  readonly challenge: string;
  readonly expiresAt: Date;
}

/** Passkeys and their ceremonies. */
export interface PasskeyRows {
  insert(passkey: PasskeyRecord): Promise<void>;
  byId(passkeyId: string): Promise<PasskeyRecord | undefined>;
  /** The account's passkeys, oldest first. */
  ofAccount(accountId: string): Promise<PasskeyRecord[]>;
  /** Records a login with the passkey and the authenticator's new counter. */
  markUsed(passkeyId: string, signCount: number, backedUp: boolean, at: Date): Promise<void>;
  /** True when the account had the passkey. */
  remove(accountId: string, passkeyId: string): Promise<boolean>;
  /** Starts a ceremony; drops the ones that expired by `now` on the way (begin is where they pile up). */
  beginCeremony(ceremony: CeremonyRecord, now: Date): Promise<void>;
  /** Ends a ceremony and returns it when it was there, of `purpose` and not expired at `now`: each is used once, right or wrong. */
  takeCeremony(ceremonyId: string, purpose: CeremonyRecord["purpose"], now: Date): Promise<CeremonyRecord | undefined>;
}

interface PasskeyRow {
  passkey_id: string;
  account_id: string;
  public_key: Buffer;
  sign_count: string;
  transports: string[];
  name: string;
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

const toPasskey = (row: PasskeyRow): PasskeyRecord => ({
  passkeyId: row.passkey_id,
  accountId: row.account_id,
  publicKey: new Uint8Array(row.public_key),
  signCount: Number(row.sign_count),
  transports: row.transports,
  name: row.name,
  backedUp: row.backed_up,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at ?? undefined,
});

export function passkeyRows(sql: Queryable): PasskeyRows {
  return {
    async insert(p) {
      await sql.query(
        `INSERT INTO passkeys (passkey_id, account_id, public_key, sign_count, transports, name, backed_up, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [p.passkeyId, p.accountId, Buffer.from(p.publicKey), p.signCount, [...p.transports], p.name, p.backedUp, p.createdAt],
      );
    },
    async byId(passkeyId) {
      const { rows } = await sql.query<PasskeyRow>("SELECT * FROM passkeys WHERE passkey_id = $1", [passkeyId]);
      return rows[0] === undefined ? undefined : toPasskey(rows[0]);
    },
    async ofAccount(accountId) {
      const { rows } = await sql.query<PasskeyRow>("SELECT * FROM passkeys WHERE account_id = $1 ORDER BY created_at, passkey_id", [accountId]);
      return rows.map(toPasskey);
    },
    async markUsed(passkeyId, signCount, backedUp, at) {
      await sql.query("UPDATE passkeys SET sign_count = $2, backed_up = $3, last_used_at = $4 WHERE passkey_id = $1", [passkeyId, signCount, backedUp, at]);
    },
    async remove(accountId, passkeyId) {
      const { rowCount } = await sql.query("DELETE FROM passkeys WHERE account_id = $1 AND passkey_id = $2", [accountId, passkeyId]);
      return rowCount === 1;
    },
    async beginCeremony(c, now) {
      // One round trip for both statements (a CTE), so the clean-up costs no extra latency.
      await sql.query(
        `WITH expired AS (DELETE FROM passkey_ceremonies WHERE expires_at <= $6)
         INSERT INTO passkey_ceremonies (ceremony_id, purpose, account_id, challenge, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [c.ceremonyId, c.purpose, c.accountId ?? null, c.challenge, c.expiresAt, now],
      );
    },
    async takeCeremony(ceremonyId, purpose, now) {
      const { rows } = await sql.query<{ ceremony_id: string; purpose: "register" | "login"; account_id: string | null; challenge: string; expires_at: Date }>(
        "DELETE FROM passkey_ceremonies WHERE ceremony_id = $1 RETURNING ceremony_id, purpose, account_id, challenge, expires_at",
        [ceremonyId],
      );
      const row = rows[0];
      if (row === undefined || row.purpose !== purpose || row.expires_at <= now) return undefined;
      return { ceremonyId: row.ceremony_id, purpose: row.purpose, accountId: row.account_id ?? undefined, challenge: row.challenge, expiresAt: row.expires_at };
    },
  };
}
