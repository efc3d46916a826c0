import { createHash, randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { useStack } from "../../../scripts/test/stack.js";
import { mfaSecretContext } from "../core/account.js";
import { legacyScryptHash } from "../core/password-hash.js";
import { createSecretBox } from "../core/secret-box.js";

const secretKey = randomBytes(32);
const rotationSeconds = 2;
const stack = useStack(["identity"], {
  env: { CHAOS_IDENTITY_SECRET_KEY: secretKey.toString("base64"), CHAOS_IDENTITY_KEY_ROTATION_HOURS: String(rotationSeconds / 3600) },
});
const identity = () => stack.operator.client(IdentityService, "identity");
const internal = () => stack.operator.client(IdentityInternalService, "identity");

const password = "Obsidian gate keeper 3";
const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as { kid: string }).kid;

async function query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
  const client = new pg.Client(stack.databaseUrl("identity"));
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe("token signing keys", () => {
  it("rotates the signing key when it is too old, keeping the retired one published for the tokens it signed", async () => {
    const email = `keys-${randomUUID()}@example.com`;
    await identity().register({ email, password });
    const before = (await identity().login({ email, password })).tokens!;
    await new Promise((resolve) => setTimeout(resolve, rotationSeconds * 1000 + 500));
    const after = (await identity().login({ email, password })).tokens!;
    expect(kidOf(after.accessToken)).not.toBe(kidOf(before.accessToken));

    const { keys } = await internal().listPublicKeys({});
    expect(keys[0]?.kid).toBe(kidOf(after.accessToken));
    expect(keys[0]?.retireTime).toBeUndefined();
    const retired = keys.find((k) => k.kid === kidOf(before.accessToken));
    expect(retired?.retireTime).toBeDefined();
    // A token of the retired key still works until it expires.
    expect((await identity().getAccount({}, { headers: { [principalHeader]: before.accessToken } })).account?.email).toBe(email);
  });
});

describe("secrets at rest", () => {
  it("stores an Argon2id hash, refresh tokens only as hashes, and the TOTP secret sealed with the configured key", async () => {
    const email = `rest-${randomUUID()}@example.com`;
    const { account } = await identity().register({ email, password });
    const { tokens } = await identity().login({ email, password });
    const { secret } = await identity().enrollMfa({ password }, { headers: { [principalHeader]: tokens!.accessToken } });

    const [row] = await query<{ password_hash: string; mfa_secret: Buffer }>(`SELECT password_hash, mfa_secret FROM accounts WHERE account_id = $1`, [account!.accountId]);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(row?.password_hash).not.toContain(password);
    expect(row?.mfa_secret.toString("latin1")).not.toContain(secret);
    expect(createSecretBox(secretKey).open(row!.mfa_secret, mfaSecretContext(account!.accountId)).toString("utf8")).toBe(secret);

    const stored = await query<{ token_hash: Buffer }>(`SELECT token_hash FROM refresh_tokens WHERE session_id = $1`, [tokens!.sessionId]);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash.equals(createHash("sha256").update(tokens!.refreshToken).digest())).toBe(true);
  });

  it("replaces an earlier release's scrypt hash with an Argon2id one at the next successful login", async () => {
    const email = `upgrade-${randomUUID()}@example.com`;
    const { account } = await identity().register({ email, password });
    await query(`UPDATE accounts SET password_hash = $2 WHERE account_id = $1`, [account!.accountId, await legacyScryptHash(password, { logN: 15, r: 8, p: 1 })]);
    expect((await identity().login({ email, password })).tokens?.accessToken).toBeDefined();
    const [row] = await query<{ password_hash: string }>(`SELECT password_hash FROM accounts WHERE account_id = $1`, [account!.accountId]);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await identity().login({ email, password })).tokens?.accessToken).toBeDefined();
  });
});
