import { randomUUID } from "node:crypto";
import { Secret, TOTP, URI } from "otpauth";
import { describe, expect, it } from "vitest";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { useStack } from "../../../scripts/test/stack.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { createSoftwareAuthenticator, type SoftwareAuthenticator } from "./software-authenticator.js";

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

describe("passkeys (WebAuthn; a software authenticator here, Chromium's virtual one in the console's e2e)", () => {
  // identity's default relying party: localhost, with the console of `npm start` as its origin.
  const site = "http://localhost:8080";
  const notVerified = { code: Code.Unauthenticated, reason: "ERROR_REASON_PASSKEY_NOT_VERIFIED" };
  const expired = { code: Code.FailedPrecondition, reason: "ERROR_REASON_PASSKEY_CEREMONY_EXPIRED" };

  /** A logged-in account with a passkey on `authenticator`. */
  async function withPasskey(authenticator: SoftwareAuthenticator) {
    const player = await loggedInAccount();
    const ceremony = await identity().beginPasskeyRegistration({ password }, player.asPlayer);
    const { passkey } = await identity().finishPasskeyRegistration(
      { ceremonyId: ceremony.ceremonyId, credentialJson: authenticator.register(ceremony.optionsJson, site), name: "Laptop" },
      player.asPlayer,
    );
    return { ...player, passkey: passkey! };
  }

  it("adds a passkey after a step-up password, then logs in with it and no password or email", async () => {
    const player = await loggedInAccount();
    expect(await refusalOf(identity().beginPasskeyRegistration({ password: "" }, player.asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_STEP_UP_REQUIRED" });
    const ceremony = await identity().beginPasskeyRegistration({ password }, player.asPlayer);
    const creation = JSON.parse(ceremony.optionsJson) as Record<string, unknown>;
    // A discoverable passkey the authenticator must verify the player for, on this site only.
    expect(creation).toMatchObject({ rp: { id: "localhost", name: "Chaos World" }, user: { name: player.email }, authenticatorSelection: { residentKey: "required", userVerification: "required" }, excludeCredentials: [] });
    const authenticator = createSoftwareAuthenticator();
    const { passkey } = await identity().finishPasskeyRegistration({ ceremonyId: ceremony.ceremonyId, credentialJson: authenticator.register(ceremony.optionsJson, site), name: "Laptop" }, player.asPlayer);
    expect(passkey).toMatchObject({ name: "Laptop" });
    expect(passkey!.lastUseTime).toBeUndefined();
    // The next registration tells the authenticator which passkey it already holds.
    const again = JSON.parse((await identity().beginPasskeyRegistration({ password }, player.asPlayer)).optionsJson) as { excludeCredentials: Array<{ id: string }> };
    expect(again.excludeCredentials.map((c) => c.id)).toEqual([passkey!.passkeyId]);

    const login = await identity().beginPasskeyLogin({});
    const request = JSON.parse(login.optionsJson) as Record<string, unknown>;
    // No list of passkeys: nothing tells which accounts exist.
    expect(request).toMatchObject({ rpId: "localhost", userVerification: "required" });
    expect(request.allowCredentials ?? []).toEqual([]);
    const { account, tokens } = await identity().finishPasskeyLogin({ ceremonyId: login.ceremonyId, credentialJson: authenticator.authenticate(login.optionsJson, site), userAgent: "passkey test" });
    expect(account?.email).toBe(player.email);
    const asPasskeyPlayer = { headers: { [principalHeader]: tokens!.accessToken } };
    expect((await identity().getAccount({}, asPasskeyPlayer)).account?.email).toBe(player.email);
    expect((await identity().listSessions({}, asPasskeyPlayer)).sessions.map((s) => s.userAgent)).toContain("passkey test");
    const [listed] = (await identity().listPasskeys({}, player.asPlayer)).passkeys;
    expect(listed).toMatchObject({ passkeyId: passkey!.passkeyId, name: "Laptop" });
    expect(listed!.lastUseTime).toBeDefined();
  });

  it("refuses an answer signed on another origin (a phishing site), a ceremony answered twice, and a cloned key whose counter went back", async () => {
    const authenticator = createSoftwareAuthenticator();
    await withPasskey(authenticator);
    const phished = await identity().beginPasskeyLogin({});
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: phished.ceremonyId, credentialJson: authenticator.authenticate(phished.optionsJson, "https://chaos-world.example") }))).toMatchObject(notVerified);
    // Each ceremony is answered once, right or wrong.
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: phished.ceremonyId, credentialJson: authenticator.authenticate(phished.optionsJson, site) }))).toMatchObject(expired);

    const first = await identity().beginPasskeyLogin({});
    await identity().finishPasskeyLogin({ ceremonyId: first.ceremonyId, credentialJson: authenticator.authenticate(first.optionsJson, site) });
    const cloned = await identity().beginPasskeyLogin({});
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: cloned.ceremonyId, credentialJson: authenticator.authenticate(cloned.optionsJson, site, { signCount: 1 }) }))).toMatchObject(notVerified);
  });

  it("refuses malformed answers, unknown ceremonies and another account's ceremony; removes a passkey only after a step-up, and then it logs in no more", async () => {
    const authenticator = createSoftwareAuthenticator();
    const player = await withPasskey(authenticator);
    const login = await identity().beginPasskeyLogin({});
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: login.ceremonyId, credentialJson: "{not json" }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_PASSKEY_MALFORMED" });
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: login.ceremonyId, credentialJson: JSON.stringify({ id: "x", type: "public-key" }) }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: randomUUID(), credentialJson: authenticator.authenticate(login.optionsJson, site) }))).toMatchObject(expired);
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: "not-a-uuid", credentialJson: "{}" }))).toMatchObject({ code: Code.InvalidArgument });

    // A registration begun by one account cannot be finished by another.
    const other = await loggedInAccount();
    const theirs = await identity().beginPasskeyRegistration({ password }, other.asPlayer);
    expect(await refusalOf(identity().finishPasskeyRegistration({ ceremonyId: theirs.ceremonyId, credentialJson: createSoftwareAuthenticator().register(theirs.optionsJson, site), name: "Stolen" }, player.asPlayer))).toMatchObject(expired);

    expect(await refusalOf(identity().deletePasskey({ passkeyId: player.passkey.passkeyId, password: "" }, player.asPlayer))).toMatchObject({ reason: "ERROR_REASON_STEP_UP_REQUIRED" });
    expect(await refusalOf(identity().deletePasskey({ passkeyId: player.passkey.passkeyId, password }, other.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_PASSKEY_NOT_FOUND" });
    await identity().deletePasskey({ passkeyId: player.passkey.passkeyId, password }, player.asPlayer);
    expect((await identity().listPasskeys({}, player.asPlayer)).passkeys).toEqual([]);
    const after = await identity().beginPasskeyLogin({});
    expect(await refusalOf(identity().finishPasskeyLogin({ ceremonyId: after.ceremonyId, credentialJson: authenticator.authenticate(after.optionsJson, site) }))).toMatchObject(notVerified);
  });
});
