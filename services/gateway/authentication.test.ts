import { createPrivateKey, randomBytes, type KeyObject } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { createDatabase, errorInfoOf, generateSigningKey, spiffeIdFor } from "@chaos/mesh";
import { useStack } from "../../scripts/test/stack.js";
import { createSecretBox } from "../identity/core/secret-box.js";
import { createSigningKeyStore } from "../identity/store/signing-key-store.js";
import { bearer, edgeTransports, refusal, signUpAtEdge } from "./test-support.js";

// Identity's at-rest key is the test's, so the test can sign with identity's own key (wrong audience,
// expired: tokens identity would never issue). A short session cache, so a revocation shows quickly.
const identitySecretKey = randomBytes(32);
const stack = useStack(["identity", "player", "gateway"], {
  env: { CHAOS_IDENTITY_SECRET_KEY: identitySecretKey.toString("base64"), CHAOS_GATEWAY_SESSION_CACHE_MS: "200" },
});

/** Identity's current signing key, read from its database as identity itself does (core/key-ring.ts). */
async function identitySigningKey(): Promise<{ kid: string; privateKey: KeyObject }> {
  const db = createDatabase(stack.databaseUrl("identity"));
  try {
    // Only read here: the source names the events a rotation would publish, which this never does.
    const [key] = await createSigningKeyStore(db, spiffeIdFor("identity").uri).published(new Date());
    if (key === undefined) throw new Error("identity has no signing key");
    const pkcs8 = createSecretBox(identitySecretKey).open(key.sealedPrivateKey, `signing-key:${key.kid}`);
    return { kid: key.kid, privateKey: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }) };
  } finally {
    await db.close();
  }
}

/** A real token's claims with `claims` changed, validly signed with identity's own key. */
async function forgedByIdentityKey(token: string, claims: JWTPayload): Promise<string> {
  const { kid, privateKey } = await identitySigningKey();
  return new SignJWT({ ...decodeJwt(token), ...claims }).setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" }).sign(privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Claims of a real token, re-signed by a key identity never published. */
async function resignedWith(token: string, kid: string, claims: Record<string, unknown> = {}): Promise<string> {
  const key = await generateSigningKey(kid);
  return new SignJWT({ ...decodeJwt(token), ...claims }).setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" }).sign(key.privateKey);
}

describe.each(edgeTransports)("tokens at the gateway over %s", (_name, transportOf) => {
  /** Calls a method that needs a token with `token`, and returns the refusal's token_error. */
  const tokenErrorOf = async (token: string) => {
    const error = await refusal(createClient(PlayerService, transportOf(stack)).listMyCharacters({}, bearer(token)));
    expect(error.code).toBe(Code.Unauthenticated);
    const info = errorInfoOf(error);
    expect(info?.reason).toBe("ERROR_REASON_UNAUTHENTICATED");
    expect(info?.domain).toBe("gateway.chaos.world");
    expect(error.rawMessage).not.toContain(token);
    return info?.metadata?.token_error;
  };

  it("accepts the token identity issued", async () => {
    const me = await signUpAtEdge(transportOf(stack));
    expect((await createClient(PlayerService, transportOf(stack)).listMyCharacters({}, me.auth)).characters).toEqual([]);
  });

  it("refuses a token whose claims were changed (bad-signature)", async () => {
    const me = await signUpAtEdge(transportOf(stack));
    const [header, , signature] = me.accessToken.split(".");
    const tampered = `${header}.${base64url({ ...decodeJwt(me.accessToken), kind: "admin", roles: ["admin"] })}.${signature}`;
    expect(await tokenErrorOf(tampered)).toBe("bad-signature");
  });

  it('refuses an unsigned token with alg "none" (unsupported-alg)', async () => {
    const me = await signUpAtEdge(transportOf(stack));
    const { kid } = decodeProtectedHeader(me.accessToken);
    const unsigned = `${base64url({ alg: "none", kid, typ: "JWT" })}.${base64url(decodeJwt(me.accessToken))}.`;
    expect(await tokenErrorOf(unsigned)).toBe("unsupported-alg");
  });

  it("refuses a token signed by another key, under identity's key id (bad-signature) or its own (unknown-key)", async () => {
    const me = await signUpAtEdge(transportOf(stack));
    const { kid } = decodeProtectedHeader(me.accessToken);
    expect(await tokenErrorOf(await resignedWith(me.accessToken, kid!))).toBe("bad-signature");
    expect(await tokenErrorOf(await resignedWith(me.accessToken, "attacker-key"))).toBe("unknown-key");
  });

  it("refuses tokens validly signed by identity's key but for another audience, from another issuer, or expired", async () => {
    const me = await signUpAtEdge(transportOf(stack));
    // The forging works: unchanged claims are accepted.
    expect((await createClient(PlayerService, transportOf(stack)).listMyCharacters({}, bearer(await forgedByIdentityKey(me.accessToken, {})))).characters).toEqual([]);
    expect(await tokenErrorOf(await forgedByIdentityKey(me.accessToken, { aud: "admin.chaos.world" }))).toBe("wrong-audience");
    expect(await tokenErrorOf(await forgedByIdentityKey(me.accessToken, { iss: "evil.example" }))).toBe("wrong-issuer");
    const now = Math.floor(Date.now() / 1000);
    expect(await tokenErrorOf(await forgedByIdentityKey(me.accessToken, { iat: now - 1_000, nbf: now - 1_000, exp: now - 100 }))).toBe("expired");
  });

  it("ends the live feed, without an error, when its access token expires", async () => {
    const me = await signUpAtEdge(transportOf(stack));
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await forgedByIdentityKey(me.accessToken, { iat: now, nbf: now, exp: now + 2 });
    const items: unknown[] = [];
    // Without the token's end the stream would run into the call's deadline, an error.
    for await (const item of createClient(GatewayService, transportOf(stack)).streamPlayerEvents({}, { ...bearer(shortLived), timeoutMs: 20_000 })) items.push(item);
    expect(items).toEqual([]);
  });

  it("refuses a token of a revoked session, while the player's other sessions go on", async () => {
    const transport = transportOf(stack);
    const me = await signUpAtEdge(transport);
    const identity = createClient(IdentityService, transport);
    const { tokens: other } = await identity.login({ email: me.email, password: me.password, userAgent: "second device" });
    const player = createClient(PlayerService, transport);
    await player.listMyCharacters({}, bearer(other!.accessToken));

    await identity.revokeSession({ sessionId: other!.sessionId }, me.auth);
    const outcome = () =>
      player.listMyCharacters({}, bearer(other!.accessToken)).then(
        () => "served",
        (error: unknown) => errorInfoOf(error)?.metadata?.token_error ?? String(error),
      );
    // The gateway remembers a session's state briefly (200 ms here), so the refusal follows within that.
    await expect.poll(outcome, { timeout: 10_000, interval: 100 }).toBe("revoked");
    expect(await tokenErrorOf(other!.accessToken)).toBe("revoked");
    expect((await player.listMyCharacters({}, me.auth)).characters).toEqual([]);
  });
});
