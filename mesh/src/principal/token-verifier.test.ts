import { SignJWT, decodeJwt, decodeProtectedHeader, type JWK, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { TokenError, type TokenErrorReason } from "./token-error.js";
import { createTokenSigner, generateSigningKey, type SigningKey } from "./token-signer.js";
import { createTokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";
import { currentCallScope, runInCallScope, type CallScope } from "../call-scope.js";

const issuer = "identity.chaos.world";
const audience = "chaos.world";
const player = { subject: "0b6f5c1e-2f1a-4f55-9d7e-1f9c2b3a4d5e", kind: "player", roles: ["player", "guild-officer"], sessionId: "s-1" } as const;

let k1: SigningKey;
let k2: SigningKey;

beforeAll(async () => {
  k1 = await generateSigningKey("k1");
  k2 = await generateSigningKey("k2");
});

const verifierFor = (keys: TokenVerifierOptions["keys"], extra: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({ issuer, audience, keys, ...extra });
const signWith = (key: SigningKey, extra: { ttlSeconds?: number; issuer?: string; audience?: string } = {}) =>
  createTokenSigner({ issuer: extra.issuer ?? issuer, audience: extra.audience ?? audience, keys: [key], ttlSeconds: extra.ttlSeconds }).sign(player);

/** A token with claims of the test's choosing, validly signed by `key`. */
function craft(key: SigningKey, claims: JWTPayload): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer, aud: audience, sub: player.subject, iat: now, nbf: now, exp: now + 600, jti: "t-1", kind: "player", roles: [], sid: "s-1", ...claims })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
    .sign(key.privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The TokenError `promise` rejects with; fails the test when it resolves or rejects with something else. */
async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

async function expectRefused(promise: Promise<unknown>, reason: TokenErrorReason, token?: string): Promise<void> {
  const error = await refusal(promise);
  expect(error.reason).toBe(reason);
  if (token !== undefined) {
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain(token.split(".")[1]);
  }
}

describe("sign → verify", () => {
  it("gives back the principal the token was signed for", async () => {
    const token = await signWith(k1);
    const principal = await verifierFor([k1.publicJwk]).verify(token);
    expect(principal).toEqual({ ...player, roles: [...player.roles], expiresAt: expect.any(Date), tokenId: expect.any(String), scope: "session" });
    expect(principal.expiresAt.getTime() - Date.now()).toBeGreaterThan(895_000);
    expect(principal.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    expect(principal.tokenId).toBe(decodeJwt(token).jti);
  });

  it("writes kid, iss, aud, sub, exp, iat, nbf, jti, kind, roles and sid, with a fresh jti per token", async () => {
    const token = await signWith(k1, { ttlSeconds: 60 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", kid: "k1", typ: "JWT" });
    const claims = decodeJwt(token);
    expect(claims).toEqual({ iss: issuer, aud: audience, sub: player.subject, iat: expect.any(Number), nbf: claims.iat, exp: claims.iat! + 60, jti: expect.any(String), kind: "player", roles: ["player", "guild-officer"], sid: "s-1" });
    expect(decodeJwt(await signWith(k1)).jti).not.toBe(claims.jti);
  });

  it("publishes an Ed25519 public key without its private part", () => {
    expect(k1.publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: "k1", alg: "EdDSA", use: "sig" });
  });
});

describe("appeal tokens", () => {
  const signAppeal = (key: SigningKey, roles: readonly string[] = player.roles) =>
    createTokenSigner({ issuer, audience, keys: [key] }).sign({ ...player, roles, sessionId: "action-7", scope: "appeal" });

  it("are signed for the appeal audience, without the account's roles", async () => {
    const claims = decodeJwt(await signAppeal(k1, ["player", "admin"]));
    expect(claims.aud).toBe("chaos.world/appeal");
    expect(claims.roles).toEqual([]);
    expect(claims.sid).toBe("action-7");
  });

  it("are refused by a verifier of the API's audience (wrong-audience): every service but the appeal desk", async () => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signAppeal(k1)), "wrong-audience");
  });

  it("verify as scope appeal where accepted, while session tokens stay scope session", async () => {
    const verifier = verifierFor([k1.publicJwk], { acceptAppealTokens: true });
    expect(await verifier.verify(await signAppeal(k1))).toMatchObject({ subject: player.subject, scope: "appeal", roles: [], sessionId: "action-7" });
    expect((await verifier.verify(await signWith(k1))).scope).toBe("session");
  });

  it("lose any roles a forged appeal-audience token claims, and may not be an admin's", async () => {
    const verifier = verifierFor([k1.publicJwk], { acceptAppealTokens: true });
    expect((await verifier.verify(await craft(k1, { aud: "chaos.world/appeal", roles: ["admin"] }))).roles).toEqual([]);
    await expectRefused(verifier.verify(await craft(k1, { aud: "chaos.world/appeal", kind: "admin" })), "invalid-claims");
  });
});

describe("verify refuses", () => {
  it("a tampered payload (bad-signature), without echoing the token", async () => {
    const token = await signWith(k1);
    const [header, , signature] = token.split(".");
    const tampered = `${header}.${base64url({ ...decodeJwt(token), kind: "admin", roles: ["admin"] })}.${signature}`;
    await expectRefused(verifierFor([k1.publicJwk]).verify(tampered), "bad-signature", tampered);
  });

  it("a token signed by another key published under the same kid (bad-signature)", async () => {
    const impostor = await generateSigningKey("k1");
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signWith(impostor)), "bad-signature");
  });

  it('an unsigned token with alg "none" (unsupported-alg)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: "none", kid: "k1" })}.${base64url({ ...decodeJwt(await signWith(k1)), iat: now })}.`;
    await expectRefused(verifierFor([k1.publicJwk]).verify(unsigned), "unsupported-alg", unsigned);
  });

  it("an HS256 token keyed with the public key's bytes (unsupported-alg)", async () => {
    const token = await new SignJWT({ ...decodeJwt(await signWith(k1)) }).setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(Buffer.from(k1.publicJwk.x!, "base64url"));
    await expectRefused(verifierFor([k1.publicJwk]).verify(token), "unsupported-alg");
  });

  it("a token whose kid is not published, or which names none (unknown-key)", async () => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signWith(k2)), "unknown-key");
    const noKid = await new SignJWT({ ...decodeJwt(await signWith(k1)) }).setProtectedHeader({ alg: "EdDSA" }).sign(k1.privateKey);
    await expectRefused(verifierFor([k1.publicJwk]).verify(noKid), "unknown-key");
  });

  it("a token for another audience or from another issuer", async () => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signWith(k1, { audience: "admin.chaos.world" })), "wrong-audience");
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signWith(k1, { issuer: "evil.example" })), "wrong-issuer");
  });

  it("an expired token, beyond the clock tolerance only", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await craft(k1, { iat: now - 120, nbf: now - 120, exp: now - 60 });
    await expectRefused(verifierFor([k1.publicJwk]).verify(expired), "expired");
    expect((await verifierFor([k1.publicJwk], { clockToleranceSeconds: 120 }).verify(expired)).subject).toBe(player.subject);
  });

  it("a token not valid yet (not-yet-valid)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(verifierFor([k1.publicJwk]).verify(await craft(k1, { nbf: now + 60 })), "not-yet-valid");
  });

  it("a signed token living longer than allowed (lifetime-too-long)", async () => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(await signWith(k1, { ttlSeconds: 7200 })), "lifetime-too-long");
    await expectRefused(verifierFor([k1.publicJwk], { maxTtlSeconds: 600 }).verify(await signWith(k1)), "lifetime-too-long");
    // A future iat would otherwise let exp reach further than the lifetime allows.
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(verifierFor([k1.publicJwk]).verify(await craft(k1, { iat: now + 3000, exp: now + 3600 })), "invalid-claims");
  });

  it.each([
    ["an unknown kind", { kind: "god" }],
    ["roles that are not strings", { roles: [1] }],
    ["roles that are not a list", { roles: "admin" }],
    ["a missing session id", { sid: undefined }],
    ["an empty subject", { sub: "" }],
    ["a missing nbf", { nbf: undefined }],
    ["an exp that is not a number", { exp: "tomorrow" }],
  ])("a token with %s (invalid-claims)", async (_, claims) => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(await craft(k1, claims as JWTPayload)), "invalid-claims");
  });

  it.each([
    ["", "malformed"],
    ["not-a-token", "malformed"],
    ["a.b.c", "malformed"],
    // The signature is checked before the payload is read, so a garbled payload with a bad signature is that.
    [`${base64url({ alg: "EdDSA", kid: "k1" })}.${Buffer.from("[1]").toString("base64url")}.AAAA`, "bad-signature"],
  ] as const)("garbage %j (%s)", async (token, reason) => {
    await expectRefused(verifierFor([k1.publicJwk]).verify(token), reason);
  });
});

describe("remembered tokens", () => {
  it("are refused once they expire, though their signature was checked before", async () => {
    const verifier = verifierFor([k1.publicJwk], { clockToleranceSeconds: 0 });
    const token = await signWith(k1, { ttlSeconds: 1 });
    expect((await verifier.verify(token)).subject).toBe(player.subject);
    expect((await verifier.verify(token)).subject).toBe(player.subject);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expectRefused(verifier.verify(token), "expired");
  });

  it("never let a tampered copy through on the original's account", async () => {
    const verifier = verifierFor([k1.publicJwk]);
    const token = await signWith(k1);
    await verifier.verify(token);
    const [header, , signature] = token.split(".");
    await expectRefused(verifier.verify(`${header}.${base64url({ ...decodeJwt(token), kind: "admin" })}.${signature}`), "bad-signature");
  });
});

describe("key rotation", () => {
  it("picks up a newly published key on its first token, and keeps accepting the old key while it is published", async () => {
    let published: JWK[] = [k1.publicJwk];
    let fetches = 0;
    const verifier = verifierFor(() => {
      fetches += 1;
      return published;
    });
    const oldToken = await signWith(k1);
    expect((await verifier.verify(oldToken)).subject).toBe(player.subject);
    expect(fetches).toBe(1);

    // Rotation: publish k2 next to k1, then sign with k2 (the first key is the active one).
    published = [k2.publicJwk, k1.publicJwk];
    const rotated = createTokenSigner({ issuer, audience, keys: [k2, k1] });
    const newToken = await rotated.sign(player);
    expect(decodeProtectedHeader(newToken).kid).toBe("k2");
    expect((await verifier.verify(newToken)).subject).toBe(player.subject);
    expect(fetches).toBe(2);
    expect((await verifier.verify(oldToken)).subject).toBe(player.subject);
    expect(fetches).toBe(2);

    // Another unknown kid right after is refused without asking again: refetches are throttled.
    const stranger = await generateSigningKey("k3");
    await expectRefused(verifier.verify(await signWith(stranger)), "unknown-key");
    expect(fetches).toBe(2);
  });

  it("asks at most once per refetch interval however many tokens name unknown kids, and still picks up a new key after it", async () => {
    let published: JWK[] = [k1.publicJwk];
    let fetches = 0;
    const verifier = verifierFor(async () => {
      fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return published;
    }, { unknownKeyRefetchSeconds: 0.5 });
    await verifier.verify(await signWith(k1));
    expect(fetches).toBe(1);

    const strangers = await Promise.all(Array.from({ length: 100 }, (_, i) => generateSigningKey(`forged-${i}`)));
    const forged = await Promise.all(strangers.map((key) => signWith(key)));
    // Half at once (they share one fetch), half one after another (inside the interval).
    await Promise.all(forged.slice(0, 50).map((token) => expectRefused(verifier.verify(token), "unknown-key")));
    for (const token of forged.slice(50)) await expectRefused(verifier.verify(token), "unknown-key");
    expect(fetches).toBe(2);

    published = [k2.publicJwk, k1.publicJwk];
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await verifier.verify(await signWith(k2))).subject).toBe(player.subject);
    expect(fetches).toBe(3);
  });

  it("throttles unknown-kid refetches to one per 10 s by default", async () => {
    let fetches = 0;
    const verifier = verifierFor(() => {
      fetches += 1;
      return [k1.publicJwk];
    });
    await verifier.verify(await signWith(k1));
    for (let i = 0; i < 20; i++) await expectRefused(verifier.verify(await signWith(await generateSigningKey(`unknown-${i}`))), "unknown-key");
    expect(fetches).toBe(2);
  });

  it("stops accepting a retired key once the published set is asked again", async () => {
    let published: JWK[] = [k2.publicJwk, k1.publicJwk];
    const verifier = verifierFor(async () => published, { keysMaxAgeSeconds: 0 });
    const oldToken = await signWith(k1);
    expect((await verifier.verify(oldToken)).subject).toBe(player.subject);
    published = [k2.publicJwk];
    await expectRefused(verifier.verify(oldToken), "unknown-key");
    expect((await verifier.verify(await signWith(k2))).subject).toBe(player.subject);
  });

  it("shares one key fetch among concurrent verifications, and surfaces a failing fetch as what it is", async () => {
    let fetches = 0;
    const verifier = verifierFor(async () => {
      fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return [k1.publicJwk];
    });
    const token = await signWith(k1);
    await Promise.all([verifier.verify(token), verifier.verify(token), verifier.verify(token)]);
    expect(fetches).toBe(1);

    const broken = verifierFor(() => {
      throw new Error("JWKS endpoint unreachable");
    });
    const error = await broken.verify(token).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TokenError);
    expect((error as Error).message).toBe("cannot load the token verification keys");
  });

  it("does not let one caller's deadline or cancellation fail the key fetch that other callers share", async () => {
    // Like a mesh client, the fetch stops when the call scope it runs in is cancelled.
    const verifier = verifierFor(async () => {
      const signal = currentCallScope()?.signal;
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (signal?.aborted === true) throw new Error("the operation was cancelled");
      return [k1.publicJwk];
    });
    const scopeOf = (signal: AbortSignal): CallScope => ({ deadline: undefined, signal, traceContext: undefined, principalToken: undefined });
    const impatient = new AbortController();
    const token = await signWith(k1);
    const first = runInCallScope(scopeOf(impatient.signal), () => verifier.verify(token)).catch((e: unknown) => e);
    const second = runInCallScope(scopeOf(new AbortController().signal), () => verifier.verify(token));
    impatient.abort();
    expect((await second).subject).toBe(player.subject);
    await first;
  });
});
