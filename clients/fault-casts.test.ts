import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { file_chaos_combat_v1_events } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { defaultBreakerOptions } from "@chaos/mesh/client";
import { defeatExperience } from "../services/progression/core/experience-rules.js";
import { startFaultProxy, type FaultProxy } from "../scripts/test/fault-proxy.js";
import { signUp, type TestPlayer } from "../scripts/test/players.js";
import { useStack } from "../scripts/test/stack.js";
import { positiveIntegerSetting } from "../scripts/test/test-settings.js";
import { eventually, readTopicUntil, type TopicEvent } from "../scripts/test/topic-events.js";

/**
 * The fault suite's casting run (issue 15): players cast fireballs at the
 * training dummies while combat, player and progression (with the outbox
 * relays and consumers inside them) are SIGKILLed and restarted, and combat's
 * and player's PostgreSQL connections and every service's Redis connections
 * are cut, at least 30 faults in all. Then nothing may be lost or doubled.
 *
 * Mana does not regenerate, so every caster's mana is exactly its maximum less
 * the price of its hits: 4 fireballs per mage at most, which bounds the run's
 * hits by the number of mages (CHAOS_FAULT_PLAYERS players of 5 mages each).
 *
 * Then the network run: the same casting while combat's calls to player pass
 * a proxy that first slows them, then also drops their connections, then
 * heals; combat's circuit breakers must stay closed through latency alone,
 * open on the drops, and close again after, as mesh/src/client/breaker.ts
 * documents, and again nothing may be lost or doubled.
 */
const playerCount = positiveIntegerSetting("CHAOS_FAULT_PLAYERS", 20);
/** Players of the network run (5 mages each): enough calls through the proxy for the breakers' volume threshold. */
const networkPlayerCount = 5;
const minimumFaults = 30;
const fireball = { manaCost: 25, maxMana: 120 };
/** Experience for defeating a training dummy (services/progression/core/experience-rules.ts), beside one per point of damage. */
const experiencePerDummy = defeatExperience.trainingTarget;

const infra = inject("infra");
const postgres = new URL(infra.postgresAdminUrl);
const redisServer = new URL(infra.redisUrl);
const combatDatabase = await startFaultProxy({ host: postgres.hostname, port: Number(postgres.port) });
const playerDatabase = await startFaultProxy({ host: postgres.hostname, port: Number(postgres.port) });
const redis = await startFaultProxy({ host: redisServer.hostname, port: Number(redisServer.port) });
// In front of player's internal face, for combat's calls only (its port is known once the stack runs).
const combatToPlayer = await startFaultProxy(() => ({ host: "127.0.0.1", port: stack.ports.player!.internal }));
const redisThroughProxy = new URL(infra.redisUrl);
redisThroughProxy.port = String(redis.port);
afterAll(() => Promise.all([combatDatabase, playerDatabase, redis, combatToPlayer].map((proxy) => proxy.close())));

/** A breaker of combat's changing state, as combat logged it. */
interface BreakerChange {
  readonly at: number;
  readonly target: string;
  readonly method: string;
  readonly state: "open" | "halfOpen" | "closed";
}
const breakerChanges: BreakerChange[] = [];

const stack = useStack(["identity", "player", "combat", "progression"], {
  postgresThrough: { combat: combatDatabase.port, player: playerDatabase.port },
  callsThrough: { combat: { player: combatToPlayer.port } },
  onLogLine: (service, line) => {
    if (service !== "combat" || !line.includes("circuit breaker state changed")) return;
    const { time, target, method, state } = JSON.parse(line) as { time: string; target: string; method: string; state: BreakerChange["state"] };
    breakerChanges.push({ at: Date.parse(time), target, method, state });
  },
  env: {
    REDIS_URL: redisThroughProxy.toString(),
    CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "0",
    CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS: "1000",
    CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0",
  },
});
const combat = () => stack.operator.client(CombatService, "combat");
const players = () => stack.operator.client(PlayerService, "player");
const progression = () => stack.operator.client(ProgressionService, "progression");

interface Mage {
  readonly player: TestPlayer;
  readonly characterId: string;
}

/** What the casters saw, as a client would count it. */
interface Tally {
  attempts: number;
  /** Cast id → the damage the answer reported. */
  readonly answered: Map<string, number>;
  /** When each of those answers came. */
  readonly answeredAt: number[];
  /** Refusals by reason (the game's rules: cooldown, mana, a target already down). */
  readonly refusals: Map<string, number>;
  /** Failures by status code (the faults: UNAVAILABLE, DEADLINE_EXCEEDED, ...). */
  readonly failures: Map<string, number>;
  /** The failures' messages, for the figures. */
  readonly messages: Map<string, number>;
}

describe("fault suite: fireballs while processes die and connections drop", () => {
  it("loses and doubles nothing: one damage application, one record and one of each event per hit, mana spent only on hits, XP as the events award", { timeout: 300_000 }, async () => {
    const startedAt = Date.now();
    const mages = await createMages(playerCount);
    const dummies = await dummyIds(mages[0]!.player);
    const tally = newTally();

    let faulting = true;
    const faults = injectFaults().finally(() => (faulting = false));
    await Promise.all([faults, ...mages.map((mage) => castWhile(mage, dummies, tally, () => faulting))]);
    const faultLog = await faults;
    const faultsEndedAt = Date.now();

    // Every process is up again and every connection restored: let the re-driver, the payment sweep,
    // the relays and the consumers finish what the faults interrupted.
    const books = await expectBooksBalance(mages, tally);

    // The figures (printed: the suite reports them; no figure is asserted).
    const figures = {
      players: playerCount,
      mages: mages.length,
      faults: faultLog.length,
      faultKinds: Object.fromEntries(countBy(faultLog, (f) => f)),
      ...books,
      faultPhaseSeconds: Math.round((faultsEndedAt - startedAt) / 1000),
      settleSeconds: Math.round((Date.now() - faultsEndedAt) / 1000),
    };
    console.log(`fault suite (casts): ${JSON.stringify(figures)}`);
    expect(faultLog.length).toBeGreaterThanOrEqual(minimumFaults);
    // The run cast in earnest (50 to 115 hits landed in ten runs with 100 mages: the breakers, open through
    // most of the faults, refuse the rest at once; with faults 300 ms apart only 2 did).
    expect(books.recordedHits).toBeGreaterThanOrEqual(10);
    // The faults surface as UNAVAILABLE or DEADLINE_EXCEEDED only (never INTERNAL, a bug's code).
    expect([...tally.failures.keys()].filter((code) => code !== Code[Code.Unavailable] && code !== Code[Code.DeadlineExceeded])).toEqual([]);
  });

  it("loses and doubles nothing while combat's calls to player are slowed, then dropped; combat's breakers stay closed through latency alone, open on the drops and close again once player is reachable", { timeout: 180_000 }, async () => {
    const mages = await createMages(networkPlayerCount);
    const dummies = await dummyIds(mages[0]!.player);
    const tally = newTally();
    // The casters call combat without a breaker of their own that could open: a caller's breaker (the gateway's,
    // in a deployment) stops sending once combat fails, and combat's own breakers on player are what this run watches.
    const caster = stack.operatorWith({ breaker: { volumeThreshold: Number.MAX_SAFE_INTEGER } }).client(CombatService, "combat");
    let casting = true;
    const casters = mages.map((mage) => castWhile(mage, dummies, tally, () => casting, caster));
    const changesBefore = breakerChanges.length;

    // Slow: 200 ms each way on every byte between combat and player; a cast (two round trips to player) takes over 800 ms.
    const slowFrom = Date.now();
    combatToPlayer.setLatency(200);
    await sleep(8_000);
    // Slow and dropping: every connection reset every 150 ms, before a TLS handshake at this latency can finish. Longer
    // than the breakers' 10 s window, so the slow phase's successes leave it and the failures alone count.
    const dropsFrom = Date.now();
    combatToPlayer.setLatency(100);
    const dropping = setInterval(() => combatToPlayer.drop(), 150);
    await sleep(12_000);
    clearInterval(dropping);
    combatToPlayer.setLatency(0);
    const healedAt = Date.now();

    // The breakers that opened let a probe through after their reset timeout and close on its success; casting goes on meanwhile.
    const changes = () => breakerChanges.slice(changesBefore).filter((c) => c.target === "player");
    const stillOpen = () => {
      const last = new Map(changes().map((c) => [c.method, c.state]));
      return [...last].filter(([, state]) => state !== "closed").map(([method]) => method);
    };
    const open = await eventually(async () => stillOpen(), (methods) => methods.length === 0, 30_000);
    const closedAt = Date.now();
    casting = false;
    await Promise.all(casters);

    const books = await expectBooksBalance(mages, tally);
    const byMethod = new Map<string, BreakerChange[]>();
    for (const change of changes()) byMethod.set(change.method, [...(byMethod.get(change.method) ?? []), change]);
    console.log(
      `fault suite (network): ${JSON.stringify({
        mages: mages.length,
        ...books,
        hitsAnsweredWhileSlow: tally.answeredAt.filter((at) => at >= slowFrom && at < dropsFrom).length,
        breakers: Object.fromEntries([...byMethod].map(([method, list]) => [method, list.map((c) => `${c.state} +${((c.at - dropsFrom) / 1000).toFixed(1)} s`)])),
        secondsFromHealToClosed: Math.round((closedAt - healedAt) / 1000),
      })}`,
    );

    expect(open, "breakers still not closed 30 s after the network healed").toEqual([]);
    // Latency alone is no failure (the breakers have no timeout of their own; deadlines bound calls): casts landed, nothing opened.
    expect(tally.answeredAt.filter((at) => at >= slowFrom && at < dropsFrom).length).toBeGreaterThan(0);
    expect(changes().filter((c) => c.at < dropsFrom)).toEqual([]);
    // The drops opened at least one; each open breaker waited its reset timeout (5 s) before probing, and all ended closed.
    expect(changes().filter((c) => c.state === "open").length).toBeGreaterThan(0);
    for (const [method, list] of byMethod) {
      list.forEach((change, k) => {
        if (change.state === "halfOpen") expect(list[k - 1]?.state, `${method}: half-open only after open`).toBe("open");
        if (change.state === "halfOpen") expect(change.at - list[k - 1]!.at, `${method}: reset timeout`).toBeGreaterThanOrEqual(defaultBreakerOptions.resetTimeoutMs - 50);
      });
      expect(list.at(-1)?.state, method).toBe("closed");
    }
    // While open, combat refused at once instead of calling player; every failure is UNAVAILABLE or DEADLINE_EXCEEDED.
    expect([...tally.messages.keys()].some((message) => message.includes("circuit breaker open"))).toBe(true);
    expect([...tally.failures.keys()].filter((code) => code !== Code[Code.Unavailable] && code !== Code[Code.DeadlineExceeded])).toEqual([]);
  });
});

function newTally(): Tally {
  return { attempts: 0, answered: new Map(), answeredAt: [], refusals: new Map(), failures: new Map(), messages: new Map() };
}

/**
 * Waits for the world to settle after faults (no cast pending, events
 * published and consumed) and checks the books of `mages`: every answered
 * cast a recorded hit, one damage application and one of each event per hit
 * and none for anything else, mana spent only on hits, experience exactly as
 * the events award. Returns the figures.
 */
async function expectBooksBalance(mages: readonly Mage[], tally: Tally) {
  const combatSql = new pg.Client(stack.databaseUrl("combat"));
  const playerSql = new pg.Client(stack.databaseUrl("player"));
  await Promise.all([combatSql.connect(), playerSql.connect()]);
  try {
    const mageIds = mages.map((m) => m.characterId);
    const pending = "SELECT count(*)::int AS n FROM casts WHERE outcome = 'pending' AND caster_character_id = ANY($1)";
    const stuck = await eventually(async () => (await combatSql.query<{ n: number }>(pending, [mageIds])).rows[0]!.n, (n) => n === 0, 60_000);
    expect(stuck, `casts still pending; combat's last lines:\n${stack.processes.get("combat")?.lastLines().join("\n")}`).toBe(0);
    const { rows: casts } = await combatSql.query<{ cast_id: string; caster_character_id: string; outcome: string; damage: number }>(
      "SELECT cast_id, caster_character_id, outcome, damage FROM casts WHERE caster_character_id = ANY($1)",
      [mageIds],
    );
    const hits = casts.filter((c) => c.outcome === "hit" || c.outcome === "defeated");
    const hitById = new Map(hits.map((c) => [c.cast_id, c]));

    // Every cast a caster was told succeeded is a recorded hit with the damage it was told.
    for (const [castId, damage] of tally.answered) expect(hitById.get(castId)?.damage, `answered cast ${castId}`).toBe(damage);
    // Exactly one damage application per recorded hit, and none for anything else (a hit nobody paid for).
    const { rows: applications } = await playerSql.query<{ cast_id: string; amount: number }>(
      "SELECT cast_id, amount FROM damage_applications WHERE source_character_id = ANY($1)",
      [mageIds],
    );
    const outcomeOf = new Map(casts.map((c) => [c.cast_id, c.outcome]));
    expect(applications.filter((a) => !hitById.has(a.cast_id)).map((a) => `${a.cast_id}: ${outcomeOf.get(a.cast_id) ?? "no cast record"}`), "damage applied without a recorded hit").toEqual([]);
    expect(new Map(applications.map((a) => [a.cast_id, a.amount]))).toEqual(new Map(hits.map((c) => [c.cast_id, c.damage])));
    expect(applications).toHaveLength(hits.length);

    // No mana spent without a recorded outcome: each mage has its maximum less its hits' price.
    const hitsOf = countBy(hits, (c) => c.caster_character_id);
    const manaMismatches = async () => {
      const mana = await Promise.all(mages.map(async (m) => (await combat().getCombatState({ characterId: m.characterId }, m.player.asPlayer)).mana));
      return mages.flatMap((m, i) => (mana[i] === fireball.maxMana - fireball.manaCost * (hitsOf.get(m.characterId) ?? 0) ? [] : [`${m.characterId}: ${mana[i]}`]));
    };
    expect(await eventually(manaMismatches, (wrong) => wrong.length === 0, 30_000)).toEqual([]);

    // One of each event per hit (a relay killed mid-batch may publish an event twice: same id, which consumers drop).
    const defeats = hits.filter((c) => c.outcome === "defeated");
    const distinct = (events: readonly TopicEvent[]) => [...new Map(events.map((e) => [e.id, e])).values()];
    const ours = (events: readonly TopicEvent[]) => events.filter((e) => mageIds.includes(String(e.message.casterCharacterId ?? e.message.sourceCharacterId ?? e.message.victorCharacterId)));
    const published = await readTopicUntil(
      infra.kafka,
      `${stack.world}.chaos.combat.v1.casts`,
      [file_chaos_combat_v1_events],
      (all) => distinct(ours(all)).length >= 2 * hits.length + defeats.length,
      60_000,
    );
    const events = distinct(ours(published));
    const castIdsOf = (type: string) => events.filter((e) => e.type === type).map((e) => String(e.message.castId)).sort();
    const hitIds = hits.map((c) => c.cast_id).sort();
    expect(castIdsOf("chaos.combat.v1.SpellCast")).toEqual(hitIds);
    expect(castIdsOf("chaos.combat.v1.DamageDealt")).toEqual(hitIds);
    expect(castIdsOf("chaos.combat.v1.CharacterDefeated")).toEqual(defeats.map((c) => c.cast_id).sort());

    // Experience exactly as the events award it (the damage dealt, and more for each defeat), though progression
    // may have been killed as it consumed them.
    const awarded = new Map<string, number>();
    const award = (characterId: string, experience: number) => awarded.set(characterId, (awarded.get(characterId) ?? 0) + experience);
    for (const e of events) {
      if (e.type === "chaos.combat.v1.DamageDealt") award(String(e.message.sourceCharacterId), Number(e.message.amount));
      if (e.type === "chaos.combat.v1.CharacterDefeated") award(String(e.message.victorCharacterId), experiencePerDummy);
    }
    const experienceMismatches = async () => {
      const progress = await Promise.all(mages.map(async (m) => (await progression().getProgress({ characterId: m.characterId }, m.player.asPlayer)).progress));
      return mages.flatMap((m, i) => (Number(progress[i]?.experience ?? -1) === (awarded.get(m.characterId) ?? 0) ? [] : [`${m.characterId}: ${progress[i]?.experience} of ${awarded.get(m.characterId) ?? 0}`]));
    };
    expect(await eventually(experienceMismatches, (wrong) => wrong.length === 0, 60_000)).toEqual([]);

    return {
      castAttempts: tally.attempts,
      answeredHits: tally.answered.size,
      recordedHits: hits.length,
      hitsWhoseAnswerWasLost: hits.length - tally.answered.size,
      defeats: defeats.length,
      missedAndRefunded: casts.length - hits.length,
      refusals: Object.fromEntries(tally.refusals),
      failures: Object.fromEntries(tally.failures),
      failureMessages: Object.fromEntries([...tally.messages].sort((a, b) => b[1] - a[1]).slice(0, 8)),
      redeliveredEvents: ours(published).length - events.length,
    };
  } finally {
    await Promise.all([combatSql.end(), playerSql.end()]);
  }
}

/** `count` players with five mages each, signed up a few at a time (each sign-up is two scrypt hashes). */
async function createMages(count: number): Promise<Mage[]> {
  const mages: Mage[] = [];
  const queue = Array.from({ length: count }, (_, i) => i);
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const player = await signUp(stack);
      for (let i = 0; i < 5; i++) {
        const name = `F${randomUUID().replaceAll("-", "").slice(0, 12)}`;
        const { character } = await players().createCharacter({ name, characterClass: CharacterClass.MAGE }, player.asPlayer);
        mages.push({ player, characterId: character!.characterId });
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return mages;
}

/** The training dummies of the starting zone, found among every character there (page by page). */
async function dummyIds(asker: TestPlayer): Promise<string[]> {
  const dummies: string[] = [];
  let pageToken = "";
  do {
    const page = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100, pageToken }, asker.asPlayer);
    dummies.push(...page.characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET).map((c) => c.characterId));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  if (dummies.length === 0) throw new Error("no training dummies in ember_plains");
  return dummies;
}

/**
 * At least `minimumFaults` faults, one after another: kills (the service is
 * restarted on its ports and answers again before the next fault) and cuts of
 * a dependency's connections for a moment.
 */
async function injectFaults(): Promise<string[]> {
  const cut = (proxy: FaultProxy) => async () => {
    proxy.cut();
    await sleep(700);
    proxy.restore();
  };
  const kinds: [string, () => Promise<void>][] = [
    ["kill combat", () => stack.restart("combat")],
    ["cut combat's PostgreSQL", cut(combatDatabase)],
    ["kill player", () => stack.restart("player")],
    ["cut Redis", cut(redis)],
    ["kill progression", () => stack.restart("progression")],
    ["cut player's PostgreSQL", cut(playerDatabase)],
  ];
  const log: string[] = [];
  // The first casts land before the first fault, so some are in flight when it strikes.
  await sleep(2_000);
  while (log.length < minimumFaults) {
    const [name, fault] = kinds[log.length % kinds.length]!;
    await sleep(500);
    await fault();
    log.push(name);
  }
  return log;
}

/**
 * One mage casting fireballs at random dummies for as long as faults go on,
 * as a client would: a failed call is retried with the same idempotency key
 * (twice), a refusal is obeyed, and hits are spread over the run.
 */
async function castWhile(mage: Mage, dummies: readonly string[], tally: Tally, going: () => boolean, client = combat()): Promise<void> {
  const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  await sleep(Math.random() * 5_000);
  while (going()) {
    const request = { casterCharacterId: mage.characterId, spellId: "fireball", targetId: dummies[Math.floor(Math.random() * dummies.length)]!, idempotencyKey: randomUUID() };
    let pause = 300;
    for (let attempt = 0; attempt < 3; attempt++) {
      tally.attempts++;
      try {
        const hit = await client.castSpell(request, { ...mage.player.asPlayer, timeoutMs: 3_000 });
        tally.answered.set(hit.castId, hit.damage);
        tally.answeredAt.push(Date.now());
        pause = 8_000 + Math.random() * 6_000;
        break;
      } catch (error) {
        const failure = ConnectError.from(error);
        const reason = errorInfoOf(failure)?.reason;
        if (reason === undefined) {
          bump(tally.failures, Code[failure.code]);
          bump(tally.messages, `${Code[failure.code]}: ${failure.rawMessage.slice(0, 80)}`);
          // Only what a fault explains is retried; anything else is counted and fails the run below.
          if (failure.code !== Code.Unavailable && failure.code !== Code.DeadlineExceeded) break;
          await sleep(300);
          continue;
        }
        bump(tally.refusals, reason);
        const cooldown = Number(errorInfoOf(failure)?.metadata?.remaining_ms ?? "0");
        pause = reason === "ERROR_REASON_ON_COOLDOWN" ? cooldown + 50 : reason === "ERROR_REASON_TARGET_DEFEATED" ? 100 : 3_000;
        break;
      }
    }
    await sleep(pause);
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
