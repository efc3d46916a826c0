/**
 * Anticheat under the fireball load: how many signals per second its
 * consumer scores while CastSpell(fireball) runs through gateway → combat,
 * and what that consumer costs the fireball's latency. One world (identity,
 * player, combat, gateway, anticheat as their own processes, loopback), one
 * fixed fireball rate (half the peak), two phases: anticheat running while
 * this process also publishes cheating casts on combat's topic at a steady
 * rate (recasts 100 ms apart, so each is a signal) on top of the live
 * fireballs' events, then anticheat stopped (as if not deployed). Running
 * first: a consumer started (or resumed after SIGSTOP) spends seconds
 * rejoining its group, which would hide in a phase this short. Cheating casts
 * are paced, not dumped as a backlog: the mesh's consumer applies a whole
 * fetched batch in one transaction and heartbeats after it, so a backlog of
 * thousands outlasts the group session (see the run's notes).
 * Signals scored = rows in anticheat's signals table.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { logLevel } from "kafkajs";
import pg from "pg";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { connectKafka, ensureTopics, type KafkaAccess, newCloudEvent, principalHeader, toKafkaHeaders, topicName } from "@chaos/mesh";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { run } from "../scripts/infra/proc.js";
import { startStack, type Stack } from "../scripts/test/stack.js";
import { cpuTicks } from "./cpu.js";
import type { LoadResult } from "./ghz.js";
import { buildLoadgen, runLoadgen, type LoadPlan } from "./loadgen.js";

/** One phase's figures. */
export interface AnticheatPhase {
  readonly anticheat: "stopped" | "running";
  readonly fireball: LoadResult;
  /** Signals scored during the phase, per second. */
  readonly signalsPerSecond: number;
  /** Events the consumer took in (inbox rows) during the phase, per second. */
  readonly eventsPerSecond: number;
  /** Anticheat's CPU per signal scored in the phase, µs. */
  readonly cpuUsPerSignal: number;
}

export interface AnticheatBenchResult {
  readonly rate: number;
  readonly peak: LoadResult;
  /** Cheating casts published during the running phase. */
  readonly published: number;
  readonly phases: readonly AnticheatPhase[];
}

const players = 100;
const charactersPerPlayer = 5;
/** Cheating casts offered per second during the running phase, spread over this many cheaters. */
const cheatRate = 200;
const cheaters = 200;
const combatSource = "spiffe://chaos.world/ns/chaos/sa/combat";

export async function runAnticheatBench(infra: InfraEndpoints, seconds = { warmup: 4, peak: 6, phase: 10 }): Promise<AnticheatBenchResult> {
  const loadgen = await buildLoadgen();
  const clk = Number((await run("getconf", ["CLK_TCK"])).trim());
  const stack = await startStack(infra, ["identity", "player", "combat", "gateway", "anticheat"], {
    env: {
      CHAOS_LOG_LEVEL: "warn",
      CHAOS_GATEWAY_IP_RATE: "1000000/s",
      CHAOS_GATEWAY_PLAYER_RATE: "1000000/s",
      CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "10000",
      CHAOS_PLAYER_RESPAWN_SECONDS: "0",
      CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0",
    },
  });
  const db = new pg.Client(stack.databaseUrl("anticheat"));
  await db.connect();
  const anticheatPid = () => stack.processes.get("anticheat")!.child.pid!;
  try {
    const requests = await casters(stack);
    const load = { address: stack.gateway.grpcAddress, method: "cast", requests, connections: 4 } as const;
    runLoadgen(loadgen, { ...load, concurrency: 16, seconds: seconds.warmup });
    const peak = runLoadgen(loadgen, { ...load, concurrency: 32, seconds: seconds.peak });
    const rate = Math.max(1, Math.round(peak.rps / 2));
    console.log(`[bench] anticheat: fireball peak ${peak.rps.toFixed(0)}/s ; phases at ${rate}/s`);

    const measure = async (anticheat: AnticheatPhase["anticheat"]): Promise<AnticheatPhase & { published: number }> => {
      const [signalsBefore, eventsBefore] = await counts(db);
      const cpuBefore = anticheat === "running" ? cpuTicks(anticheatPid()) : 0;
      const started = Date.now();
      const cheating = anticheat === "running" ? paceCheatingCasts(stack, infra.kafka, seconds.phase) : Promise.resolve(0);
      const fireball = await runLoadgenInBackground(loadgen, { ...load, concurrency: 32, seconds: seconds.phase, rate });
      const published = await cheating;
      const elapsed = (Date.now() - started) / 1000;
      const [signalsAfter, eventsAfter] = await counts(db);
      const signals = signalsAfter - signalsBefore;
      const phase = {
        anticheat,
        fireball,
        published,
        signalsPerSecond: signals / elapsed,
        eventsPerSecond: (eventsAfter - eventsBefore) / elapsed,
        cpuUsPerSignal: signals === 0 || anticheat === "stopped" ? 0 : (((cpuTicks(anticheatPid()) - cpuBefore) / clk) * 1e6) / signals,
      };
      console.log(
        `[bench] anticheat ${anticheat}: fireball ${fireball.rps.toFixed(0)} ok/s p50 ${(fireball.p50Us / 1000).toFixed(2)} ms p99 ${(fireball.p99Us / 1000).toFixed(2)} ms; ${published} cheating casts published, ${phase.signalsPerSecond.toFixed(0)} signals/s, ${phase.eventsPerSecond.toFixed(0)} events/s`,
      );
      return phase;
    };

    // The warm-up's fireball events are consumed first, unmeasured.
    await drained(db);
    const running = await measure("running");
    await stack.processes.get("anticheat")!.stop();
    const stopped = await measure("stopped");
    return { rate, peak, published: running.published, phases: [running, stopped] };
  } finally {
    await db.end();
    await stack.stop();
  }
}

/** Every caster aims at its neighbour, each call with its owner's token (as the fireball benchmark does). */
async function casters(stack: Stack) {
  console.log(`[bench] anticheat: creating ${players} players with ${charactersPerPlayer} characters each`);
  const identity = stack.operator.client(IdentityService, "identity");
  const playerService = stack.operator.client(PlayerService, "player");
  const made: Array<{ characterId: string; token: string }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < players) {
        const i = next++;
        const email = `bench-ac-${i}-${stack.world}@example.com`;
        const password = "correct horse battery staple";
        await identity.register({ email, password });
        const { tokens } = await identity.login({ email, password });
        for (let c = 0; c < charactersPerPlayer; c += 1) {
          const { character } = await playerService.createCharacter(
            { name: `C${i}x${c}${stack.world.slice(1, 5)}`, characterClass: CharacterClass.MAGE },
            { headers: { [principalHeader]: tokens!.accessToken } },
          );
          made.push({ characterId: character!.characterId, token: tokens!.accessToken });
        }
      }
    }),
  );
  return made.map((caster, i) => ({ caster: caster.characterId, spell: "fireball", target: made[i % 2 === 0 ? i + 1 : i - 1]!.characterId, token: caster.token }));
}

/** Waits (at most two minutes) until the consumer took in no new event for three seconds. */
async function drained(db: pg.Client): Promise<void> {
  const deadline = Date.now() + 120_000;
  let [, last] = await counts(db);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const [, now] = await counts(db);
    if (now === last) return;
    last = now;
  }
  console.log("[bench] anticheat: the consumer was still busy after two minutes; measuring anyway");
}

async function counts(db: pg.Client): Promise<[number, number]> {
  const { rows } = await db.query<{ signals: number; events: number }>("SELECT (SELECT count(*) FROM signals)::int AS signals, (SELECT count(*) FROM mesh_inbox)::int AS events");
  return [rows[0]!.signals, rows[0]!.events];
}

/** Publishes `cheatRate` cheating casts a second for `seconds` (ten sends a second), as combat's relay would; how many it published. */
async function paceCheatingCasts(stack: Stack, access: KafkaAccess, seconds: number): Promise<number> {
  const kafka = connectKafka(access, { clientId: "anticheat-bench", logLevel: logLevel.NOTHING });
  const topic = `${stack.world}.${topicName("combat", "casts")}`;
  await ensureTopics(kafka, [topic]);
  const producer = kafka.producer();
  await producer.connect();
  const characters = Array.from({ length: cheaters }, () => ({ characterId: randomUUID(), playerId: randomUUID(), casts: 0 }));
  const base = Date.now() - 3_600_000;
  const perTick = Math.max(1, Math.round(cheatRate / 10));
  let published = 0;
  let next = 0;
  try {
    const end = Date.now() + seconds * 1000;
    for (let tick = Date.now(); tick < end; tick += 100) {
      const messages = Array.from({ length: perTick }, () => {
        const cheater = characters[next++ % cheaters]!;
        const time = new Date(base + cheater.casts++ * 100);
        const cast = create(SpellCastSchema, {
          castId: randomUUID(),
          casterCharacterId: cheater.characterId,
          casterPlayerId: cheater.playerId,
          targetId: randomUUID(),
          spellId: "fireball",
          school: School.FIRE,
          manaSpent: 25,
          castTime: timestampFromDate(time),
          cooldownMs: 2_000,
          baseDamage: 30,
        });
        const headers = toKafkaHeaders({ ...newCloudEvent(SpellCastSchema.typeName, combatSource, cheater.characterId), time: time.toISOString() });
        return { key: cheater.characterId, value: Buffer.from(toBinary(SpellCastSchema, cast)), headers };
      });
      await producer.send({ topic, acks: -1, messages });
      published += messages.length;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick + 100 - Date.now())));
    }
  } finally {
    await producer.disconnect();
  }
  return published;
}

/** chaos-loadgen as runLoadgen runs it (pinned to CPU 1), but without blocking this process: the cheating casts are published meanwhile. */
async function runLoadgenInBackground(loadgen: string, plan: LoadPlan): Promise<LoadResult> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-loadgen-"));
  const planFile = path.join(scratch, "plan.json");
  fs.writeFileSync(planFile, JSON.stringify({ ...plan, rate: plan.rate ?? 0 }));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn("taskset", ["-c", "1", loadgen, "-plan", planFile], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), (plan.seconds + 30) * 1000);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`chaos-loadgen failed: ${err}`));
      });
    });
    const report = JSON.parse(stdout) as { count: number; ok: number; ok_per_second: number; p50_us: number; p99_us: number; statuses: Record<string, number> };
    return { count: report.ok, rps: report.ok_per_second, p50Us: report.p50_us, p99Us: report.p99_us, errors: report.count - report.ok, statusCodes: report.statuses };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The benchmark's section of bench/RESULTS.md. */
export function anticheatTable(result: AnticheatBenchResult): string[] {
  const [running, stopped] = result.phases;
  return [
    "## Anticheat: scoring throughput under the fireball load, and its cost to the fireball's latency",
    "",
    `One world (identity, player, combat, gateway, anticheat), fireball at a fixed ${result.rate}/s (half the ${result.peak.rps.toFixed(0)}/s peak). Running, the bench also publishes cheating casts at ${cheatRate}/s (${result.published} in all; ${cheaters} cheaters, recasts 100 ms apart, each one a signal) besides the live fireballs' events.`,
    "",
    "| anticheat | fireball ok/s | p50 ms | p99 ms | p99 vs stopped | signals scored/s | events consumed/s | anticheat CPU µs/signal |",
    "|---|---|---|---|---|---|---|---|",
    ...result.phases.map(
      (p) =>
        `| ${p.anticheat} | ${p.fireball.rps.toFixed(0)} | ${(p.fireball.p50Us / 1000).toFixed(2)} | ${(p.fireball.p99Us / 1000).toFixed(2)} | ${(p.fireball.p99Us / stopped!.fireball.p99Us).toFixed(2)}x | ${p.signalsPerSecond.toFixed(0)} | ${p.eventsPerSecond.toFixed(0)} | ${p.cpuUsPerSignal === 0 ? "-" : p.cpuUsPerSignal.toFixed(0)} |`,
    ),
    "",
    `Running: ${running!.signalsPerSecond.toFixed(0)} signals/s scored of ${cheatRate}/s offered (each an inbox row, a signal, a locked score row, a score change, and the actions a crossing applies) while the fireball kept ${running!.fireball.rps.toFixed(0)}/s; the fireball's p99 was ${(running!.fireball.p99Us / stopped!.fireball.p99Us).toFixed(2)}x that with anticheat stopped.`,
    "",
  ];
}
