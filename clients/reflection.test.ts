import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureGoClientTools } from "../scripts/contracts/toolchain.js";
import { spawnService, type ServiceProcess } from "../scripts/lib/service-process.js";
import { useStack } from "../scripts/test/stack.js";

// Third-party clients that hold no .proto files: grpcurl and grpc-health-probe
// learn every contract from server reflection. Operators use it on each
// service's internal face (mTLS with the operator's SVID); game-client
// developers use it on the gateway's public port (plaintext h2c). Next to
// third-party.test.ts, which drives the same clients with the contracts in hand.
const stack = useStack(["identity", "player", "combat", "inventory", "progression", "trading", "guild", "chat", "notification", "audit", "matchmaking", "liveops", "world", "anticheat", "payment", "analytics", "gateway"]);
let tools: Awaited<ReturnType<typeof ensureGoClientTools>>;

beforeAll(async () => {
  tools = await ensureGoClientTools();
}, 900_000);

/** Runs `grpcurl <flags> <address> <command>` to completion; `out` is stdout and stderr together. */
function grpcurl(flags: readonly string[], address: string, command: readonly string[]) {
  const result = spawnSync(tools.grpcurl, ["-connect-timeout", "5", ...flags, address, ...command], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const operatorTls = () => {
  const svid = stack.pki.paths("operator");
  return ["-cacert", svid.bundle, "-cert", svid.cert, "-key", svid.key];
};

/** grpcurl against a service's internal face, as the operator. */
const asOperator = (service: string, command: string[], flags: string[] = []) =>
  grpcurl([...operatorTls(), ...flags], `127.0.0.1:${stack.ports[service]!.internal}`, command);

const listed = (out: string) => out.trim().split("\n").sort();

/** The public API: what the gateway serves (it forwards all but its own to their owners). */
const publicServices = [
  "chaos.analytics.v1.AnalyticsService",
  "chaos.anticheat.v1.AnticheatService",
  "chaos.audit.v1.AuditService",
  "chaos.chat.v1.ChatService",
  "chaos.combat.v1.CombatService",
  "chaos.gateway.v1.GatewayService",
  "chaos.guild.v1.GuildService",
  "chaos.identity.v1.IdentityService",
  "chaos.inventory.v1.InventoryService",
  "chaos.liveops.v1.LiveopsService",
  "chaos.matchmaking.v1.MatchmakingService",
  "chaos.notification.v1.NotificationService",
  "chaos.payment.v1.PaymentService",
  "chaos.player.v1.PlayerService",
  "chaos.progression.v1.ProgressionService",
  "chaos.trading.v1.TradingService",
  "chaos.world.v1.WorldService",
];

/**
 * For every service: what it serves, one message using a well-known type, one
 * request with protovalidate rules, and one call grpcurl must encode and decode
 * from reflection alone (a read, or a request the service refuses with a clear code).
 */
const services = [
  {
    name: "gateway",
    serves: publicServices,
    withWellKnownType: { message: "chaos.gateway.v1.GetServerInfoResponse", shows: ".google.protobuf.Timestamp server_time = 3;" },
    withRules: { message: "chaos.gateway.v1.StreamPlayerEventsRequest", shows: "(.buf.validate.field) = {" },
    call: { method: "chaos.gateway.v1.GatewayService/GetServerInfo", request: {}, answers: /"apiVersions": \[/ },
  },
  {
    name: "identity",
    serves: ["chaos.identity.v1.IdentityInternalService", "chaos.identity.v1.IdentityService"],
    withWellKnownType: { message: "chaos.identity.v1.Session", shows: ".google.protobuf.Timestamp expire_time = 7;" },
    withRules: { message: "chaos.identity.v1.GetAccountByIdRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.identity.v1.IdentityInternalService/ListPublicKeys", request: {}, answers: /"keys": \[\s*\{\s*"kid": "/ },
  },
  {
    name: "player",
    serves: ["chaos.player.v1.PlayerInternalService", "chaos.player.v1.PlayerService"],
    withWellKnownType: { message: "chaos.player.v1.Character", shows: ".google.protobuf.Timestamp create_time = 9;" },
    withRules: { message: "chaos.player.v1.GetCharacterStateRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.player.v1.PlayerInternalService/GetCharacterState", request: { characterId: randomUUID() }, answers: /Code: NotFound/ },
  },
  {
    name: "combat",
    serves: ["chaos.combat.v1.CombatService"],
    withWellKnownType: { message: "chaos.combat.v1.Spell", shows: ".google.protobuf.Duration cooldown = 5;" },
    withRules: { message: "chaos.combat.v1.CastSpellRequest", shows: "(.buf.validate.field) = { string: { min_len: 1, max_len: 64 } }" },
    call: { method: "chaos.combat.v1.CombatService/ListSpells", request: { characterId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: character_id: must be a valid UUID/ },
  },
  {
    name: "inventory",
    serves: ["chaos.inventory.v1.InventoryInternalService", "chaos.inventory.v1.InventoryService"],
    withWellKnownType: { message: "chaos.inventory.v1.LedgerEntry", shows: ".google.protobuf.Timestamp create_time = 8;" },
    withRules: { message: "chaos.inventory.v1.GrantItemsRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.inventory.v1.InventoryService/GetWallet", request: { characterId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: character_id: must be a valid UUID/ },
  },
  {
    name: "progression",
    serves: ["chaos.progression.v1.ProgressionInternalService", "chaos.progression.v1.ProgressionService"],
    withWellKnownType: { message: "chaos.progression.v1.Achievement", shows: ".google.protobuf.Timestamp unlock_time = 6;" },
    withRules: { message: "chaos.progression.v1.GetLeaderboardRequest", shows: "(.buf.validate.field) = { enum: { defined_only: true, not_in: [ 0 ] } }" },
    call: { method: "chaos.progression.v1.ProgressionService/GetLeaderboard", request: { board: "BOARD_UNSPECIFIED" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: board: / },
  },
  {
    name: "trading",
    serves: ["chaos.trading.v1.TradingService"],
    withWellKnownType: { message: "chaos.trading.v1.Trade", shows: ".google.protobuf.Timestamp expire_time = 10;" },
    withRules: { message: "chaos.trading.v1.GetTradeRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.trading.v1.TradingService/GetTrade", request: { tradeId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: trade_id: must be a valid UUID/ },
  },
  {
    name: "guild",
    serves: ["chaos.guild.v1.GuildService"],
    withWellKnownType: { message: "chaos.guild.v1.Guild", shows: ".google.protobuf.Timestamp create_time = 9;" },
    withRules: { message: "chaos.guild.v1.GetGuildRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.guild.v1.GuildService/GetGuild", request: { guildId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: guild_id: must be a valid UUID/ },
  },
  {
    name: "chat",
    serves: ["chaos.chat.v1.ChatService"],
    withWellKnownType: { message: "chaos.chat.v1.ChatMessage", shows: ".google.protobuf.Timestamp send_time = 7;" },
    withRules: { message: "chaos.chat.v1.ListChannelsRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.chat.v1.ChatService/ListChannels", request: { characterId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: character_id: must be a valid UUID/ },
  },
  {
    name: "notification",
    serves: ["chaos.notification.v1.NotificationService"],
    withWellKnownType: { message: "chaos.notification.v1.Notification", shows: ".google.protobuf.Timestamp create_time = 10;" },
    withRules: { message: "chaos.notification.v1.RotateWebhookSecretRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.notification.v1.NotificationService/RotateWebhookSecret", request: { webhookId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: webhook_id: must be a valid UUID/ },
  },
  {
    name: "audit",
    serves: ["chaos.audit.v1.AuditInternalService", "chaos.audit.v1.AuditService"],
    withWellKnownType: { message: "chaos.audit.v1.AuditRecord", shows: ".google.protobuf.Timestamp occur_time = 12;" },
    withRules: { message: "chaos.audit.v1.GetAuditRecordRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.audit.v1.AuditService/GetAuditRecord", request: { recordId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: record_id: must be a valid UUID/ },
  },
  {
    name: "matchmaking",
    serves: ["chaos.matchmaking.v1.MatchmakingInternalService", "chaos.matchmaking.v1.MatchmakingService"],
    withWellKnownType: { message: "chaos.matchmaking.v1.Ticket", shows: ".google.protobuf.Timestamp create_time = 8;" },
    withRules: { message: "chaos.matchmaking.v1.GetTicketRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.matchmaking.v1.MatchmakingService/GetTicket", request: { ticketId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: ticket_id: must be a valid UUID/ },
  },
  {
    name: "liveops",
    serves: ["chaos.liveops.v1.LiveopsService"],
    withWellKnownType: { message: "chaos.liveops.v1.LiveEvent", shows: ".google.protobuf.Timestamp create_time = 9;" },
    withRules: { message: "chaos.liveops.v1.GetLiveEventRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.liveops.v1.LiveopsService/GetLiveEvent", request: { eventId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: event_id: must be a valid UUID/ },
  },
  {
    name: "world",
    serves: ["chaos.world.v1.WorldInternalService", "chaos.world.v1.WorldService"],
    withWellKnownType: { message: "chaos.world.v1.Contest", shows: ".google.protobuf.Timestamp start_time = 3;" },
    withRules: { message: "chaos.world.v1.StartTerritoryCaptureRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.world.v1.WorldService/GetZone", request: { zoneId: "Not A Zone" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: zone_id: does not match regex pattern/ },
  },
  {
    name: "anticheat",
    serves: ["chaos.anticheat.v1.AnticheatService"],
    withWellKnownType: { message: "chaos.anticheat.v1.Signal", shows: ".google.protobuf.Timestamp observe_time = 8;" },
    withRules: { message: "chaos.anticheat.v1.GetCaseRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.anticheat.v1.AnticheatService/GetCase", request: { caseId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: case_id: must be a valid UUID/ },
  },
  {
    name: "payment",
    serves: ["chaos.payment.v1.PaymentInternalService", "chaos.payment.v1.PaymentService"],
    withWellKnownType: { message: "chaos.payment.v1.Order", shows: ".google.protobuf.Timestamp create_time = 11;" },
    withRules: { message: "chaos.payment.v1.GetOrderRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.payment.v1.PaymentService/GetOrder", request: { orderId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: order_id: must be a valid UUID/ },
  },
  {
    name: "analytics",
    serves: ["chaos.analytics.v1.AnalyticsService"],
    withWellKnownType: { message: "chaos.analytics.v1.QueryMetricResponse", shows: ".google.protobuf.Timestamp start_time = 3;" },
    withRules: { message: "chaos.analytics.v1.GetRebuildRequest", shows: "(.buf.validate.field) = { string: { uuid: true } }" },
    call: { method: "chaos.analytics.v1.AnalyticsService/GetRebuild", request: { rebuildId: "not-a-uuid" }, answers: /Code: InvalidArgument\n\s*Message: invalid request: rebuild_id: must be a valid UUID/ },
  },

];

describe.each(services)("grpcurl on $name's internal face (mTLS, operator SVID, no .proto files)", (service) => {
  it("lists what it serves, with health and reflection", () => {
    const list = asOperator(service.name, ["list"]);
    expect(list.code, list.out).toBe(0);
    expect(listed(list.out)).toEqual([...service.serves, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);
  });

  it("describes each of its services", () => {
    for (const name of service.serves) {
      const described = asOperator(service.name, ["describe", name]);
      expect(described.code, described.out).toBe(0);
      expect(described.out).toContain(`${name} is a service:`);
      expect(described.out).toMatch(/rpc \w+ \( (stream )?\.chaos\.\w+\.v1\.\w+Request \) returns \( (stream )?\.chaos\.\w+\.v1\.\w+Response \)( \{|;)/);
    }
  });

  it("describes a message using a well-known type, and a request with its protovalidate rules", () => {
    const wellKnown = asOperator(service.name, ["describe", service.withWellKnownType.message]);
    expect(wellKnown.code, wellKnown.out).toBe(0);
    expect(wellKnown.out).toContain(service.withWellKnownType.shows);
    const rules = asOperator(service.name, ["describe", service.withRules.message]);
    expect(rules.code, rules.out).toBe(0);
    expect(rules.out).toContain(service.withRules.shows);
  });

  it("encodes a call and decodes its answer from reflection alone", () => {
    const called = asOperator(service.name, [service.call.method], ["-d", JSON.stringify(service.call.request)]);
    expect(called.out).toMatch(service.call.answers);
  });
});

describe("grpc-health-probe on every internal face (mTLS, operator SVID)", () => {
  it.each(services)("reports $name SERVING, and each of its services", (service) => {
    const svid = stack.pki.paths("operator");
    for (const name of ["", ...service.serves]) {
      const probe = spawnSync(tools["grpc-health-probe"], [
        `-addr=127.0.0.1:${stack.ports[service.name]!.internal}`, "-tls", `-tls-ca-cert=${svid.bundle}`,
        `-tls-client-cert=${svid.cert}`, `-tls-client-key=${svid.key}`, "-tls-server-name=localhost", `-service=${name}`,
      ], { encoding: "utf8", timeout: 30_000 });
      expect(probe.status, `${probe.stdout}${probe.stderr}`).toBe(0);
      expect(`${probe.stdout}${probe.stderr}`).toContain("status: SERVING");
    }
  });
});

describe("grpcurl on the gateway's public port (plaintext h2c, no token, no .proto files)", () => {
  const atEdge = (command: string[], flags: string[] = []) => grpcurl(["-plaintext", ...flags], stack.gateway.grpcAddress, command);

  it("lists the public services with health and reflection, and no internal one", () => {
    const list = atEdge(["list"]);
    expect(list.code, list.out).toBe(0);
    expect(listed(list.out)).toEqual([...publicServices, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);
    expect(list.out).not.toContain("Internal");
    const internal = atEdge(["describe", "chaos.player.v1.PlayerInternalService"]);
    expect(internal.code).not.toBe(0);
    expect(internal.out).toContain("Symbol not found");
  });

  it("describes the public services and their messages, rules included", () => {
    for (const name of publicServices) {
      const described = atEdge(["describe", name]);
      expect(described.code, described.out).toBe(0);
      expect(described.out).toContain(`${name} is a service:`);
    }
    const spell = atEdge(["describe", "chaos.combat.v1.Spell"]);
    expect(spell.code, spell.out).toBe(0);
    expect(spell.out).toContain(".google.protobuf.Duration cooldown = 5;");
    expect(spell.out).toContain('pattern: "^[a-z][a-z0-9_]*$"');
  });

  it("calls GetServerInfo from reflection alone", () => {
    const info = atEdge(["chaos.gateway.v1.GatewayService/GetServerInfo"], ["-d", "{}"]);
    expect(info.code, info.out).toBe(0);
    expect(JSON.parse(info.out).apiVersions).toContain("chaos.identity.v1");
  });

  it("refuses a token-less call with the gateway's reason, its ErrorInfo decoded from reflection", () => {
    const refused = atEdge(["chaos.player.v1.PlayerService/ListMyCharacters"], ["-d", "{}"]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("Code: Unauthenticated");
    expect(refused.out).toContain('"@type": "type.googleapis.com/google.rpc.ErrorInfo"');
    expect(refused.out).toContain('"reason": "ERROR_REASON_UNAUTHENTICATED"');
  });

  it("answers grpc.health.v1 Check: SERVING for the gateway and each public service, NOT_FOUND for others", () => {
    for (const name of ["", ...publicServices]) {
      const check = atEdge(["grpc.health.v1.Health/Check"], ["-d", JSON.stringify({ service: name })]);
      expect(check.code, check.out).toBe(0);
      expect(JSON.parse(check.out)).toEqual({ status: "SERVING" });
    }
    const unknown = atEdge(["grpc.health.v1.Health/Check"], ["-d", JSON.stringify({ service: "chaos.player.v1.PlayerInternalService" })]);
    expect(unknown.out).toContain("Code: NotFound");
  });

  it("answers grpc.health.v1 Watch with the current status", () => {
    const watch = atEdge(["grpc.health.v1.Health/Watch"], ["-max-time", "2", "-d", "{}"]);
    expect(watch.out).toContain('"status": "SERVING"');
  });

  it("is probed by grpc-health-probe (plaintext)", () => {
    const probe = spawnSync(tools["grpc-health-probe"], [`-addr=${stack.gateway.grpcAddress}`, "-service=chaos.identity.v1.IdentityService"], { encoding: "utf8", timeout: 30_000 });
    expect(probe.status, `${probe.stdout}${probe.stderr}`).toBe(0);
    expect(`${probe.stdout}${probe.stderr}`).toContain("status: SERVING");
  });
});

describe("reflection and health on a gateway's public port: the production switch and the rate limit", () => {
  // Two more gateways of the same world, on ports of their own. They share the world's per-address
  // limit state in Redis with the stack's gateway, so the tight limit is spent last, by the last test.
  let closed: ServiceProcess;
  let limited: ServiceProcess;
  const startGateway = (env: Record<string, string>) =>
    spawnService("gateway", {
      env: { ...process.env, ...stack.envOf("gateway"), CHAOS_INTERNAL_PORT: "0", CHAOS_EDGE_PORT: "0", CHAOS_ADMIN_PORT: "0", ...env },
      onLine: () => undefined,
    });
  beforeAll(async () => {
    closed = await startGateway({ CHAOS_EDGE_REFLECTION: "false" });
    limited = await startGateway({ CHAOS_GATEWAY_IP_RATE: "4/m" });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([closed?.stop(), limited?.stop()]);
  });
  const at = (gateway: ServiceProcess, command: string[], flags: string[] = []) => grpcurl(["-plaintext", ...flags], `127.0.0.1:${gateway.ready.edgePort}`, command);

  it("serves no reflection with CHAOS_EDGE_REFLECTION=false, but still health, the API and reflection on the internal face", () => {
    const list = at(closed, ["list"]);
    expect(list.code).not.toBe(0);
    expect(list.out).toContain("server does not support the reflection API");
    const probe = spawnSync(tools["grpc-health-probe"], [`-addr=127.0.0.1:${closed.ready.edgePort}`], { encoding: "utf8", timeout: 30_000 });
    expect(probe.status, `${probe.stdout}${probe.stderr}`).toBe(0);
    const internal = grpcurl(operatorTls(), `127.0.0.1:${closed.ready.internalPort}`, ["list"]);
    expect(internal.code, internal.out).toBe(0);
    expect(internal.out).toContain("chaos.gateway.v1.GatewayService");
  });

  it("counts every reflection request and health check against the caller's address, without a token", () => {
    // grpcurl's list is one call (a reflection stream); a call without .proto files is two (a reflection
    // stream to learn the method, then the call). With 4 calls a minute, the fifth call is refused.
    for (const call of [at(limited, ["list"]), at(limited, ["grpc.health.v1.Health/Check"], ["-d", "{}"]), at(limited, ["list"])]) {
      expect(call.code, call.out).toBe(0);
    }
    const refusedList = at(limited, ["list"]);
    expect(refusedList.code).not.toBe(0);
    expect(refusedList.out).toContain("ResourceExhausted");
    const refusedCheck = at(limited, ["grpc.health.v1.Health/Check"], ["-d", "{}"]);
    expect(refusedCheck.code).not.toBe(0);
    expect(refusedCheck.out).toContain("ResourceExhausted");
  });
});
