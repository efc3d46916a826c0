import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { clientAddressHeader, createLogger, createMeshRuntime, loadMeshConfig, principalHeader } from "@chaos/mesh";
import { useStack } from "../../../scripts/test/stack.js";
import { file_chaos_identity_v1_events } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { readTopicUntil, type TopicEvent } from "../../../scripts/test/topic-events.js";
import { Code, refusal, refusalOf } from "../../../scripts/test/refusal.js";

const lockAfterFailures = 3;
const globalLockAfterFailures = 7;
const loginBurstLimit = 12;
const stack = useStack(["identity"], {
  env: {
    CHAOS_IDENTITY_LOCK_AFTER_FAILURES: String(lockAfterFailures),
    CHAOS_IDENTITY_LOCK_SECONDS: "600",
    CHAOS_IDENTITY_GLOBAL_LOCK_AFTER_FAILURES: String(globalLockAfterFailures),
    CHAOS_IDENTITY_GLOBAL_LOCK_SECONDS: "300",
    CHAOS_IDENTITY_LOGIN_BURST_LIMIT: String(loginBurstLimit),
    CHAOS_IDENTITY_LOGIN_BURST_SECONDS: "60",
  },
});
const identity = () => stack.operator.client(IdentityService, "identity");

const password = "Ember plains at dawn 7";
const freshEmail = () => `hero-${randomUUID()}@example.com`;

describe("registration", () => {
  it("creates a player account with a lower-cased email and refuses the same email in any case", async () => {
    const email = freshEmail();
    const { account } = await identity().register({ email: email.toUpperCase(), password });
    expect(account).toMatchObject({ email, roles: [Role.PLAYER], mfaEnabled: false });
    expect(account?.accountId).toMatch(/^[0-9a-f-]{36}$/);

    expect(await refusalOf(identity().register({ email, password: "another Good passw0rd" }))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_EMAIL_TAKEN" });
  });

  it.each([
    ["a single character class under 16 characters", () => ({ email: freshEmail(), password: "abcdefghijkl" }), "character_variety"],
    ["one of the first passwords attackers try", () => ({ email: freshEmail(), password: "P@ssw0rd2024!" }), "common_password"],
    ["the email's name part", () => ({ email: `slayer-${randomUUID().slice(0, 8)}@example.com`, password: "" }), "contains_email"],
  ])("refuses %s (WEAK_PASSWORD with the rule)", async (_, attempt, rule) => {
    const { email, password: given } = attempt();
    const weak = given === "" ? `My name is ${email.split("@")[0]}!` : given;
    expect(await refusalOf(identity().register({ email, password: weak }))).toEqual({ code: Code.InvalidArgument, reason: "ERROR_REASON_WEAK_PASSWORD", metadata: { rule } });
    // Nothing was created: the same email registers with a good password.
    await identity().register({ email, password });
  });

  it("refuses a malformed email or a too short password before anything else (INVALID_ARGUMENT)", async () => {
    expect((await refusalOf(identity().register({ email: "not-an-email", password }))).code).toBe(Code.InvalidArgument);
    expect((await refusalOf(identity().register({ email: freshEmail(), password: "short" }))).code).toBe(Code.InvalidArgument);
  });
});

describe("login", () => {
  it("opens a session with a verifiable access token, and refuses a wrong password or an unknown email alike", async () => {
    const email = freshEmail();
    const { account } = await identity().register({ email, password });
    const { tokens, account: loggedIn } = await identity().login({ email: email.toUpperCase(), password, userAgent: "vitest on Linux" });
    expect(loggedIn?.accountId).toBe(account?.accountId);
    expect(tokens?.accessToken.split(".")).toHaveLength(3);
    expect(tokens?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const accessLifetime = Number(tokens!.accessTokenExpireTime!.seconds) * 1000 - Date.now();
    expect(accessLifetime).toBeGreaterThan(890_000);
    expect(accessLifetime).toBeLessThanOrEqual(900_000);

    // The token works for the caller's own account.
    const asPlayer = { headers: { [principalHeader]: tokens!.accessToken } };
    expect((await identity().getAccount({}, asPlayer)).account?.email).toBe(email);
    const { sessions } = await identity().listSessions({}, asPlayer);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ sessionId: tokens?.sessionId, userAgent: "vitest on Linux", ipAddress: "" });

    const wrong = await refusalOf(identity().login({ email, password: "Ember plains at dusk 7" }));
    const unknown = await refusalOf(identity().login({ email: freshEmail(), password }));
    expect(wrong).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_CREDENTIALS" });
    expect(unknown).toEqual(wrong);
  });

  it("locks the account after repeated failures, refusing even the right password, and counts from zero after a success", async () => {
    const email = freshEmail();
    await identity().register({ email, password });
    // A success resets the count: failures before it do not add up with those after it.
    for (let i = 0; i < lockAfterFailures - 1; i++) await refusalOf(identity().login({ email, password: `wrong password ${i}` }));
    await identity().login({ email, password });
    for (let i = 0; i < lockAfterFailures - 1; i++) {
      expect((await refusalOf(identity().login({ email, password: `wrong password ${i}` }))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");
    }
    // The failure that reaches the limit is reported as itself; the lock shows from the next attempt on.
    expect((await refusalOf(identity().login({ email, password: "wrong password again" }))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");

    const locked = await refusalOf(identity().login({ email, password }));
    expect(locked).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_ACCOUNT_LOCKED" });
    const retryAfter = Number(locked.metadata.retry_after_seconds);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
  });

  it("records the client's address only when the gateway forwards it", async () => {
    const email = freshEmail();
    await identity().register({ email, password });
    const headers = { [clientAddressHeader]: "203.0.113.7" };
    const fromOperator = await identity().login({ email, password, userAgent: "operator" }, { headers });

    const gateway = createMeshRuntime("gateway", { config: { ...loadMeshConfig({}), pkiDir: stack.pki.dir, registryFile: stack.registryFile }, logger: createLogger("gateway", "silent") });
    try {
      const fromGateway = await gateway.client(IdentityService, "identity").login({ email, password, userAgent: "browser" }, { headers });
      const { sessions } = await identity().listSessions({}, { headers: { [principalHeader]: fromGateway.tokens!.accessToken } });
      const addressOf = (sessionId: string | undefined) => sessions.find((s) => s.sessionId === sessionId)?.ipAddress;
      expect(addressOf(fromGateway.tokens?.sessionId)).toBe("203.0.113.7");
      expect(addressOf(fromOperator.tokens?.sessionId)).toBe("");
    } finally {
      await gateway.close();
    }
  });

  it("publishes AccountRegistered, every LoginFailed and AccountLocked of the account on the accounts topic", async () => {
    const email = freshEmail();
    const { account } = await identity().register({ email, password });
    const accountId = account!.accountId;
    // The failures are refused calls, yet their count and events committed.
    for (let i = 0; i < lockAfterFailures; i++) await refusalOf(identity().login({ email, password: `not my password ${i}` }));
    await refusalOf(identity().login({ email, password }));

    const topic = `${stack.world}.chaos.identity.v1.accounts`;
    const mine = (events: readonly TopicEvent[]) => events.filter((e) => e.subject === accountId);
    const events = mine(await readTopicUntil(inject("infra").kafka, topic, [file_chaos_identity_v1_events], (all) => mine(all).length >= lockAfterFailures + 3));
    expect(events.map((e) => e.type)).toEqual([
      "chaos.identity.v1.AccountRegistered",
      ...Array.from({ length: lockAfterFailures }, () => "chaos.identity.v1.LoginFailed"),
      "chaos.identity.v1.AccountLocked",
      "chaos.identity.v1.LoginFailed",
    ]);
    expect(events[0]?.message).toMatchObject({ accountId, email, roles: [Role.PLAYER] });
    const failures = events.filter((e) => e.type === "chaos.identity.v1.LoginFailed").map((e) => e.message);
    expect(failures.map((m) => [m.reason, m.failureCount])).toEqual([
      ...Array.from({ length: lockAfterFailures }, (_, i) => ["ERROR_REASON_INVALID_CREDENTIALS", i + 1]),
      ["ERROR_REASON_ACCOUNT_LOCKED", lockAfterFailures],
    ]);
  });
});

describe("login throttling", () => {
  // Only the gateway's client address is believed, so the calls from "other addresses" come through a gateway identity.
  let gateway: ReturnType<typeof createMeshRuntime>;
  beforeAll(() => {
    gateway = createMeshRuntime("gateway", { config: { ...loadMeshConfig({}), pkiDir: stack.pki.dir, registryFile: stack.registryFile }, logger: createLogger("gateway", "silent") });
  });
  afterAll(() => gateway.close());
  const loginFrom = (address: string, email: string, given: string) =>
    gateway.client(IdentityService, "identity").login({ email, password: given }, { headers: { [clientAddressHeader]: address } });

  it("locks out only the address that failed: the owner logging in from another address still succeeds", async () => {
    const email = freshEmail();
    await identity().register({ email, password });
    for (let i = 0; i < lockAfterFailures; i++) await refusalOf(loginFrom("198.51.100.1", email, `wrong password ${i}`));
    expect(await refusalOf(loginFrom("198.51.100.1", email, password))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_ACCOUNT_LOCKED" });
    const { account } = await loginFrom("198.51.100.2", email, password);
    expect(account?.email).toBe(email);
    // The owner's success does not lift the lock of the address that failed.
    expect((await refusalOf(loginFrom("198.51.100.1", email, password))).reason).toBe("ERROR_REASON_ACCOUNT_LOCKED");
  });

  it("backs off for every address after many failures across addresses", async () => {
    const email = freshEmail();
    await identity().register({ email, password });
    for (let i = 0; i < globalLockAfterFailures; i++) {
      const address = `198.51.100.${10 + Math.floor(i / lockAfterFailures)}`;
      expect((await refusalOf(loginFrom(address, email, `wrong password ${i}`))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");
    }
    const backedOff = await refusalOf(loginFrom("198.51.100.99", email, password));
    expect(backedOff).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_ACCOUNT_LOCKED" });
    const retryAfter = Number(backedOff.metadata.retry_after_seconds);
    expect(retryAfter).toBeGreaterThan(290);
    expect(retryAfter).toBeLessThanOrEqual(300);
  });

  it("refuses a burst of attempts on one email from anywhere with RESOURCE_EXHAUSTED and RetryInfo", async () => {
    const email = freshEmail();
    await identity().register({ email, password });
    for (let i = 0; i < loginBurstLimit; i++) await refusalOf(loginFrom(`203.0.113.${i}`, email, `wrong password ${i}`));
    const limited = await refusal(loginFrom("203.0.113.200", email, password));
    expect(await refusalOf(Promise.reject(limited))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_LOGIN_RATE_LIMITED" });
    const retryInfo = limited.findDetails(RetryInfoSchema)[0];
    const retryMs = Number(retryInfo?.retryDelay?.seconds ?? 0) * 1000 + (retryInfo?.retryDelay?.nanos ?? 0) / 1e6;
    expect(retryMs).toBeGreaterThan(50_000);
    expect(retryMs).toBeLessThanOrEqual(60_000);
  });

  it("answers an unknown email exactly like a real one, lock included, so accounts cannot be told apart", async () => {
    const real = freshEmail();
    await identity().register({ email: real, password });
    const answers = async (email: string) => {
      const seen = [];
      for (let i = 0; i <= lockAfterFailures; i++) {
        const { code, reason, metadata } = await refusalOf(loginFrom("192.0.2.1", email, i < lockAfterFailures ? `wrong password ${i}` : password + "?"));
        seen.push({ code, reason, metadata: Object.keys(metadata) });
      }
      return seen;
    };
    const fromReal = await answers(real);
    expect(fromReal.at(-1)?.reason).toBe("ERROR_REASON_ACCOUNT_LOCKED");
    expect(await answers(freshEmail())).toEqual(fromReal);
  });
});
