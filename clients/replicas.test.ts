import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../scripts/test/players.js";
import { useStack } from "../scripts/test/stack.js";
import { eventually } from "../scripts/test/topic-events.js";

/**
 * Scale out and roll (issue 16): combat and player run as two replicas each;
 * callers balance over them (round robin over the registry's addresses). Under
 * a steady load of casts and reads, every process is restarted one at a time
 * (SIGTERM: drain, then start on the same ports), and then one replica is
 * killed with SIGKILL. Figures are printed; what is asserted is what a player
 * would notice.
 */
const stack = useStack(["identity", "player", "combat"], {
  replicas: { combat: 2, player: 2 },
  env: {
    // Casts bounded by the cooldown (2 s), not by mana, so the load stays steady.
    CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "100",
    CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS: "1000",
    CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0",
  },
});
const combat = () => stack.operator.client(CombatService, "combat");
const players = () => stack.operator.client(PlayerService, "player");

interface Mage {
  readonly player: TestPlayer;
  readonly characterId: string;
}

/** One call attempt of the load, as the client saw it. */
interface Attempt {
  readonly startedAt: number;
  readonly endedAt: number;
  /** undefined = answered (a refusal of the game's rules is an answer too). */
  readonly failure: Code | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("replicas: balanced calls, rolling restarts and a kill -9 under load", () => {
  it("restarts every process one at a time with no failed call, and a killed replica fails only its calls in flight, with UNAVAILABLE", { timeout: 180_000 }, async () => {
    const mages = await createMages(4);
    const dummies = await dummyIds(mages[0]!.player);
    const attempts: Attempt[] = [];
    /** Casts whose every attempt failed (the client gives up after three, 200 ms apart, with the same key). */
    let failedCasts = 0;
    let answeredCasts = 0;
    let loading = true;

    const attempt = async <T>(call: () => Promise<T>): Promise<{ ok: T } | { failure: ConnectError }> => {
      const startedAt = Date.now();
      try {
        const ok = await call();
        attempts.push({ startedAt, endedAt: Date.now(), failure: undefined });
        return { ok };
      } catch (error) {
        const failure = ConnectError.from(error);
        // A refusal with a reason (cooldown, a target already down) is the game answering.
        const answered = errorInfoOf(failure) !== undefined;
        attempts.push({ startedAt, endedAt: Date.now(), failure: answered ? undefined : failure.code });
        return answered ? { ok: undefined as T } : { failure };
      }
    };
    const caster = async (mage: Mage) => {
      await sleep(Math.random() * 2_000);
      while (loading) {
        const request = { casterCharacterId: mage.characterId, spellId: "fireball", targetId: dummies[Math.floor(Math.random() * dummies.length)]!, idempotencyKey: randomUUID() };
        let done = false;
        for (let k = 0; k < 3 && !done; k++) {
          const outcome = await attempt(() => combat().castSpell(request, { ...mage.player.asPlayer, timeoutMs: 3_000 }));
          done = "ok" in outcome;
          if (!done) await sleep(200);
        }
        if (done) answeredCasts++;
        else failedCasts++;
        await sleep(2_100);
      }
    };
    // Reads at a steady pace, and flat out around the kill, so that calls are in flight on the replica killed.
    let burst = false;
    const reader = async (mage: Mage) => {
      while (loading) {
        await attempt(() => combat().getCombatState({ characterId: mage.characterId }, { ...mage.player.asPlayer, timeoutMs: 3_000 }));
        if (!burst) await sleep(100);
      }
    };
    const load = [...mages.map(caster), ...mages.slice(0, 5).map(reader)];
    await sleep(3_000);

    // Rolling restart: each process drains (SIGTERM) and starts again on its ports before the next one goes.
    const rollingFrom = Date.now();
    for (const label of ["combat", "combat#2", "player", "player#2"]) {
      await stack.restart(label, "SIGTERM");
      await sleep(1_500);
    }
    const rollingUntil = Date.now();
    const rolling = attempts.filter((a) => a.startedAt >= rollingFrom && a.startedAt < rollingUntil);
    const failedCastsRolling = failedCasts;

    // A replica killed outright, under the same load; the other serves on while it is down.
    burst = true;
    await sleep(1_000);
    const killedAt = Date.now();
    await stack.processes.get("combat#2")!.stop("SIGKILL");
    await sleep(3_000);
    burst = false;
    const servedWhileDown = attempts.filter((a) => a.startedAt > killedAt + 500 && a.failure === undefined).length;
    await stack.restart("combat#2");
    // Long enough for the callers to reconnect to it (their reconnect backoff is at most 2 s) and send it casts again.
    await sleep(3_000);
    loading = false;
    await Promise.all(load);
    const afterKill = attempts.filter((a) => a.endedAt >= killedAt && a.startedAt < killedAt + 3_000);
    const killFailures = afterKill.filter((a) => a.failure !== undefined);

    // Nothing the restarts interrupted stays half done: no cast is still pending.
    const combatSql = new pg.Client(stack.databaseUrl("combat"));
    await combatSql.connect();
    try {
      const pending = await eventually(async () => (await combatSql.query<{ n: number }>("SELECT count(*)::int AS n FROM casts WHERE outcome = 'pending'")).rows[0]!.n, (n) => n === 0, 30_000);
      expect(pending).toBe(0);
    } finally {
      await combatSql.end();
    }

    // Both replicas served casts since their last start (counters start again with a process): the callers balance over them.
    const served = Object.fromEntries(
      await Promise.all(
        ["combat", "combat#2"].map(async (label) => {
          const metrics = await (await fetch(`http://127.0.0.1:${stack.portsOf(label).admin}/metrics`)).text();
          const calls = [...metrics.matchAll(/^chaos_server_calls_total\{[^}]*method="\/chaos\.combat\.v1\.CombatService\/CastSpell"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
          return [label, calls] as const;
        }),
      ),
    );
    const codes = (list: readonly Attempt[]) => Object.fromEntries([...new Set(list.flatMap((a) => (a.failure === undefined ? [] : [Code[a.failure]])))].map((c) => [c, list.filter((a) => a.failure !== undefined && Code[a.failure] === c).length]));
    console.log(
      `replicas: ${JSON.stringify({
        mages: mages.length,
        attempts: attempts.length,
        answeredCasts,
        rollingRestart: { seconds: Math.round((rollingUntil - rollingFrom) / 1000), attempts: rolling.length, failedAttempts: codes(rolling), failedCasts: failedCastsRolling },
        kill: { attemptsInFlightOrStartedWithin3s: afterKill.length, failedAttempts: codes(killFailures), failedStartedAfterKill: killFailures.filter((a) => a.startedAt > killedAt).length, servedWhileDown },
        castsServedBy: served,
      })}`,
    );
    // The rolling restart cost the players nothing: no cast failed after the client's retries with its key.
    expect(failedCastsRolling).toBe(0);
    expect(rolling.length).toBeGreaterThan(50);
    // The kill: what failed was in flight on the killed replica and failed with UNAVAILABLE; the other replica served on.
    expect(killFailures.every((a) => a.failure === Code.Unavailable)).toBe(true);
    expect(killFailures.filter((a) => a.startedAt > killedAt + 250)).toEqual([]);
    expect(servedWhileDown).toBeGreaterThan(20);
    expect(failedCasts).toBe(0);
    expect(served.combat).toBeGreaterThan(0);
    expect(served["combat#2"]).toBeGreaterThan(0);
  });
});

/** `count` players with five mages each. */
async function createMages(count: number): Promise<Mage[]> {
  const mages: Mage[] = [];
  for (let p = 0; p < count; p++) {
    const player = await signUp(stack);
    for (let i = 0; i < 5; i++) {
      const { character } = await players().createCharacter({ name: `R${randomUUID().replaceAll("-", "").slice(0, 12)}`, characterClass: CharacterClass.MAGE }, player.asPlayer);
      mages.push({ player, characterId: character!.characterId });
    }
  }
  return mages;
}

/** The training dummies of the starting zone. */
async function dummyIds(asker: TestPlayer): Promise<string[]> {
  const { characters } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, asker.asPlayer);
  const dummies = characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET).map((c) => c.characterId);
  if (dummies.length === 0) throw new Error("no training dummies in ember_plains");
  return dummies;
}
