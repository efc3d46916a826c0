/**
 * The Player Action Flow under load: CastSpell(fireball) driven over gRPC
 * into the gateway's public face → gateway (token, session check, rate
 * limits) → combat (player lookups, Redis mana/cooldown script, player
 * ApplyDamage, PostgreSQL cast record + outbox) → relay → Kafka. Next to it,
 * in the same run, the floor for that shape: a bare grpc-js echo forwarded
 * through the same two hops (client → hop → server), no mesh, no work.
 *
 * The world is started like the tests start it (each service its own
 * process, fresh databases). Fireball's 2 s cooldown is kept: the load is
 * spread over many characters (round-robin data and metadata in ghz), and
 * mana regeneration is raised so mana never runs out — the flow's code path
 * is the one a player takes; only the pacing of a single character is lifted.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { repoRoot } from "../scripts/infra/config.js";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { run } from "../scripts/infra/proc.js";
import { startStack } from "../scripts/test/stack.js";
import { ensureGhz, runGhzLoad, type LoadResult } from "./ghz.js";
import { startBenchServer } from "./servers/ready.js";

/** One path's figures. */
export interface FireballBenchRow {
  readonly path: string;
  readonly peak: LoadResult;
  readonly halfPeakRate: number;
  readonly halfPeak: LoadResult;
}

/** Accounts created for the load; each owns the maximum of 5 characters. */
const players = 300;
const charactersPerPlayer = 5;

export async function runFireballBench(infra: InfraEndpoints, seconds = { warmup: 4, peak: 10, half: 10 }): Promise<FireballBenchRow[]> {
  const ghz = await ensureGhz();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-fireball-"));
  const protoset = path.join(scratch, "api.binpb");
  await run(path.join(repoRoot, "node_modules", ".bin", "buf"), ["build", "proto", "--path", "proto/chaos/combat", "--path", "proto/chaos/echo", "-o", protoset], { cwd: repoRoot });
  const rows: FireballBenchRow[] = [];
  try {
    rows.push(await benchFireball(ghz, protoset, infra, seconds));
    rows.push(await benchBareHops(ghz, protoset, seconds));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}

async function benchFireball(ghz: string, protoset: string, infra: InfraEndpoints, seconds: { warmup: number; peak: number; half: number }): Promise<FireballBenchRow> {
  const stack = await startStack(infra, ["identity", "player", "combat", "gateway"], {
    env: {
      CHAOS_LOG_LEVEL: "warn",
      CHAOS_GATEWAY_IP_RATE: "1000000/s",
      CHAOS_GATEWAY_PLAYER_RATE: "1000000/s",
      CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "100000",
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
    const data = casters.map((caster, i) => ({ casterCharacterId: caster.characterId, spellId: "fireball", targetId: casters[i % 2 === 0 ? i + 1 : i - 1]!.characterId }));
    const metadata = casters.map((caster) => ({ authorization: `Bearer ${caster.token}` }));
    const load = { address: stack.gateway.grpcAddress, call: "chaos.combat.v1.CombatService/CastSpell", protoset, data, metadata, connections: 4 };
    runGhzLoad(ghz, { ...load, concurrency: 16, seconds: seconds.warmup });
    const peak = runGhzLoad(ghz, { ...load, concurrency: 32, seconds: seconds.peak });
    report("fireball peak", peak);
    const halfPeakRate = Math.max(1, Math.round(peak.rps / 2));
    const halfPeak = runGhzLoad(ghz, { ...load, concurrency: 32, seconds: seconds.half, rate: halfPeakRate });
    report(`fireball at ${halfPeakRate}/s`, halfPeak);
    return { path: "CastSpell(fireball): client → gateway → combat (+ player, Redis, PostgreSQL, outbox)", peak, halfPeakRate, halfPeak };
  } finally {
    await stack.stop();
  }
}

async function benchBareHops(ghz: string, protoset: string, seconds: { warmup: number; peak: number; half: number }): Promise<FireballBenchRow> {
  const server = await startBenchServer("bare-grpc-js.ts", {});
  const hop = await startBenchServer("bare-grpc-js.ts", { BENCH_UPSTREAM: `127.0.0.1:${server.port}` });
  try {
    const load = { address: `127.0.0.1:${hop.port}`, call: "chaos.echo.v1.EchoService/Echo", protoset, data: { payload: Buffer.alloc(90, 7).toString("base64") }, connections: 4 };
    runGhzLoad(ghz, { ...load, concurrency: 16, seconds: seconds.warmup });
    const peak = runGhzLoad(ghz, { ...load, concurrency: 32, seconds: seconds.peak });
    report("bare hops peak", peak);
    const halfPeakRate = Math.max(1, Math.round(peak.rps / 2));
    const halfPeak = runGhzLoad(ghz, { ...load, concurrency: 32, seconds: seconds.half, rate: halfPeakRate });
    report(`bare hops at ${halfPeakRate}/s`, halfPeak);
    return { path: "bare grpc-js echo: client → hop → server (plaintext, no work)", peak, halfPeakRate, halfPeak };
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
