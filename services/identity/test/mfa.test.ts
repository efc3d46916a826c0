import { randomUUID } from "node:crypto";
import { Secret, TOTP, URI } from "otpauth";
import { describe, expect, it } from "vitest";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { useStack } from "../../../scripts/test/stack.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";

const lockAfterFailures = 4;
const stack = useStack(["identity"], { env: { CHAOS_IDENTITY_LOCK_AFTER_FAILURES: String(lockAfterFailures), CHAOS_IDENTITY_LOCK_SECONDS: "600" } });
const identity = () => stack.operator.client(IdentityService, "identity");

const password = "Frost hollow by night 9";
const stepMs = 30_000;

/** A registered, logged-in account and the call options that act as it. */
async function loggedInAccount() {
  const email = `mfa-${randomUUID()}@example.com`;
  await identity().register({ email, password });
  const { tokens } = await identity().login({ email, password });
  return { email, asPlayer: { headers: { [principalHeader]: tokens!.accessToken } } };
}

/** The code of the time step `steps` away from now. */
const codeAt = (totp: TOTP, steps: number) => totp.generate({ timestamp: Date.now() + steps * stepMs });

/** Six digits that are no valid code anywhere near now, whatever the clocks. */
function wrongCode(totp: TOTP): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => codeAt(totp, steps)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

describe("TOTP MFA", () => {
  it("enrols with an otpauth URI for authenticator apps, and is not on until a first code verifies", async () => {
    const { email, asPlayer } = await loggedInAccount();
    const { secret, otpauthUri } = await identity().enrollMfa({ password }, asPlayer);
    const parsed = URI.parse(otpauthUri);
    expect(parsed).toBeInstanceOf(TOTP);
    expect(parsed).toMatchObject({ issuer: "Chaos World", label: email, algorithm: "SHA1", digits: 6, period: 30 });
    expect((parsed as TOTP).secret.base32).toBe(secret);
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(false);
    // Not on yet: a login needs no code.
    await identity().login({ email, password });

    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    expect(await refusalOf(identity().verifyMfa({ password, code: wrongCode(totp) }, asPlayer))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_MFA_CODE" });
    const { recoveryCodes } = await identity().verifyMfa({ password, code: codeAt(totp, 0) }, asPlayer);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(true);
    expect(await refusalOf(identity().enrollMfa({ password }, asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_MFA_ALREADY_ENABLED" });
  });

  it("refuses every MFA change to an access token alone (a stolen one): the current password is needed as well", async () => {
    const { asPlayer } = await loggedInAccount();
    const stepUp = { code: Code.FailedPrecondition, reason: "ERROR_REASON_STEP_UP_REQUIRED" };
    const wrongPassword = { code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_CREDENTIALS" };
    expect(await refusalOf(identity().enrollMfa({}, asPlayer))).toMatchObject(stepUp);
    expect(await refusalOf(identity().enrollMfa({ password: "Frost hollow by day 9" }, asPlayer))).toMatchObject(wrongPassword);
    const { secret } = await identity().enrollMfa({ password }, asPlayer);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });

    expect(await refusalOf(identity().verifyMfa({ code: codeAt(totp, 0) }, asPlayer))).toMatchObject(stepUp);
    expect(await refusalOf(identity().verifyMfa({ code: codeAt(totp, 0), password: "Frost hollow by day 9" }, asPlayer))).toMatchObject(wrongPassword);
    // Neither refusal used up the code or turned MFA on.
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(false);
    const { recoveryCodes } = await identity().verifyMfa({ password, code: codeAt(totp, 0) }, asPlayer);

    expect(await refusalOf(identity().disableMfa({ code: recoveryCodes[0]! }, asPlayer))).toMatchObject(stepUp);
    expect(await refusalOf(identity().disableMfa({ code: recoveryCodes[0]!, password: "Frost hollow by day 9" }, asPlayer))).toMatchObject(wrongPassword);
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(true);
    await identity().disableMfa({ password, code: recoveryCodes[0]! }, asPlayer);
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(false);
  });

  it("counts wrong step-up passwords towards the lock, so a stolen token cannot guess the password", async () => {
    const { email, asPlayer } = await loggedInAccount();
    for (let i = 0; i < lockAfterFailures; i++) expect((await refusalOf(identity().enrollMfa({ password: `guess number ${i} x` }, asPlayer))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");
    expect(await refusalOf(identity().enrollMfa({ password }, asPlayer))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_ACCOUNT_LOCKED" });
    expect((await refusalOf(identity().login({ email, password }))).reason).toBe("ERROR_REASON_ACCOUNT_LOCKED");
  });

  it("refuses VerifyMfa and DisableMfa before enrolment (MFA_NOT_ENROLLED)", async () => {
    const { asPlayer } = await loggedInAccount();
    expect(await refusalOf(identity().verifyMfa({ password, code: "123456" }, asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_MFA_NOT_ENROLLED" });
    expect(await refusalOf(identity().disableMfa({ password, code: "123456" }, asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_MFA_NOT_ENROLLED" });
  });

  it("makes login need a code, refuses wrong and replayed codes, and takes each recovery code once", async () => {
    const { email, asPlayer } = await loggedInAccount();
    const { secret } = await identity().enrollMfa({ password }, asPlayer);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    // VerifyMfa used the current step, so every later code must come from a later one.
    const { recoveryCodes } = await identity().verifyMfa({ password, code: codeAt(totp, 0) }, asPlayer);

    expect(await refusalOf(identity().login({ email, password }))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_MFA_REQUIRED" });
    // The second factor is checked only after the password.
    expect((await refusalOf(identity().login({ email, password: "Frost hollow by day 9", mfaCode: codeAt(totp, 1) }))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");
    expect(await refusalOf(identity().login({ email, password, mfaCode: wrongCode(totp) }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_MFA_CODE" });

    const next = codeAt(totp, 1);
    const { account } = await identity().login({ email, password, mfaCode: next });
    expect(account?.mfaEnabled).toBe(true);
    expect(await refusalOf(identity().login({ email, password, mfaCode: next }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_MFA_CODE_REPLAYED" });
    // The code VerifyMfa used is older than the last one accepted: a replay too.
    expect((await refusalOf(identity().login({ email, password, mfaCode: codeAt(totp, 0) }))).reason).toBe("ERROR_REASON_MFA_CODE_REPLAYED");

    const [first, second] = recoveryCodes;
    // Recovery codes forgive case and a missing dash, as typed from paper.
    await identity().login({ email, password, mfaCode: first!.toUpperCase().replace("-", "") });
    expect(await refusalOf(identity().login({ email, password, mfaCode: first! }))).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_MFA_CODE" });

    // DisableMfa needs a code too; a recovery code will do.
    expect((await refusalOf(identity().disableMfa({ password, code: wrongCode(totp) }, asPlayer))).reason).toBe("ERROR_REASON_INVALID_MFA_CODE");
    await identity().disableMfa({ password, code: second! }, asPlayer);
    expect((await identity().getAccount({}, asPlayer)).account?.mfaEnabled).toBe(false);
    await identity().login({ email, password });
  });

  it("lets only one of two concurrent logins with the same code through", async () => {
    const { email, asPlayer } = await loggedInAccount();
    const { secret } = await identity().enrollMfa({ password }, asPlayer);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await identity().verifyMfa({ password, code: codeAt(totp, 0) }, asPlayer);

    const code = codeAt(totp, 1);
    const results = await Promise.allSettled([identity().login({ email, password, mfaCode: code }), identity().login({ email, password, mfaCode: code })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect((await refusalOf(Promise.reject((refused as PromiseRejectedResult).reason))).reason).toBe("ERROR_REASON_MFA_CODE_REPLAYED");
  });
});
