import type { AccountRecord } from "../core/account.js";
import type { Queryable } from "./queryable.js";

/** Account rows: credentials, MFA state and recovery codes. */
export interface AccountRows {
  byEmail(email: string): Promise<AccountRecord | undefined>;
  byId(accountId: string): Promise<AccountRecord | undefined>;
  /** False when the email is taken. */
  insert(account: AccountRecord): Promise<boolean>;
  /** Reads the account and locks its row until commit (FOR UPDATE): attempts on one account are decided one at a time. */
  lock(accountId: string): Promise<AccountRecord | undefined>;
  /** Replaces the hash only if it is still `previous` (a re-hash must not undo a concurrent change). */
  replacePasswordHash(accountId: string, previous: string, next: string): Promise<void>;
  /**
   * Records `step` as the last TOTP time step used, only when it is newer than
   * the one recorded (a condition of the UPDATE itself, so two concurrent uses
   * of one code cannot both pass); false when it is not.
   */
  advanceMfaStep(accountId: string, step: number): Promise<boolean>;
  /** Replaces the account's roles (names, as tokens carry them). */
  setRoles(accountId: string, roles: readonly string[]): Promise<void>;
  /** Enrolment: a new sealed secret, MFA not on yet. */
  setMfaSecret(accountId: string, sealedSecret: Buffer): Promise<void>;
  /** Turns MFA on, replacing any recovery codes with these hashes. */
  enableMfa(accountId: string, recoveryCodeHashes: readonly Buffer[]): Promise<void>;
  /** Turns MFA off and forgets the secret, the last step and the recovery codes. */
  disableMfa(accountId: string): Promise<void>;
  /** Marks an unused recovery code used; false when there is no such unused code. */
  useRecoveryCode(accountId: string, codeHash: Buffer, at: Date): Promise<boolean>;
}

interface AccountRow {
  account_id: string;
  email: string;
  password_hash: string;
  roles: string[];
  mfa_secret: Buffer | null;
  mfa_enabled: boolean;
  mfa_last_step: string | null;
  created_at: Date;
}

const columns = "account_id, email, password_hash, roles, mfa_secret, mfa_enabled, mfa_last_step, created_at";

function toRecord(row: AccountRow): AccountRecord {
  return {
    accountId: row.account_id,
    email: row.email,
    passwordHash: row.password_hash,
    roles: row.roles,
    mfaSecret: row.mfa_secret ?? undefined,
    mfaEnabled: row.mfa_enabled,
    // bigint arrives as a string; time steps stay far below 2^53.
    mfaLastStep: row.mfa_last_step === null ? undefined : Number(row.mfa_last_step),
    createdAt: row.created_at,
  };
}

/** Account queries on `sql` (the pool, or a transaction's connection). */
export function accountRows(sql: Queryable): AccountRows {
  const one = async (text: string, values: unknown[]) => {
    const { rows } = await sql.query<AccountRow>(text, values);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  };
  return {
    byEmail: (email) => one(`SELECT ${columns} FROM accounts WHERE email = $1`, [email]),
    byId: (accountId) => one(`SELECT ${columns} FROM accounts WHERE account_id = $1`, [accountId]),
    async insert(account) {
      const { rowCount } = await sql.query(
        `INSERT INTO accounts (account_id, email, password_hash, roles, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING`,
        [account.accountId, account.email, account.passwordHash, account.roles, account.createdAt],
      );
      return rowCount === 1;
    },
    lock: (accountId) => one(`SELECT ${columns} FROM accounts WHERE account_id = $1 FOR UPDATE`, [accountId]),
    async replacePasswordHash(accountId, previous, next) {
      await sql.query(`UPDATE accounts SET password_hash = $3 WHERE account_id = $1 AND password_hash = $2`, [accountId, previous, next]);
    },
    async advanceMfaStep(accountId, step) {
      const { rowCount } = await sql.query(
        `UPDATE accounts SET mfa_last_step = $2 WHERE account_id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)`,
        [accountId, step],
      );
      return rowCount === 1;
    },
    async setRoles(accountId, roles) {
      await sql.query(`UPDATE accounts SET roles = $2 WHERE account_id = $1`, [accountId, roles]);
    },
    async setMfaSecret(accountId, sealedSecret) {
      await sql.query(`UPDATE accounts SET mfa_secret = $2, mfa_enabled = false, mfa_last_step = NULL WHERE account_id = $1`, [accountId, sealedSecret]);
    },
    async enableMfa(accountId, recoveryCodeHashes) {
      await sql.query(`UPDATE accounts SET mfa_enabled = true WHERE account_id = $1`, [accountId]);
      await sql.query(`DELETE FROM recovery_codes WHERE account_id = $1`, [accountId]);
      await sql.query(`INSERT INTO recovery_codes (account_id, code_hash) SELECT $1, unnest($2::bytea[])`, [accountId, recoveryCodeHashes]);
    },
    async disableMfa(accountId) {
      await sql.query(`UPDATE accounts SET mfa_enabled = false, mfa_secret = NULL, mfa_last_step = NULL WHERE account_id = $1`, [accountId]);
      await sql.query(`DELETE FROM recovery_codes WHERE account_id = $1`, [accountId]);
    },
    async useRecoveryCode(accountId, codeHash, at) {
      const { rowCount } = await sql.query(
        `UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL`,
        [accountId, codeHash, at],
      );
      return rowCount === 1;
    },
  };
}
