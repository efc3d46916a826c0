import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http2 from "node:http2";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { GameServerService, GetMatchRequestSchema, MatchState } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { MatchmakingInternalService, type ReportMatchResultRequest, type ReportPlayerLeftRequest } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "@chaos/gen/grpc/health/v1/health_pb.js";
import { callerOf, createLogger, createMeshRuntime, ensureLocalPki, errorInfoOf, loadMeshConfig, registration, type MeshRuntime, type MeshServer } from "@chaos/mesh";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { AllocateMatchRequestSchema } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureGoClientTools } from "../../scripts/contracts/toolchain.js";
import { run } from "../../scripts/infra/proc.js";
import { spawnService } from "../../scripts/lib/service-process.js";
import { repoRoot } from "../../scripts/infra/config.js";
import { freePort, useStack } from "../../scripts/test/stack.js";

/**
 * The Go game server as a real process of a stack (built and started by
 * spawnService from its manifest, with its own SVID), on the system's
 * generated policy. Matchmaking is a real mesh server in this file with
 * matchmaking's SVID, serving MatchmakingInternalService and recording what
 * it is sent: the game server's peer, not a stand-in for a datastore.
 */
const matchmakingPort = await freePort();
const stack = useStack(["echo", "gameserver"], {
  env: {
    CHAOS_ADDR_MATCHMAKING: `127.0.0.1:${matchmakingPort}`,
    CHAOS_GAMESERVER_MATCH_MS: "400",
    CHAOS_GAMESERVER_TICK_MS: "20",
    CHAOS_GAMESERVER_MAX_MATCHES: "3",
  },
});

interface Received {
  readonly results: Array<{ caller: string | undefined; request: ReportMatchResultRequest }>;
  readonly leavers: Array<{ caller: string | undefined; request: ReportPlayerLeftRequest }>;
}
const received: Received = { results: [], leavers: [] };
const runtimes: MeshRuntime[] = [];
let matchmaking: { runtime: MeshRuntime; server: MeshServer } | undefined;

/** A mesh runtime with `identity`'s SVID in the stack's PKI and registry. */
function runtimeAs(identity: string, extra: Partial<ReturnType<typeof loadMeshConfig>> = {}): MeshRuntime {
  const runtime = createMeshRuntime(identity, {
    config: { ...loadMeshConfig({}), pkiDir: stack.pki.dir, registryFile: stack.registryFile, ...extra },
    logger: createLogger(identity, "silent"),
  });
  runtimes.push(runtime);
  return runtime;
}

/** Matchmaking's internal face as the game server sees it: the mesh's server, the generated policy. */
async function startMatchmaking(): Promise<void> {
  const runtime = runtimeAs("matchmaking", { internalPort: matchmakingPort });
  const server = runtime.createServer({
    services: [
      registration(MatchmakingInternalService, {
        reportMatchResult(request, context) {
          const duplicate = received.results.some((r) => r.request.matchId === request.matchId);
          received.results.push({ caller: callerOf(context)?.uri, request });
          return { duplicate };
        },
        reportPlayerLeft(request, context) {
          received.leavers.push({ caller: callerOf(context)?.uri, request });
          return { backfillRequested: true };
        },
      }),
    ],
  });
  await server.start();
  matchmaking = { runtime, server };
}

beforeAll(async () => {
  // Identities the policy does not name as the game server's callers.
  await ensureLocalPki(stack.pki.dir, ["matchmaking", "combat"]);
}, 60_000);

afterAll(async () => {
  await matchmaking?.server.shutdown();
  await Promise.all(runtimes.map((runtime) => runtime.close()));
});

/** A client of the game server with matchmaking's SVID. */
const asMatchmaking = () => runtimeAs("matchmaking").client(GameServerService, "gameserver");

const gameserverId = "spiffe://chaos.world/ns/chaos/sa/gameserver";

function allocation(overrides: Partial<MessageInitShape<typeof AllocateMatchRequestSchema>> = {}): MessageInitShape<typeof AllocateMatchRequestSchema> {
  return {
    matchId: randomUUID(),
    queueId: "ranked-1v1",
    seed: 7n,
    teams: [
      { teamIndex: 0, players: [{ characterId: randomUUID(), rating: 30 }] },
      { teamIndex: 1, players: [{ characterId: randomUUID(), rating: 2 }] },
    ],
    ...overrides,
  };
}

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("the Go game server", () => {
  it("passes go vet and its own unit tests (the simulation's determinism, the policy, the match rules)", async () => {
    const cwd = path.join(repoRoot, "clients/gameserver");
    await run("go", ["vet", "./..."], { cwd, timeoutMs: 600_000 });
    const output = await run("go", ["test", "./..."], { cwd, timeoutMs: 600_000 });
    expect(output).toMatch(/^ok\s+chaos\.world\/gameserver/m);
  }, 600_000);

  it("plays an allocated match and reports the result to matchmaking, waiting out matchmaking being down", async () => {
    // Matchmaking is not up yet: the report is retried until it is.
    const request = allocation();
    const allocated = await stack.operator.client(GameServerService, "gameserver").allocateMatch(request);
    expect(allocated.serverId).toMatch(/^gameserver-/);
    expect(allocated.match?.state).toBe(MatchState.PLAYING);
    expect(allocated.match?.teams.map((t) => t.players.map((p) => p.characterId))).toEqual(request.teams!.map((t) => t.players!.map((p) => p.characterId)));
    await startMatchmaking();
    await expect.poll(() => received.results.find((r) => r.request.matchId === request.matchId), { timeout: 20_000 }).toBeDefined();
    const report = received.results.find((r) => r.request.matchId === request.matchId)!;
    expect(report.caller).toBe(gameserverId);
    expect(report.request.draw || [0, 1].includes(report.request.winningTeamIndex)).toBe(true);
    expect(report.request.leaverCharacterIds).toEqual([]);
    await expect
      .poll(async () => (await stack.operator.client(GameServerService, "gameserver").getMatch({ matchId: request.matchId })).match?.state, { timeout: 10_000 })
      .toBe(MatchState.REPORTED);
  });

  it("takes matchmaking's allocations; the same seed and roster play the same match on a fresh allocation", async () => {
    const matchmakingClient = asMatchmaking();
    const teams = allocation().teams;
    const first = allocation({ teams, seed: 99n });
    const second = allocation({ teams, seed: 99n });
    await matchmakingClient.allocateMatch(first);
    await matchmakingClient.allocateMatch(second);
    const resultOf = (matchId: string) => received.results.find((r) => r.request.matchId === matchId)?.request;
    await expect.poll(() => resultOf(first.matchId!) !== undefined && resultOf(second.matchId!) !== undefined, { timeout: 20_000 }).toBe(true);
    expect({ draw: resultOf(second.matchId!)!.draw, winner: resultOf(second.matchId!)!.winningTeamIndex }).toEqual({
      draw: resultOf(first.matchId!)!.draw,
      winner: resultOf(first.matchId!)!.winningTeamIndex,
    });
  });

  it("answers a repeated allocation with the first one, and refuses the same match id with another roster", async () => {
    const client = stack.operator.client(GameServerService, "gameserver");
    const request = allocation();
    const first = await client.allocateMatch(request);
    const again = await client.allocateMatch(request);
    expect(again.match?.allocateTime).toEqual(first.match?.allocateTime);
    const other = { ...request, teams: [request.teams![0]!, { teamIndex: 1, players: [{ characterId: randomUUID(), rating: 2 }] }] };
    const conflict = await refusal(client.allocateMatch(other));
    expect(conflict.code).toBe(Code.AlreadyExists);
    expect(errorInfoOf(conflict)).toMatchObject({ reason: "ERROR_REASON_ALLOCATION_CONFLICT", domain: "gameserver.chaos.world", metadata: { match_id: request.matchId } });
  });

  it("refuses bad input with INVALID_ARGUMENT and unknown matches with MATCH_NOT_FOUND", async () => {
    const client = stack.operator.client(GameServerService, "gameserver");
    const bad = await refusal(client.allocateMatch(allocation({ matchId: "not-a-uuid" })));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toContain("match_id");
    const oneTeam = await refusal(client.allocateMatch(allocation({ teams: [{ teamIndex: 0, players: [{ characterId: randomUUID(), rating: 1 }] }] })));
    expect(oneTeam.code).toBe(Code.InvalidArgument);
    const missing = await refusal(client.getMatch({ matchId: randomUUID() }));
    expect(missing.code).toBe(Code.NotFound);
    expect(errorInfoOf(missing)?.reason).toBe("ERROR_REASON_MATCH_NOT_FOUND");
  });

  it("reports a disconnected player as a leaver at once and in the result, takes a replacement, and refuses changes once the match is over", async () => {
    const client = stack.operator.client(GameServerService, "gameserver");
    const request = allocation();
    const leaver = request.teams![1]!.players![0]!.characterId!;
    await client.allocateMatch(request);
    const dropped = await client.disconnectPlayer({ matchId: request.matchId, characterId: leaver });
    expect(dropped.match?.leaverCharacterIds).toEqual([leaver]);
    expect(dropped.match?.teams[1]?.players).toEqual([]);
    // A repeat changes nothing and tells matchmaking nothing more.
    await client.disconnectPlayer({ matchId: request.matchId, characterId: leaver });
    const replacement = randomUUID();
    const backfilled = await asMatchmaking().addPlayer({ matchId: request.matchId, teamIndex: 1, player: { characterId: replacement, rating: 5 } });
    expect(backfilled.match?.teams[1]?.players.map((p) => p.characterId)).toEqual([replacement]);
    const stranger = await refusal(client.disconnectPlayer({ matchId: request.matchId, characterId: randomUUID() }));
    expect(errorInfoOf(stranger)?.reason).toBe("ERROR_REASON_PLAYER_NOT_IN_MATCH");

    await expect.poll(() => received.results.find((r) => r.request.matchId === request.matchId), { timeout: 20_000 }).toBeDefined();
    expect(received.leavers.filter((l) => l.request.matchId === request.matchId).map((l) => [l.caller, l.request.characterId])).toEqual([[gameserverId, leaver]]);
    expect(received.results.find((r) => r.request.matchId === request.matchId)!.request.leaverCharacterIds).toEqual([leaver]);
    const over = await refusal(client.addPlayer({ matchId: request.matchId, teamIndex: 0, player: { characterId: randomUUID(), rating: 1 } }));
    expect(over.code).toBe(Code.FailedPrecondition);
    expect(errorInfoOf(over)?.reason).toBe("ERROR_REASON_MATCH_OVER");
  });

  it("refuses a match beyond its capacity with SERVER_FULL, and takes matches again once those in play ended", async () => {
    const client = stack.operator.client(GameServerService, "gameserver");
    // Capacity 3; the previous tests' matches are over, so these three fill it.
    const playing = [allocation(), allocation(), allocation()];
    for (const request of playing) await client.allocateMatch(request);
    const full = await refusal(client.allocateMatch(allocation()));
    expect(full.code).toBe(Code.ResourceExhausted);
    expect(errorInfoOf(full)).toMatchObject({ reason: "ERROR_REASON_SERVER_FULL", domain: "gameserver.chaos.world", metadata: { max_matches: "3" } });
    await expect.poll(() => playing.every((request) => received.results.some((r) => r.request.matchId === request.matchId)), { timeout: 20_000 }).toBe(true);
    const later = allocation();
    await client.allocateMatch(later);
    await expect.poll(() => received.results.some((r) => r.request.matchId === later.matchId), { timeout: 20_000 }).toBe(true);
  });

  it("exposes its work on the admin face's /metrics, under the mesh's names", async () => {
    const text = await (await fetch(`http://127.0.0.1:${stack.ports.gameserver!.admin}/metrics`)).text();
    expect(text).toMatch(/^chaos_server_calls_total\{face="internal",method="\/chaos\.gameserver\.v1\.GameServerService\/AllocateMatch",code="ResourceExhausted"\} 1$/m);
    expect(text).toMatch(/^chaos_gameserver_reports_total\{method="ReportMatchResult",outcome="reported"\} \d+$/m);
    expect(text).toMatch(/^chaos_gameserver_matches_playing \d+$/m);
  });
});

/** A raw gRPC call over TLS with `identity` (or no certificate): what the server answered, or why the connection failed. */
function rawCall(identity?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${stack.ports.gameserver!.internal}`, {
      // The client side does not check the server here: what is tested is whether the server accepts us.
      rejectUnauthorized: false,
      ...(identity === undefined ? {} : { cert: fs.readFileSync(identity.cert), key: fs.readFileSync(identity.key) }),
    });
    const done = (outcome: string) => {
      session.destroy();
      resolve(outcome);
    };
    session.on("error", (error) => done(`refused: ${error.message}`));
    const call = session.request({ ":method": "POST", ":path": "/chaos.gameserver.v1.GameServerService/GetMatch", "content-type": "application/grpc", te: "trailers" });
    call.on("error", (error) => done(`refused: ${error.message}`));
    call.on("response", (headers) => done(`answered ${String(headers[":status"])}`));
    call.end(Buffer.alloc(5));
  });
}

describe("zero trust around the Go game server", () => {
  // grpcurl is installed through the Go module proxy in a set-up hook of its own: on a fresh clone that build
  // (competing with the other files' Go builds) took longer than one test's 60 s in a CI run.
  let grpcurl: string;
  beforeAll(async () => {
    ({ grpcurl } = await ensureGoClientTools());
  }, 900_000);

  it("is explored by operators' tools: grpcurl lists its services by reflection with the operator's SVID", async () => {
    const operator = stack.pki.paths("operator");
    const listed = await run(grpcurl, ["-cacert", operator.bundle, "-cert", operator.cert, "-key", operator.key, `127.0.0.1:${stack.ports.gameserver!.internal}`, "list"]);
    expect(listed.split("\n")).toEqual(expect.arrayContaining(["chaos.gameserver.v1.GameServerService", "grpc.health.v1.Health"]));
  });

  it("refuses a connection without a client certificate, or with one the trust bundle does not vouch for", async () => {
    expect(await rawCall(stack.pki.paths("operator"))).toBe("answered 200");
    expect(await rawCall()).toMatch(/^refused: /);
    const foreignCa = await ensureLocalPki(fs.mkdtempSync(path.join(os.tmpdir(), "chaos-other-ca-")), ["operator"]);
    expect(await rawCall(foreignCa.paths("operator"))).toMatch(/^refused: /);
  });

  it("refuses a workload the policy does not name (PERMISSION_DENIED), and allows it health checks", async () => {
    const combat = runtimeAs("combat");
    const denied = await refusal(combat.client(GameServerService, "gameserver").getMatch({ matchId: randomUUID() }));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toContain("combat may not call /chaos.gameserver.v1.GameServerService/GetMatch");
    const health = await combat.client(Health, "gameserver").check({ service: "chaos.gameserver.v1.GameServerService" });
    expect(health.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("lets matchmaking allocate and backfill, but not disconnect players (operators only)", async () => {
    const denied = await refusal(asMatchmaking().disconnectPlayer({ matchId: randomUUID(), characterId: randomUUID() }));
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("gives the game server's own SVID exactly matchmaking's two report methods, and a Node service refuses it anything else", async () => {
    const policy = JSON.parse(fs.readFileSync(path.join(repoRoot, "services/authorization.json"), "utf8")) as {
      services: Record<string, { allow: Array<{ callers: string[]; methods: string[] }> }>;
    };
    const granted = Object.entries(policy.services).flatMap(([target, { allow }]) =>
      allow.filter((rule) => rule.callers.includes("gameserver")).flatMap((rule) => rule.methods.map((method) => `${target} ${method}`)),
    );
    expect(granted.sort()).toEqual([
      "matchmaking /chaos.matchmaking.v1.MatchmakingInternalService/ReportMatchResult",
      "matchmaking /chaos.matchmaking.v1.MatchmakingInternalService/ReportPlayerLeft",
    ]);
    const asGameserver = runtimeAs("gameserver");
    for (const call of [asGameserver.client(EchoService, "echo").echo({ payload: new Uint8Array([1]) }), asGameserver.client(EchoService, "echo").whoAmI({})]) {
      const denied = await refusal(call);
      expect(denied.code).toBe(Code.PermissionDenied);
      expect(denied.rawMessage).toContain("gameserver may not call /chaos.echo.v1.EchoService/");
    }
  });
});

/** A plaintext gRPC GetMatch with `xfcc` as Envoy's header (or none): the grpc-status it ended with. */
function sidecarCall(port: number, xfcc: string | undefined): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const message = toBinary(GetMatchRequestSchema, create(GetMatchRequestSchema, { matchId: randomUUID() }));
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    const call = session.request({
      ":method": "POST",
      ":path": "/chaos.gameserver.v1.GameServerService/GetMatch",
      "content-type": "application/grpc",
      te: "trailers",
      ...(xfcc === undefined ? {} : { "x-forwarded-client-cert": xfcc }),
    });
    let status: string | undefined;
    call.on("response", (headers) => (status ??= headers["grpc-status"] as string | undefined));
    call.on("trailers", (trailers) => (status ??= trailers["grpc-status"] as string | undefined));
    call.on("data", () => undefined);
    call.on("end", () => {
      session.close();
      resolve(status);
    });
    call.on("error", reject);
    call.end(frame);
  });
}

describe("the Go game server in sidecar mode (behind Istio's Envoy)", () => {
  it("listens in plaintext on loopback and authorizes the caller Envoy names in x-forwarded-client-cert", async () => {
    const sidecar = await spawnService("gameserver", {
      env: { ...process.env, CHAOS_MESH_MODE: "sidecar", CHAOS_INTERNAL_PORT: "0", CHAOS_ADMIN_PORT: "0", CHAOS_PKI_DIR: path.join(os.tmpdir(), "no-svid-here"), CHAOS_ADDR_MATCHMAKING: "127.0.0.1:1" },
      onLine: () => undefined,
    });
    try {
      const port = sidecar.ready.internalPort;
      const by = "By=spiffe://chaos.world/ns/chaos/sa/gameserver;Hash=00";
      expect(await sidecarCall(port, `${by};URI=spiffe://chaos.world/ns/chaos/sa/operator`)).toBe(String(Code.NotFound));
      expect(await sidecarCall(port, `${by};URI=spiffe://chaos.world/ns/chaos/sa/combat`)).toBe(String(Code.PermissionDenied));
      // Only the last element is about our caller; an earlier hop's claim counts for nothing.
      expect(await sidecarCall(port, `${by};URI=spiffe://chaos.world/ns/chaos/sa/operator,${by};URI=spiffe://chaos.world/ns/chaos/sa/combat`)).toBe(String(Code.PermissionDenied));
      expect(await sidecarCall(port, undefined)).toBe(String(Code.Unauthenticated));
    } finally {
      await sidecar.stop();
    }
  });
});

describe("the Go game server's shutdown", () => {
  it("on SIGTERM goes NOT_SERVING and unready, takes no new match, finishes and reports the one in play, then exits cleanly", async () => {
    // With matchmaking down the report cannot land, so the drain is observable until it is back.
    await matchmaking!.server.shutdown();
    const request = allocation();
    await stack.operator.client(GameServerService, "gameserver").allocateMatch(request);
    const gameserver = stack.processes.get("gameserver")!;
    gameserver.child.kill("SIGTERM");
    const health = runtimeAs("operator").client(Health, "gameserver");
    await expect.poll(async () => (await health.check({ service: "" })).status, { timeout: 10_000 }).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    const ready = await fetch(`http://127.0.0.1:${stack.ports.gameserver!.admin}/readyz`);
    expect(ready.status).toBe(503);
    const refused = await refusal(runtimeAs("operator").client(GameServerService, "gameserver").allocateMatch(allocation()));
    expect(refused.code).toBe(Code.Unavailable);
    await startMatchmaking();
    expect(await gameserver.exited).toEqual({ code: 0, signal: null });
    expect(received.results.some((r) => r.request.matchId === request.matchId)).toBe(true);
  }, 60_000);
});

