import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGoJourneyClient, ensureGoClientTools, protoDepsDir } from "../scripts/contracts/toolchain.js";
import { repoRoot } from "../scripts/infra/config.js";
import { useStack } from "../scripts/test/stack.js";

// A game client's whole first minutes, driven through the gateway's public
// gRPC face by two real third-party clients: grpcurl (with the contracts'
// .proto files, as a client developer holding the contracts would) and a Go
// program built from the generated Go code.
const stack = useStack(["identity", "player", "combat", "inventory", "progression", "trading", "guild", "gateway"]);
let grpcurl: string;
let journey: string;

beforeAll(async () => {
  const [tools, built] = await Promise.all([ensureGoClientTools(), buildGoJourneyClient()]);
  grpcurl = tools.grpcurl;
  journey = built;
}, 900_000);

const protoFiles = [
  "chaos/gateway/v1/gateway_service.proto",
  "chaos/identity/v1/identity_service.proto",
  "chaos/player/v1/player_service.proto",
  "chaos/combat/v1/combat_service.proto",
  "chaos/progression/v1/progression_service.proto",
  "chaos/trading/v1/trading_service.proto",
  "chaos/guild/v1/guild_service.proto",
  "google/rpc/error_details.proto",
];

/** Calls `method` on the gateway with grpcurl over plaintext HTTP/2; returns the exit code and what it printed. */
function grpcurlCall(method: string, request: unknown, token?: string) {
  const args = ["-plaintext", "-import-path", path.join(repoRoot, "proto"), "-import-path", protoDepsDir];
  for (const file of protoFiles) args.push("-proto", file);
  if (token !== undefined) args.push("-H", `authorization: Bearer ${token}`);
  args.push("-d", JSON.stringify(request), stack.gateway.grpcAddress, method);
  const result = spawnSync(grpcurl, args, { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function ok(call: ReturnType<typeof grpcurlCall>): Record<string, any> {
  expect(call.err, call.err).toBe("");
  expect(call.code).toBe(0);
  return JSON.parse(call.out) as Record<string, any>;
}

describe("grpcurl through the gateway", () => {
  it("registers, logs in, creates a mage, finds a target, casts fireball, and is refused on cooldown with the reason", () => {
    const email = `grpcurl-${randomUUID()}@example.com`;
    const password = "correct horse battery staple";
    const info = ok(grpcurlCall("chaos.gateway.v1.GatewayService/GetServerInfo", {}));
    expect(info.apiVersions).toContain("chaos.combat.v1");

    const registered = ok(grpcurlCall("chaos.identity.v1.IdentityService/Register", { email, password }));
    expect(registered.account.email).toBe(email);
    const login = ok(grpcurlCall("chaos.identity.v1.IdentityService/Login", { email, password }));
    const token = login.tokens.accessToken as string;
    expect(token.split(".")).toHaveLength(3);

    const created = ok(grpcurlCall("chaos.player.v1.PlayerService/CreateCharacter", { name: `Curl${randomUUID().slice(0, 8)}`, characterClass: "CHARACTER_CLASS_MAGE" }, token));
    const me = created.character;
    const zone = ok(grpcurlCall("chaos.player.v1.PlayerService/ListCharactersInZone", { zoneId: me.position.zoneId, pageSize: 100 }, token));
    const target = (zone.characters as any[]).find((c) => c.kind === "CHARACTER_KIND_TRAINING_TARGET" && c.defeated !== true);
    expect(target).toBeDefined();

    const cast = { casterCharacterId: me.characterId, spellId: "fireball", targetId: target.characterId };
    const hit = ok(grpcurlCall("chaos.combat.v1.CombatService/CastSpell", cast, token));
    expect(hit.damage).toBeGreaterThan(0);
    expect(hit.targetHealth).toBeLessThan(target.stats.health);

    const again = grpcurlCall("chaos.combat.v1.CombatService/CastSpell", cast, token);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("Code: FailedPrecondition");
    expect(again.err).toContain("ERROR_REASON_ON_COOLDOWN");
  });

  it("trades between two players: an offer, its acceptance (twice: the same settled trade), and a refusal with the reason", async () => {
    const password = "correct horse battery staple";
    const enter = async (label: string) => {
      const email = `grpcurl-${label}-${randomUUID()}@example.com`;
      ok(grpcurlCall("chaos.identity.v1.IdentityService/Register", { email, password }));
      const token = ok(grpcurlCall("chaos.identity.v1.IdentityService/Login", { email, password })).tokens.accessToken as string;
      const character = ok(grpcurlCall("chaos.player.v1.PlayerService/CreateCharacter", { name: `Tr${label}${randomUUID().slice(0, 6)}`, characterClass: "CHARACTER_CLASS_MAGE" }, token)).character;
      return { token, characterId: character.characterId as string };
    };
    const [alice, bob] = [await enter("a"), await enter("b")];
    const offer = { proposerCharacterId: alice.characterId, counterpartyCharacterId: bob.characterId, offer: { gold: "10" }, request: {}, ttl: "120s", idempotencyKey: randomUUID() };
    // Trading hears of new characters from player's events; a moment may pass.
    let proposed = grpcurlCall("chaos.trading.v1.TradingService/ProposeTrade", offer, alice.token);
    for (let i = 0; i < 50 && proposed.code !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      proposed = grpcurlCall("chaos.trading.v1.TradingService/ProposeTrade", offer, alice.token);
    }
    const trade = ok(proposed).trade;
    expect(trade.state).toBe("TRADE_STATE_PROPOSED");
    const accepted = ok(grpcurlCall("chaos.trading.v1.TradingService/AcceptTrade", { tradeId: trade.tradeId }, bob.token)).trade;
    expect(accepted.state).toBe("TRADE_STATE_SETTLED");
    expect(ok(grpcurlCall("chaos.trading.v1.TradingService/AcceptTrade", { tradeId: trade.tradeId }, bob.token)).trade.state).toBe("TRADE_STATE_SETTLED");

    const self = grpcurlCall("chaos.trading.v1.TradingService/ProposeTrade", { ...offer, counterpartyCharacterId: alice.characterId, idempotencyKey: randomUUID() }, alice.token);
    expect(self.code).not.toBe(0);
    expect(self.err).toContain("Code: InvalidArgument");
    expect(self.err).toContain("ERROR_REASON_SELF_TRADE");
  });

  it("founds a guild for its fee, deposits into the bank, and reads both back in one GetMyGuild", async () => {
    const email = `grpcurl-guild-${randomUUID()}@example.com`;
    const password = "correct horse battery staple";
    ok(grpcurlCall("chaos.identity.v1.IdentityService/Register", { email, password }));
    const token = ok(grpcurlCall("chaos.identity.v1.IdentityService/Login", { email, password })).tokens.accessToken as string;
    const me = ok(grpcurlCall("chaos.player.v1.PlayerService/CreateCharacter", { name: `Gu${randomUUID().slice(0, 8)}`, characterClass: "CHARACTER_CLASS_CLERIC" }, token)).character;
    const founding = { actorCharacterId: me.characterId, name: `Curl ${randomUUID().slice(0, 8)}`, tag: "CURL", idempotencyKey: randomUUID() };
    // Guild hears of new characters from player's events; a moment may pass.
    let created = grpcurlCall("chaos.guild.v1.GuildService/CreateGuild", founding, token);
    for (let i = 0; i < 50 && created.code !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      created = grpcurlCall("chaos.guild.v1.GuildService/CreateGuild", founding, token);
    }
    const guild = ok(created).guild;
    expect(guild.tag).toBe("CURL");
    ok(grpcurlCall("chaos.guild.v1.GuildService/DepositToGuildBank", { actorCharacterId: me.characterId, amount: "20", idempotencyKey: randomUUID() }, token));
    const mine = ok(grpcurlCall("chaos.guild.v1.GuildService/GetMyGuild", { actorCharacterId: me.characterId }, token));
    expect(mine.guild.guildId).toBe(guild.guildId);
    expect(mine.bankBalance).toBe("20");
    expect(mine.role.rank).toBe(1);

    // The name is taken whatever its case, also for the same player's other character.
    const alt = ok(grpcurlCall("chaos.player.v1.PlayerService/CreateCharacter", { name: `Gv${randomUUID().slice(0, 8)}`, characterClass: "CHARACTER_CLASS_MAGE" }, token)).character;
    const rival = { actorCharacterId: alt.characterId, name: founding.name.toUpperCase(), tag: "CURLZ", idempotencyKey: randomUUID() };
    let again = grpcurlCall("chaos.guild.v1.GuildService/CreateGuild", rival, token);
    for (let i = 0; i < 50 && !again.err.includes("ERROR_REASON_NAME_TAKEN"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = grpcurlCall("chaos.guild.v1.GuildService/CreateGuild", rival, token);
    }
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("Code: AlreadyExists");
    expect(again.err).toContain("ERROR_REASON_NAME_TAKEN");
  });

  it("refuses a call without a token with UNAUTHENTICATED and the gateway's reason", () => {
    const refused = grpcurlCall("chaos.player.v1.PlayerService/ListMyCharacters", {});
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("Code: Unauthenticated");
    expect(refused.err).toContain("ERROR_REASON_UNAUTHENTICATED");
  });
});

describe("a Go game client (grpc-go) through the gateway", () => {
  it("plays the same journey and reads the cooldown refusal from ErrorInfo", () => {
    const result = spawnSync(journey, ["-gateway", stack.gateway.grpcAddress, "-email", `go-${randomUUID()}@example.com`, "-name", `Go${randomUUID().slice(0, 8)}`], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, any>;
    expect(seen.api_versions).toContain("chaos.identity.v1");
    expect(seen.account_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.damage).toBeGreaterThan(0);
    expect(seen.caster_mana).toBeLessThan(120);
    expect(seen.second_cast_code).toBe("FailedPrecondition");
    expect(seen.second_cast_reason).toBe("ERROR_REASON_ON_COOLDOWN");
    expect(Number(seen.second_cast_remaining_ms)).toBeGreaterThan(0);
    expect(seen.trade_state).toBe("TRADE_STATE_SETTLED");
    expect(seen.trade_accept_again_state).toBe("TRADE_STATE_SETTLED");
    expect(seen.self_trade_code).toBe("InvalidArgument");
    expect(seen.self_trade_reason).toBe("ERROR_REASON_SELF_TRADE");
  });
});
