import { randomUUID } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { BadRequestSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { useStack } from "../../scripts/test/stack.js";
import { edgeTransports, firstOf, refusal, signUpAtEdge } from "./test-support.js";

// Inventory is left out on purpose and given an address nothing listens on: an owner that is down.
const stack = useStack(["identity", "player", "gateway"], { env: { CHAOS_ADDR_INVENTORY: "127.0.0.1:9" } });

describe.each(edgeTransports)("the gateway over %s", (_name, transportOf) => {
  it("registers and logs in a player, then serves the owners' APIs with the access token", async () => {
    const transport = transportOf(stack);
    const me = await signUpAtEdge(transport);
    const { account } = await createClient(IdentityService, transport).getAccount({}, me.auth);
    expect(account?.accountId).toBe(me.accountId);
    expect(account?.email).toBe(me.email);

    const player = createClient(PlayerService, transport);
    const name = `Gw${randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const { character } = await player.createCharacter({ name, characterClass: CharacterClass.MAGE }, me.auth);
    expect(character?.playerId).toBe(me.accountId);
    const { characters } = await player.listMyCharacters({}, me.auth);
    expect(characters.map((c) => c.name)).toEqual([name]);
  });

  it("tells anyone, without a token, its version and the API packages it serves", async () => {
    const info = await createClient(GatewayService, transportOf(stack)).getServerInfo({});
    expect(info.serverVersion).toBe("0.1.0");
    expect(info.apiVersions).toEqual([
      "chaos.analytics.v1",
      "chaos.anticheat.v1",
      "chaos.audit.v1",
      "chaos.chat.v1",
      "chaos.combat.v1",
      "chaos.gateway.v1",
      "chaos.guild.v1",
      "chaos.identity.v1",
      "chaos.inventory.v1",
      "chaos.liveops.v1",
      "chaos.matchmaking.v1",
      "chaos.notification.v1",
      "chaos.payment.v1",
      "chaos.player.v1",
      "chaos.progression.v1",
      "chaos.trading.v1",
      "chaos.world.v1",
    ]);
    expect(Math.abs(Number(info.serverTime!.seconds) * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("refuses calls without a token with UNAUTHENTICATED and the gateway's reason", async () => {
    const transport = transportOf(stack);
    for (const call of [
      () => createClient(PlayerService, transport).listMyCharacters({}),
      () => createClient(IdentityService, transport).getAccount({}),
      () => firstOf(createClient(GatewayService, transport).streamPlayerEvents({})),
    ]) {
      const error = await refusal(call);
      expect(error.code).toBe(Code.Unauthenticated);
      expect(errorInfoOf(error)).toEqual({ reason: "ERROR_REASON_UNAUTHENTICATED", domain: "gateway.chaos.world", metadata: { token_error: "missing" } });
    }
  });

  it("refuses a malformed request with INVALID_ARGUMENT and a BadRequest naming each field", async () => {
    const error = await refusal(createClient(IdentityService, transportOf(stack)).register({ email: "not-an-email", password: "short" }));
    expect(error.code).toBe(Code.InvalidArgument);
    const [badRequest] = error.findDetails(BadRequestSchema);
    expect(badRequest?.fieldViolations.map((v) => v.field).sort()).toEqual(["email", "password"]);
  });

  it("passes the owner's refusals on with their code and reason", async () => {
    const transport = transportOf(stack);
    const me = await signUpAtEdge(transport);
    const identity = createClient(IdentityService, transport);
    const taken = await refusal(identity.register({ email: me.email, password: me.password }));
    expect(taken.code).toBe(Code.AlreadyExists);
    expect(errorInfoOf(taken)).toMatchObject({ reason: "ERROR_REASON_EMAIL_TAKEN", domain: "identity.chaos.world" });
    const wrong = await refusal(identity.login({ email: me.email, password: "not the password at all" }));
    expect(wrong.code).toBe(Code.Unauthenticated);
    expect(errorInfoOf(wrong)).toMatchObject({ reason: "ERROR_REASON_INVALID_CREDENTIALS", domain: "identity.chaos.world" });
    const missing = await refusal(createClient(PlayerService, transport).getCharacter({ characterId: randomUUID() }, me.auth));
    expect(missing.code).toBe(Code.NotFound);
    expect(errorInfoOf(missing)).toMatchObject({ reason: "ERROR_REASON_CHARACTER_NOT_FOUND", domain: "player.chaos.world" });
  });

  it("answers UNAVAILABLE with UPSTREAM_UNAVAILABLE while an owner is down, also once its breaker opened", async () => {
    const transport = transportOf(stack);
    const me = await signUpAtEdge(transport);
    const inventory = createClient(InventoryService, transport);
    const breakerOpen = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${stack.ports.gateway!.admin}/metrics`)).text();
      return /^chaos_circuit_breaker_state\{[^}]*target="inventory"[^}]*method="\/chaos\.inventory\.v1\.InventoryService\/GetWallet"[^}]*\} 2$/m.test(metrics);
    };
    // Enough failures open the breaker (10 calls in its window); the answers before and after are the same.
    for (let attempt = 0; attempt < 12 || !(await breakerOpen()); attempt += 1) {
      expect(attempt, "the breaker should have opened").toBeLessThan(40);
      const error = await refusal(inventory.getWallet({ characterId: randomUUID() }, me.auth));
      expect(error.code).toBe(Code.Unavailable);
      expect(errorInfoOf(error)).toEqual({ reason: "ERROR_REASON_UPSTREAM_UNAVAILABLE", domain: "gateway.chaos.world", metadata: { service: "inventory" } });
    }
    const whileOpen = await refusal(inventory.getWallet({ characterId: randomUUID() }, me.auth));
    expect(errorInfoOf(whileOpen)?.reason).toBe("ERROR_REASON_UPSTREAM_UNAVAILABLE");
  });
});

describe("identity behind the gateway", () => {
  it("learns the address a login came from", async () => {
    const [, transportOf] = edgeTransports[1];
    const me = await signUpAtEdge(transportOf(stack));
    const { sessions } = await createClient(IdentityService, transportOf(stack)).listSessions({}, me.auth);
    expect(sessions.find((s) => s.sessionId === me.sessionId)?.ipAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it("learns the client's user agent when the login names none (not the gRPC library of the last hop)", async () => {
    const [, transportOf] = edgeTransports[1];
    const me = await signUpAtEdge(transportOf(stack));
    const identity = createClient(IdentityService, transportOf(stack));
    const { tokens } = await identity.login({ email: me.email, password: me.password }, { headers: { "user-agent": "ChaosConsole/1.0 (test)" } });
    const { sessions } = await identity.listSessions({}, me.auth);
    expect(sessions.find((s) => s.sessionId === tokens?.sessionId)?.userAgent).toBe("ChaosConsole/1.0 (test)");
  });

  it("refuses an authorization header that is not a bearer token with the gateway's reason", async () => {
    const [, transportOf] = edgeTransports[0];
    const error = await refusal(createClient(PlayerService, transportOf(stack)).listMyCharacters({}, { headers: { authorization: "Basic dXNlcjpwYXNz" } }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(errorInfoOf(error)).toMatchObject({ reason: "ERROR_REASON_UNAUTHENTICATED", metadata: { token_error: "malformed" } });
  });
});

describe("CORS at the edge", () => {
  const preflight = (origin: string) =>
    fetch(`${stack.gateway.http1}/chaos.identity.v1.IdentityService/Login`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version,authorization" },
    });

  it("answers preflights from the console's origins", async () => {
    for (const origin of ["http://127.0.0.1:8080", "http://localhost:8080"]) {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    }
  });

  it("lets the console read answers, and gives other origins no CORS headers", async () => {
    const call = (origin: string) =>
      fetch(`${stack.gateway.http1}/chaos.gateway.v1.GatewayService/GetServerInfo`, {
        method: "POST",
        headers: { origin, "content-type": "application/json", "connect-protocol-version": "1" },
        body: "{}",
      });
    const console = await call("http://localhost:8080");
    expect(console.status).toBe(200);
    expect(console.headers.get("access-control-allow-origin")).toBe("http://localhost:8080");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect((await call("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });
});
