import { randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore } from "../store/identity-store.js";
import type { CeremonyRecord, PasskeyRecord } from "../store/passkey-rows.js";
import { passkeyAdded, passkeyRemoved } from "./identity-events.js";
import { completeLogin, type LoginResult } from "./login-session.js";
import type { ClientFacts } from "./session.js";
import type { Sessions } from "./sessions.js";
import type { StepUp, WithStepUp } from "./step-up.js";

/** Who the passkeys are for: the relying party of WebAuthn. */
export interface PasskeySettings {
  /** The RP ID: the site's registrable domain ("localhost" locally); a passkey works on this domain and its subdomains only. */
  readonly rpId: string;
  /** Shown by the authenticator when it makes the passkey. */
  readonly rpName: string;
  /** The web origins the console is served from; an answer signed for any other origin (a phishing site) is refused. */
  readonly origins: readonly string[];
  /** How many passkeys one account may have. */
  readonly maxPerAccount: number;
}

/** A ceremony for the browser: its id, and the options to pass to navigator.credentials. */
export interface PasskeyCeremony {
  readonly ceremonyId: string;
  readonly optionsJson: string;
}

/**
 * Passkeys (WebAuthn, with @simplewebauthn/server): registered after a
 * step-up password like every change of how an account is logged into, and
 * then a passwordless login that a phishing site cannot relay (the
 * authenticator signs the origin) and that verifies the player itself (PIN or
 * biometrics, required), so it stands in for password and TOTP together.
 */
export interface Passkeys {
  beginRegistration(accountId: string, stepUp: StepUp): Promise<PasskeyCeremony>;
  finishRegistration(accountId: string, ceremonyId: string, credentialJson: string, name: string, ipAddress: string): Promise<PasskeyRecord>;
  list(accountId: string): Promise<PasskeyRecord[]>;
  remove(accountId: string, passkeyId: string, stepUp: StepUp): Promise<void>;
  beginLogin(): Promise<PasskeyCeremony>;
  finishLogin(ceremonyId: string, credentialJson: string, client: ClientFacts): Promise<LoginResult>;
}

/** What {@link createPasskeys} works with. */
export interface PasskeyDependencies {
  readonly store: IdentityStore;
  readonly sessions: Sessions;
  readonly withStepUp: WithStepUp;
  readonly settings: PasskeySettings;
}

/** How long a ceremony's challenge may be answered: long enough for a PIN or a fingerprint, short enough to be no standing key. */
const ceremonyMs = 5 * 60_000;

const notVerified = () => new DomainError(ErrorReason.PASSKEY_NOT_VERIFIED, "the passkey could not be verified");
const expired = () => new DomainError(ErrorReason.PASSKEY_CEREMONY_EXPIRED, "this passkey request is unknown, expired or already used: start again");
const limitReached = (max: number) => new DomainError(ErrorReason.PASSKEY_LIMIT_REACHED, `an account may have at most ${max} passkeys`, { max: String(max) });

/** The browser's answer, parsed: an object with the fields every WebAuthn JSON answer has, or PASSKEY_MALFORMED. */
function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(json: string): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  const shaped = (v: unknown): v is T => {
    if (typeof v !== "object" || v === null) return false;
    const c = v as Record<string, unknown>;
    return typeof c.id === "string" && c.id !== "" && typeof c.rawId === "string" && c.type === "public-key" && typeof c.response === "object" && c.response !== null;
  };
  if (!shaped(value)) throw new DomainError(ErrorReason.PASSKEY_MALFORMED, "credential_json is not a WebAuthn credential in its JSON form (id, rawId, type public-key, response)");
  return value;
}

export function createPasskeys(deps: PasskeyDependencies): Passkeys {
  const { store, sessions, withStepUp, settings } = deps;
  const expected = { expectedOrigin: [...settings.origins], expectedRPID: settings.rpId, requireUserVerification: true };

  const begin = async (purpose: CeremonyRecord["purpose"], accountId: string | undefined, challenge: string): Promise<string> => {
    const now = new Date();
    const ceremonyId = randomUUID();
    await store.passkeys.beginCeremony({ ceremonyId, purpose, accountId, challenge, expiresAt: new Date(now.getTime() + ceremonyMs) }, now);
    return ceremonyId;
  };

  return {
    async beginRegistration(accountId, stepUp) {
      const options = await withStepUp(accountId, stepUp, async (tx, account) => {
        const existing = await tx.passkeys.ofAccount(accountId);
        if (existing.length >= settings.maxPerAccount) return limitReached(settings.maxPerAccount);
        return generateRegistrationOptions({
          rpName: settings.rpName,
          rpID: settings.rpId,
          userName: account.email,
          // The user handle is the account id: what a discoverable passkey hands back at login.
          userID: new TextEncoder().encode(accountId),
          attestationType: "none",
          // The authenticator must keep the passkey (discoverable, so login needs no email) and verify the player.
          authenticatorSelection: { residentKey: "required", userVerification: "required" },
          excludeCredentials: existing.map((p) => ({ id: p.passkeyId, transports: p.transports as AuthenticatorTransport[] })),
          timeout: ceremonyMs,
        });
      });
      return { ceremonyId: await begin("register", accountId, options.challenge), optionsJson: JSON.stringify(options) };
    },

    async finishRegistration(accountId, ceremonyId, credentialJson, name, ipAddress) {
      const response = parseCredential<RegistrationResponseJSON>(credentialJson);
      const ceremony = await store.passkeys.takeCeremony(ceremonyId, "register", new Date());
      if (ceremony === undefined || ceremony.accountId !== accountId) throw expired();
      const verification = await verifyRegistrationResponse({ response, expectedChallenge: ceremony.challenge, ...expected }).catch(() => undefined);
      if (verification?.verified !== true) throw notVerified();
      const { credential, credentialBackedUp } = verification.registrationInfo;
      const outcome = await store.transaction(async (tx) => {
        const account = await tx.accounts.lock(accountId);
        if (account === undefined) return new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
        if (await tx.passkeys.byId(credential.id)) return new DomainError(ErrorReason.PASSKEY_ALREADY_REGISTERED, "this authenticator's passkey is already registered");
        if ((await tx.passkeys.ofAccount(accountId)).length >= settings.maxPerAccount) return limitReached(settings.maxPerAccount);
        const now = new Date();
        const passkey: PasskeyRecord = {
          passkeyId: credential.id,
          accountId,
          publicKey: credential.publicKey,
          signCount: credential.counter,
          transports: credential.transports ?? response.response.transports ?? [],
          name,
          backedUp: credentialBackedUp,
          createdAt: now,
          lastUsedAt: undefined,
        };
        await tx.passkeys.insert(passkey);
        await tx.publish([passkeyAdded(accountId, passkey.passkeyId, name, ipAddress, now.getTime())]);
        return passkey;
      });
      if (outcome instanceof DomainError) throw outcome;
      return outcome;
    },

    list: (accountId) => store.passkeys.ofAccount(accountId),

    async remove(accountId, passkeyId, stepUp) {
      await withStepUp(accountId, stepUp, async (tx, _account, _held, now) => {
        if (!(await tx.passkeys.remove(accountId, passkeyId))) return new DomainError(ErrorReason.PASSKEY_NOT_FOUND, "no such passkey on your account");
        await tx.publish([passkeyRemoved(accountId, passkeyId, stepUp.ipAddress, now)]);
        return undefined;
      });
    },

    async beginLogin() {
      // No allowCredentials: the authenticator offers the passkeys it holds for this site, so nobody learns which accounts exist.
      const options = await generateAuthenticationOptions({ rpID: settings.rpId, userVerification: "required", timeout: ceremonyMs });
      return { ceremonyId: await begin("login", undefined, options.challenge), optionsJson: JSON.stringify(options) };
    },

    async finishLogin(ceremonyId, credentialJson, client) {
      const response = parseCredential<AuthenticationResponseJSON>(credentialJson);
      const ceremony = await store.passkeys.takeCeremony(ceremonyId, "login", new Date());
      if (ceremony === undefined) throw expired();
      const passkey = await store.passkeys.byId(response.id);
      if (passkey === undefined) throw notVerified();
      // A discoverable passkey names its account (the user handle we gave it): it must be the one the key is stored under.
      const userHandle = response.response.userHandle;
      if (userHandle !== undefined && Buffer.from(userHandle, "base64url").toString("utf8") !== passkey.accountId) throw notVerified();
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        ...expected,
        credential: { id: passkey.passkeyId, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.signCount, transports: passkey.transports as AuthenticatorTransport[] },
      }).catch(() => undefined);
      if (verification?.verified !== true) throw notVerified();
      const outcome = await store.transaction(async (tx) => {
        const account = await tx.accounts.lock(passkey.accountId);
        if (account === undefined) return notVerified();
        const now = Date.now();
        await tx.passkeys.markUsed(passkey.passkeyId, verification.authenticationInfo.newCounter, verification.authenticationInfo.credentialBackedUp, new Date(now));
        return completeLogin(tx, sessions, account, client, { method: "passkey", mfaUsed: false }, now);
      });
      if (outcome instanceof DomainError) throw outcome;
      return outcome;
    },
  };
}
