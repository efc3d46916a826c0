import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { createDatabase } from "@chaos/mesh/server";
import { useStack } from "../../../scripts/test/stack.js";
import type { KeyRing } from "../core/key-ring.js";
import { createLogin } from "../core/login.js";
import { createLoginGuard } from "../core/lockout.js";
import { createSecretBox } from "../core/secret-box.js";
import { createSessions } from "../core/sessions.js";
import { createIdentityStore } from "../store/identity-store.js";

const secretKey = randomBytes(32);
const stack = useStack(["identity"], { env: { CHAOS_IDENTITY_SECRET_KEY: secretKey.toString("base64") } });
const password = "Obsidian gate keeper 3";

/** A key ring whose signer is down (a key that cannot be unsealed, an HSM that does not answer). */
const unavailableKeys: KeyRing = {
  sign: () => Promise.reject(new Error("the signing key is unavailable")),
  published: () => Promise.resolve([]),
};

describe("login's record", () => {
  it("has no LoginSucceeded and no session for a login whose token could not be signed", async () => {
    const email = `ordering-${randomUUID()}@example.com`;
    const { account } = await stack.operator.client(IdentityService, "identity").register({ email, password });
    // The service's own login flow over its real database, with only the signer failing.
    const db = createDatabase(stack.databaseUrl("identity"));
    try {
      const store = createIdentityStore(db, "spiffe://chaos.world/ns/chaos/sa/identity");
      const guard = createLoginGuard(store, {
        lockAfterFailures: 5,
        lockSeconds: 900,
        globalLockAfterFailures: 50,
        globalLockSeconds: 60,
        loginBurstLimit: 20,
        loginBurstSeconds: 60,
      });
      const login = await createLogin({ store, guard, box: createSecretBox(secretKey), sessions: createSessions(store, unavailableKeys, { refreshGraceMs: 0 }) });
      await expect(login.login({ email, password, mfaCode: "", client: { ipAddress: "198.51.100.7", userAgent: "test" } })).rejects.toThrow(/signing key is unavailable/);

      const succeeded = await db.pool.query(`SELECT 1 FROM mesh_outbox WHERE headers->>'ce_type' = 'chaos.identity.v1.LoginSucceeded' AND partition_key = $1`, [account!.accountId]);
      expect(succeeded.rowCount).toBe(0);
      const sessions = await db.pool.query(`SELECT 1 FROM sessions WHERE account_id = $1`, [account!.accountId]);
      expect(sessions.rowCount).toBe(0);
    } finally {
      await db.close();
    }
  });
});
