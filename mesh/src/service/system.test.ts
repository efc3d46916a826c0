import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { GameServerService } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { MatchmakingInternalService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../authz/policy.js";
import { onEvent } from "../events/event-consumer.js";
import { jobQueueMigrations } from "../jobs/job-queue.js";
import { registration } from "../server/registration.js";
import { defineForeignWorkload } from "./foreign-workload.js";
import { calledTarget, checkWired } from "./manifest-checks.js";
import { runService } from "./run-service.js";
import { consumeEvents, defineService, type AnyServiceManifest } from "./service-manifest.js";
import { checkSystem, policyOf, publicRoutesOf, registryOf } from "./system.js";

const noWire = () => ({ services: [] });

const identity = defineService({
  name: "identity",
  description: "accounts",
  port: 7120,
  serves: [{ service: IdentityService, public: { openMethods: ["login"] } }, { service: IdentityInternalService }],
  wire: noWire,
});
const player = defineService({
  name: "player",
  description: "characters",
  port: 7130,
  serves: [{ service: PlayerService, public: {} }, { service: PlayerInternalService, operatorMethods: ["getCharacterState"] }],
  verifiesEndUserTokens: true,
  publishes: ["characters"],
  wire: noWire,
});
const combat = defineService({
  name: "combat",
  description: "spells",
  port: 7140,
  serves: [{ service: CombatService, public: {} }],
  calls: [{ service: PlayerInternalService, methods: ["applyDamage"] }],
  verifiesEndUserTokens: true,
  publishes: ["casts"],
  consumes: [{ domain: "player", stream: "characters" }],
  wire: noWire,
});
const gateway = defineService({
  name: "gateway",
  description: "the edge",
  port: 7110,
  serves: [{ service: GatewayService }],
  forwardsPublicApis: true,
  edge: () => ({ allowedOrigins: [] }),
  wire: noWire,
});
const system: AnyServiceManifest[] = [combat, gateway, identity, player];
const policy = policyOf(system, { trustDomain: "chaos.world", namespace: "chaos" });
const authorizer = createAuthorizer(policy);
const may = (caller: string, target: string, method: string) => authorizer.decide(target, `spiffe://chaos.world/ns/chaos/sa/${caller}`, method).allowed;

describe("the authorization policy derived from the manifests", () => {
  it("allows exactly the methods a manifest says it calls", () => {
    expect(may("combat", "player", "/chaos.player.v1.PlayerInternalService/ApplyDamage")).toBe(true);
    expect(may("combat", "player", "/chaos.player.v1.PlayerInternalService/SetLevel")).toBe(false);
    expect(may("player", "combat", "/chaos.combat.v1.CombatService/CastSpell")).toBe(false);
  });

  it("lets the gateway call every public service and nothing internal", () => {
    expect(may("gateway", "combat", "/chaos.combat.v1.CombatService/CastSpell")).toBe(true);
    expect(may("gateway", "identity", "/chaos.identity.v1.IdentityService/Login")).toBe(true);
    expect(may("gateway", "player", "/chaos.player.v1.PlayerInternalService/ApplyDamage")).toBe(false);
  });

  it("lets every verifier of end-user tokens fetch identity's public keys, and only them", () => {
    expect(may("combat", "identity", "/chaos.identity.v1.IdentityInternalService/ListPublicKeys")).toBe(true);
    expect(may("player", "identity", "/chaos.identity.v1.IdentityInternalService/ListPublicKeys")).toBe(true);
    expect(may("gateway", "identity", "/chaos.identity.v1.IdentityInternalService/ListPublicKeys")).toBe(false);
  });

  it("lets the operator identity call exactly the methods the manifests name for it (least privilege)", () => {
    expect(may("operator", "player", "/chaos.player.v1.PlayerInternalService/GetCharacterState")).toBe(true);
    expect(may("operator", "player", "/chaos.player.v1.PlayerInternalService/SetLevel")).toBe(false);
    expect(may("operator", "player", "/chaos.player.v1.PlayerInternalService/ApplyDamage")).toBe(false);
    expect(may("operator", "gateway", "/chaos.gateway.v1.GatewayService/GetServerInfo")).toBe(false);
  });

  it("refuses an operator method the service does not serve", () => {
    const typo = { ...player, serves: [{ service: PlayerInternalService, operatorMethods: ["getCharacterStat"] }] };
    expect(() => checkSystem([identity, typo, combat])).toThrow(/getCharacterStat/);
  });
});

describe("the gateway's routes and the registry", () => {
  it("route every public service to the manifest that serves it, with its open methods", () => {
    const routes = publicRoutesOf(system);
    expect(routes.map((r) => `${r.service.typeName}→${r.owner}`).sort()).toEqual([
      "chaos.combat.v1.CombatService→combat",
      "chaos.identity.v1.IdentityService→identity",
      "chaos.player.v1.PlayerService→player",
    ]);
    expect(routes.find((r) => r.owner === "identity")?.openMethods).toEqual(["/chaos.identity.v1.IdentityService/Login"]);
  });

  it("give each service its ports from its one declared port", () => {
    expect(registryOf(system).services.gateway).toEqual({
      internal: "127.0.0.1:7110",
      edge: "127.0.0.1:7210",
      edgeHttp1: "127.0.0.1:7211",
      admin: "127.0.0.1:7310",
    });
    expect(registryOf(system).services.combat).toEqual({ internal: "127.0.0.1:7140", admin: "127.0.0.1:7340" });
  });
});

describe("a system that does not hold together is refused, naming what is wrong", () => {
  it("two services on one port", () => {
    expect(() => checkSystem([combat, { ...player, port: 7140 }])).toThrow(/combat and player both use port 7140|player and combat both use port 7140/);
  });

  it("a call to a service nobody serves", () => {
    expect(() => checkSystem([combat, identity])).toThrow("combat calls chaos.player.v1.PlayerInternalService, which no manifest serves");
  });

  it("a misspelt method", () => {
    const typo = { ...combat, calls: [{ service: PlayerInternalService, methods: ["applyDamages"] }] };
    expect(() => checkSystem([typo, player])).toThrow(/chaos.player.v1.PlayerInternalService has no method "applyDamages"/);
  });

  it("a topic consumed that nobody publishes", () => {
    expect(() => checkSystem([combat, { ...player, publishes: [] }])).toThrow("combat consumes chaos.player.v1.characters, which no manifest publishes");
  });

  it("a service serving another domain's contract", () => {
    expect(() => checkSystem([{ ...combat, serves: [{ service: PlayerService }] }, player])).toThrow(
      "combat serves chaos.player.v1.PlayerService, whose package belongs to player",
    );
  });
});

describe("a service whose wiring disagrees with its manifest does not start", () => {
  it("calling a service it does not declare", () => {
    expect(calledTarget(combat, PlayerInternalService)).toBe("player");
    expect(() => calledTarget(combat, IdentityInternalService)).toThrow(
      "combat calls chaos.identity.v1.IdentityInternalService but its manifest does not declare it in calls",
    );
  });

  it("serving without handlers, or handlers for what it does not serve", () => {
    const events = consumeEvents((client) => client, [onEvent(CharacterCreatedSchema, async () => undefined)]);
    expect(() => checkWired(combat, { services: [], events })).toThrow("combat serves chaos.combat.v1.CombatService (manifest) but wire built no handlers for it");
    expect(() => checkWired(combat, { services: [registration(CombatService, {}), registration(PlayerService, {})], events })).toThrow(
      "combat built handlers for chaos.player.v1.PlayerService, which its manifest does not serve",
    );
    expect(() => checkWired(combat, { services: [registration(CombatService, {})], events })).not.toThrow();
  });

  it("consuming without handlers, or handling events of a domain it does not consume", () => {
    expect(() => checkWired(combat, { services: [registration(CombatService, {})] })).toThrow("combat consumes player events but wire built no event handlers");
    const wrong = consumeEvents((client) => client, [onEvent(SpellCastSchema, async () => undefined)]);
    expect(() => checkWired(combat, { services: [registration(CombatService, {})], events: wrong })).toThrow(
      "combat handles chaos.combat.v1.SpellCast but its manifest consumes no topic of the combat domain",
    );
  });

  it("running jobs without the job queue's table", () => {
    const services = [registration(PlayerService, {}), registration(PlayerInternalService, {})];
    const jobs = { handlers: { leaderboard: async () => undefined } };
    expect(() => checkWired(player, { services, jobs })).toThrow("player runs jobs but its manifest does not list jobQueueMigrations in state.database.meshTables");
    const withQueue = { ...player, state: { database: { migrations: new URL("file:///migrations/"), meshTables: jobQueueMigrations } } };
    expect(() => checkWired(withQueue, { services, jobs })).not.toThrow();
  });
});

describe("a foreign workload (a program in another language) is a member of the system like any service", () => {
  const matchmaking = defineService({
    name: "matchmaking",
    description: "queues",
    port: 7420,
    serves: [{ service: MatchmakingInternalService }],
    calls: [{ service: GameServerService, methods: ["allocateMatch"] }],
    wire: noWire,
  });
  const gameserver = defineForeignWorkload({
    name: "gameserver",
    description: "plays matches",
    port: 7450,
    serves: [{ service: GameServerService, operatorMethods: ["disconnectPlayer"] }],
    calls: [{ service: MatchmakingInternalService, methods: ["reportMatchResult", "reportPlayerLeft"] }],
    process: { sourceDir: "clients/gameserver", build: ["go", "build", "-o", "{output}", "."], executable: ".chaos/bin/chaos-gameserver", image: "chaos-world-gameserver" },
  });
  const withGame: AnyServiceManifest[] = [...system, matchmaking, gameserver];
  const gamePolicy = createAuthorizer(policyOf(withGame, { trustDomain: "chaos.world", namespace: "chaos" }));
  const allowed = (caller: string, target: string, method: string) => gamePolicy.decide(target, `spiffe://chaos.world/ns/chaos/sa/${caller}`, method).allowed;

  it("is in the registry, with an internal and an admin port and no edge", () => {
    expect(() => checkSystem(withGame)).not.toThrow();
    expect(registryOf(withGame).services.gameserver).toEqual({ internal: "127.0.0.1:7450", admin: "127.0.0.1:7650" });
  });

  it("may call exactly the methods it declares, and is called by exactly who declares it", () => {
    expect(allowed("gameserver", "matchmaking", "/chaos.matchmaking.v1.MatchmakingInternalService/ReportMatchResult")).toBe(true);
    expect(allowed("gameserver", "matchmaking", "/chaos.matchmaking.v1.MatchmakingInternalService/ReportPlayerLeft")).toBe(true);
    expect(allowed("gameserver", "player", "/chaos.player.v1.PlayerInternalService/ApplyDamage")).toBe(false);
    expect(allowed("matchmaking", "gameserver", "/chaos.gameserver.v1.GameServerService/AllocateMatch")).toBe(true);
    expect(allowed("matchmaking", "gameserver", "/chaos.gameserver.v1.GameServerService/DisconnectPlayer")).toBe(false);
    expect(allowed("operator", "gameserver", "/chaos.gameserver.v1.GameServerService/DisconnectPlayer")).toBe(true);
    expect(allowed("operator", "gameserver", "/chaos.gameserver.v1.GameServerService/AllocateMatch")).toBe(false);
  });

  it("is refused when it serves another domain's contract or calls what nobody serves", () => {
    expect(() => checkSystem([...system, matchmaking, { ...gameserver, serves: [{ service: PlayerService }] }])).toThrow(
      "gameserver serves chaos.player.v1.PlayerService, whose package belongs to player",
    );
    expect(() => checkSystem([...system, gameserver])).toThrow("gameserver calls chaos.matchmaking.v1.MatchmakingInternalService, which no manifest serves");
    const typo = { ...gameserver, calls: [{ service: MatchmakingInternalService, methods: ["reportMatchResults"] }] };
    expect(() => checkSystem([...system, matchmaking, typo])).toThrow(/MatchmakingInternalService has no method "reportMatchResults"/);
  });

  it("is refused when it declares what only the Node runtime honours", () => {
    expect(() => checkSystem([...system, matchmaking, { ...gameserver, publishes: ["matches"] }])).toThrow("gameserver is a foreign workload and may not declare publishes");
    expect(() => checkSystem([...system, matchmaking, { ...gameserver, state: { redis: true } }])).toThrow("gameserver is a foreign workload and may not declare state");
  });

  it("is not run by runService", async () => {
    await expect(runService(gameserver)).rejects.toThrow("gameserver is a foreign workload: start its program (.chaos/bin/chaos-gameserver), not runService");
  });
});
