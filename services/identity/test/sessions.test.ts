import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { useStack } from "../../../scripts/test/stack.js";
import { file_chaos_identity_v1_events } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { readTopicUntil } from "../../../scripts/test/topic-events.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";

const graceSeconds = 2;
const stack = useStack(["identity"], { env: { CHAOS_IDENTITY_REFRESH_GRACE_SECONDS: String(graceSeconds) } });
const afterGrace = () => new Promise((resolve) => setTimeout(resolve, graceSeconds * 1000 + 300));
const identity = () => stack.operator.client(IdentityService, "identity");
const internal = () => stack.operator.client(IdentityInternalService, "identity");

const password = "Sunken temple stairs 4";

async function login(email: string) {
  const { tokens } = await identity().login({ email, password, userAgent: "vitest" });
  return { ...tokens!, asPlayer: { headers: { [principalHeader]: tokens!.accessToken } } };
}

async function registered(): Promise<{ email: string; accountId: string }> {
  const email = `session-${randomUUID()}@example.com`;
  const { account } = await identity().register({ email, password });
  return { email, accountId: account!.accountId };
}

const isActive = async (sessionId: string) => (await internal().checkSession({ sessionId })).active;

describe("sessions", () => {
  it("rotates refresh tokens; a reused one revokes the whole session and is reported", async () => {
    const { email, accountId } = await registered();
    const first = await login(email);
    const { tokens: second } = await identity().refreshSession({ refreshToken: first.refreshToken });
    expect(second?.sessionId).toBe(first.sessionId);
    expect(second?.refreshToken).not.toBe(first.refreshToken);
    expect(second?.accessToken).not.toBe(first.accessToken);
    // Rotation does not stretch the session: the family keeps its expiry.
    expect(second?.refreshTokenExpireTime).toEqual(first.refreshTokenExpireTime);
    const { tokens: third } = await identity().refreshSession({ refreshToken: second!.refreshToken });

    // The first token comes back long after it was traded: someone kept a copy.
    await afterGrace();
    expect(await refusalOf(identity().refreshSession({ refreshToken: first.refreshToken }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_REFRESH_TOKEN_REUSED" });
    expect(await refusalOf(identity().refreshSession({ refreshToken: third!.refreshToken }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_REFRESH_TOKEN" });
    expect(await isActive(first.sessionId)).toBe(false);
    expect((await refusalOf(identity().getAccount({}, { headers: { [principalHeader]: third!.accessToken } }))).code).toBe(Code.Unauthenticated);

    const events = await readTopicUntil(inject("infra").kafka, `${stack.world}.chaos.identity.v1.accounts`, [file_chaos_identity_v1_events], (all) =>
      all.some((e) => e.subject === accountId && e.type === "chaos.identity.v1.SessionRevoked"),
    );
    const mine = events.filter((e) => e.subject === accountId);
    expect(mine.find((e) => e.type === "chaos.identity.v1.RefreshTokenReuseDetected")?.message).toMatchObject({ accountId, sessionId: first.sessionId });
    expect(mine.find((e) => e.type === "chaos.identity.v1.SessionRevoked")?.message).toMatchObject({ accountId, sessionId: first.sessionId, cause: "token_reuse" });
  });

  it("gives two quick refreshes with one token (a reload mid-request, a lost answer) working pairs of the same session, and keeps it open", async () => {
    const { email } = await registered();
    const session = await login(email);
    const results = await Promise.all([identity().refreshSession({ refreshToken: session.refreshToken }), identity().refreshSession({ refreshToken: session.refreshToken })]);
    expect(results.map((r) => r.tokens?.sessionId)).toEqual([session.sessionId, session.sessionId]);
    // The client whose answer was lost retries with the token it still holds.
    const retried = await identity().refreshSession({ refreshToken: session.refreshToken });
    expect(await isActive(session.sessionId)).toBe(true);
    for (const pair of [...results.map((r) => r.tokens!), retried.tokens!]) {
      expect((await identity().getAccount({}, { headers: { [principalHeader]: pair.accessToken } })).account?.email).toBe(email);
    }
    expect((await identity().refreshSession({ refreshToken: retried.tokens!.refreshToken })).tokens?.sessionId).toBe(session.sessionId);

    // After the grace window the same token is reuse: the session is revoked.
    await afterGrace();
    expect(await refusalOf(identity().refreshSession({ refreshToken: session.refreshToken }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_REFRESH_TOKEN_REUSED" });
    expect(await isActive(session.sessionId)).toBe(false);
  });

  it("refuses an unknown refresh token", async () => {
    expect(await refusalOf(identity().refreshSession({ refreshToken: "bm90IGEgcmVhbCB0b2tlbg" }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_REFRESH_TOKEN" });
  });

  it("revokes one session: CheckSession turns false, its access and refresh tokens stop working, the others go on", async () => {
    const { email } = await registered();
    const laptop = await login(email);
    const phone = await login(email);
    expect(await isActive(laptop.sessionId)).toBe(true);
    const listed = (await identity().listSessions({}, phone.asPlayer)).sessions.map((s) => s.sessionId);
    expect(listed.sort()).toEqual([laptop.sessionId, phone.sessionId].sort());

    await identity().revokeSession({ sessionId: laptop.sessionId }, phone.asPlayer);
    expect(await isActive(laptop.sessionId)).toBe(false);
    expect(await isActive(phone.sessionId)).toBe(true);
    expect((await refusalOf(identity().getAccount({}, laptop.asPlayer))).code).toBe(Code.Unauthenticated);
    expect((await refusalOf(identity().refreshSession({ refreshToken: laptop.refreshToken }))).reason).toBe("ERROR_REASON_INVALID_REFRESH_TOKEN");
    expect((await identity().listSessions({}, phone.asPlayer)).sessions.map((s) => s.sessionId)).toEqual([phone.sessionId]);
  });

  it("does not reveal or revoke another account's session (SESSION_NOT_FOUND)", async () => {
    const alice = await login((await registered()).email);
    const mallory = await login((await registered()).email);
    expect(await refusalOf(identity().revokeSession({ sessionId: alice.sessionId }, mallory.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_SESSION_NOT_FOUND" });
    expect(await isActive(alice.sessionId)).toBe(true);
  });

  it("revokes every session of the caller at once", async () => {
    const { email } = await registered();
    const sessions = [await login(email), await login(email), await login(email)];
    expect((await identity().revokeAllSessions({}, sessions[0]!.asPlayer)).revokedCount).toBe(3);
    for (const session of sessions) expect(await isActive(session.sessionId)).toBe(false);
  });

  it("refuses account calls without an access token, and CheckSession of an unknown session is false", async () => {
    expect((await refusalOf(identity().getAccount({}))).code).toBe(Code.Unauthenticated);
    expect(await isActive(randomUUID())).toBe(false);
  });
});

describe("signing keys and internal look-ups", () => {
  it("publishes the key whose kid the access tokens carry", async () => {
    const { email, accountId } = await registered();
    const { accessToken } = await login(email);
    const header = JSON.parse(Buffer.from(accessToken.split(".")[0]!, "base64url").toString("utf8")) as { alg: string; kid: string };
    expect(header.alg).toBe("EdDSA");
    const { keys } = await internal().listPublicKeys({});
    const key = keys.find((k) => k.kid === header.kid);
    expect(key).toMatchObject({ alg: "EdDSA", kty: "OKP", crv: "Ed25519" });
    expect(Buffer.from(key!.x, "base64url")).toHaveLength(32);
    expect(key?.retireTime).toBeUndefined();

    expect((await internal().getAccountById({ accountId })).account?.email).toBe(email);
    expect(await refusalOf(internal().getAccountById({ accountId: randomUUID() }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_ACCOUNT_NOT_FOUND" });
  });
});
