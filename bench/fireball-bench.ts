/**
 * The Player Action Flow under load: CastSpell(fireball) driven over gRPC
 * into the gateway's public face → gateway (token, session check, rate
 * limits) → combat (player lookups, Redis mana/cooldown script, player
 * ApplyDamage, PostgreSQL cast record + outbox) → relay → Kafka. Next to it,
 * in the same run, the floor for that shape: a bare grpc-js echo forwarded
 * through the same two hops (client → hop → server), no mesh, no work.
 *
 * A third row runs the same flow with every span recorded and exported to
 * a real Jaeger (what npm start does), so the price of tracing is measured
 * against the same flow untraced, in the same run.
 *
 * The world is started like the tests start it (each service its own
 * process, fresh databases). Fireball's 2 s cooldown is kept: the load is
 * spread over many characters, each call carrying its owner's token (which
 * is why this drives chaos-loadgen, not ghz: ghz sends one set of metadata
 * to every call), and the same generator drives the baseline. And
 * mana regeneration is raised so mana never runs out — the flow's code path
 * is the one a player takes; only the pacing of a single character is lifted.
 */
import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { startJaeger } from "../scripts/infra/jaeger.js";
import { freePort, startStack } from "../scripts/test/stack.js";
import type { LoadResult } from "./ghz.js";
import { buildLoadgen, runLoadgen } from "./loadgen.js";
import { cpuTicks } from "./cpu.js";
import { run } from "../scripts/infra/proc.js";
import { startBenchServer } from "./servers/ready.js";

/** One path's figures. */
export interface FireballBenchRow {
  readonly path: string;
  /** CPU per successful call at peak, by process, in µs. */
  readonly cpuUsPerCall: Readonly<Record<string, number>>;
  readonly peak: LoadResult;
  readonly halfPeakRate: number;
  readonly halfPeak: LoadResult;
}

let clk = 100;

/** Accounts created for the load; each owns the maximum of 5 characters. */
const players = 300;
const charactersPerPlayer = 5;

export async function runFireballBench(infra: InfraEndpoints, seconds = { warmup: 4, peak: 10, half: 10 }): Promise<FireballBenchRow[]> {
  const loadgen = await buildLoadgen();
  clk = Number((await run("getconf", ["CLK_TCK"])).trim());
  const untraced = await benchFireball(loadgen, infra, seconds);
  const bare = await benchBareHops(loadgen, seconds);
  const jaegerPorts = { ui: await freePort(), otlp: await freePort(), queryGrpc: await freePort(), health: await freePort() };
  const jaeger = await startJaeger(jaegerPorts, fs.mkdtempSync(nodePath.join(os.tmpdir(), "chaos-bench-jaeger-")));
  try {
    const traced = await benchFireball(loadgen, infra, seconds, { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint }, "CastSpell(fireball), every span exported to Jaeger");
    return [untraced, traced, bare];
  } finally {
    await jaeger.stop();
  }
}

async function benchFireball(
  loadgen: string,
  infra: InfraEndpoints,
  seconds: { warmup: number; peak: number; half: number },
  extraEnv: Record<string, string> = {},
  path = "CastSpell(fireball): client → gateway → combat (+ player, Redis, PostgreSQL, outbox)",
): Promise<FireballBenchRow> {
  const stack = await startStack(infra, ["identity", "player", "combat", "gateway"], {
    env: {
      ...extraEnv,
      CHAOS_LOG_LEVEL: "warn",
      CHAOS_GATEWAY_IP_RATE: "1000000/s",
      CHAOS_GATEWAY_PLAYER_RATE: "1000000/s",
      CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "10000",
      CHAOS_PLAYER_RESPAWN_SECONDS: "0",
      CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0",
    },
  });
  try {
    console.log(`[bench] fireball: creating ${players} players with ${charactersPerPlayer} characters each`);
    const identity = stack.operator.client(IdentityService, "identity");
    const playerService = stack.operator.client(PlayerService, "player");
    const casters: Array<{ characterId: string; token: string }> = [];
    await inBatches(players, 8, async (i) => {
      const email = `bench-${i}-${stack.world}@example.com`;
      const password = "correct horse battery staple";
      await identity.register({ email, password });
      const { tokens } = await identity.login({ email, password });
      const token = tokens!.accessToken;
      for (let c = 0; c < charactersPerPlayer; c += 1) {
        const { character } = await playerService.createCharacter(
          { name: `B${i}x${c}${stack.world.slice(1, 5)}`, characterClass: CharacterClass.MAGE },
          { headers: { [principalHeader]: token } },
        );
        casters.push({ characterId: character!.characterId, token });
      }
    });
    // Each character fights its neighbour: targets are spread like casters, so no single row is hot.
    const requests = casters.map((caster, i) => ({ caster: caster.characterId, spell: "fireball", target: casters[i % 2 === 0 ? i + 1 : i - 1]!.characterId, token: caster.token }));
    const load = { address: stack.gateway.grpcAddress, method: "cast", requests, connections: 4 } as const;
    runLoadgen(loadgen, { ...load, concurrency: 16, seconds: seconds.warmup });
    const before = new Map([...stack.processes].map(([name, p]) => [name, cpuTicks(p.child.pid!)]));
    const peak = runLoadgen(loadgen, { ...load, concurrency: 32, seconds: seconds.peak });
    const cpuUsPerCall = Object.fromEntries([...stack.processes].map(([name, p]) => [name, ((cpuTicks(p.child.pid!) - before.get(name)!) / clk) * 1e6 / Math.max(1, peak.count)]));
    report("fireball peak", peak);
    console.log(`[bench] fireball CPU µs per cast: ${JSON.stringify(cpuUsPerCall, (_, v: unknown) => (typeof v === "number" ? Math.round(v) : v))}`);
    const halfPeakRate = Math.max(1, Math.round(peak.rps / 2));
    const halfPeak = runLoadgen(loadgen, { ...load, concurrency: 32, seconds: seconds.half, rate: halfPeakRate });
    report(`fireball at ${halfPeakRate}/s`, halfPeak);
    return { path, peak, halfPeakRate, halfPeak, cpuUsPerCall };
  } finally {
    await stack.stop();
  }
}

async function benchBareHops(loadgen: string, seconds: { warmup: number; peak: number; half: number }): Promise<FireballBenchRow> {
  const server = await startBenchServer("bare-grpc-js.ts", {});
  const hop = await startBenchServer("bare-grpc-js.ts", { BENCH_UPSTREAM: `127.0.0.1:${server.port}` });
  try {
    // About the size of a CastSpellRequest.
    const load = { address: `127.0.0.1:${hop.port}`, method: "echo", requests: [{ payload: Buffer.alloc(90, 7).toString("base64") }], connections: 4 } as const;
    runLoadgen(loadgen, { ...load, concurrency: 16, seconds: seconds.warmup });
    const before = [hop, server].map((p) => cpuTicks(p.child.pid!));
    const peak = runLoadgen(loadgen, { ...load, concurrency: 32, seconds: seconds.peak });
    const [hopUs, serverUs] = [hop, server].map((p, i) => ((cpuTicks(p.child.pid!) - before[i]!) / clk) * 1e6 / Math.max(1, peak.count));
    report("bare hops peak", peak);
    const halfPeakRate = Math.max(1, Math.round(peak.rps / 2));
    const halfPeak = runLoadgen(loadgen, { ...load, concurrency: 32, seconds: seconds.half, rate: halfPeakRate });
    report(`bare hops at ${halfPeakRate}/s`, halfPeak);
    return { path: "bare grpc-js echo: client → hop → server (plaintext, no work)", peak, halfPeakRate, halfPeak, cpuUsPerCall: { hop: hopUs!, server: serverUs! } };
  } finally {
    hop.child.kill("SIGKILL");
    server.child.kill("SIGKILL");
  }
}

function report(what: string, result: LoadResult): void {
  console.log(`[bench] ${what}: ${result.rps.toFixed(0)} ok/s, p50 ${(result.p50Us / 1000).toFixed(2)} ms, p99 ${(result.p99Us / 1000).toFixed(2)} ms, status ${JSON.stringify(result.statusCodes)}`);
}

async function inBatches(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
