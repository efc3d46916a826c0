import { Code, createClient } from "@connectrpc/connect";
import { SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { errorInfoOf, generateSigningKey } from "@chaos/mesh";
import { useStack } from "../../scripts/test/stack.js";
import { bearer, edgeTransports, refusal, signUpAtEdge } from "./test-support.js";

// A short session cache, so a revocation shows within a test's patience.
const stack = useStack(["identity", "player", "gateway"], { env: { CHAOS_GATEWAY_SESSION_CACHE_MS: "200" } });

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
