import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { durationMs } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { CharacterClass, CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { startFaultProxy } from "../../../scripts/test/fault-proxy.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { useStack } from "../../../scripts/test/stack.js";
import { Code, refusalOf, type Refusal } from "../../../scripts/test/refusal.js";
import { file_chaos_combat_v1_events } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { eventually, readTopicUntil, type TopicEvent } from "../../../scripts/test/topic-events.js";

// Combat reaches its database through a proxy a test can cut (a real network fault).
const postgres = new URL(inject("infra").postgresAdminUrl);
const combatDatabase = await startFaultProxy({ host: postgres.hostname, port: Number(postgres.port) });
afterAll(() => combatDatabase.close());
// No regeneration and long respawns: every number below is exact, and a defeated character stays down for the file.
const stack = useStack(["identity", "player", "combat"], {
  postgresThrough: { combat: combatDatabase.port },
  env: { CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "0", CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS: "1000", CHAOS_PLAYER_RESPAWN_SECONDS: "600", CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "600" },
});
const combat = () => stack.operator.client(CombatService, "combat");
const players = () => stack.operator.client(PlayerService, "player");
const characters = () => stack.operator.client(PlayerInternalService, "player");

let counter = 0;
async function newCharacter(player: TestPlayer, characterClass = CharacterClass.MAGE): Promise<Character> {
  const name = `C${randomUUID().replaceAll("-", "").slice(0, 10)}${++counter}`;
  const { character } = await players().createCharacter({ name, characterClass }, player.asPlayer);
  return character!;
}

/** The caster's mana and fireball readiness, and the target's health: what a refusal must leave alone. */
async function observe(player: TestPlayer, casterId: string, targetId: string) {
  const [state, target] = await Promise.all([combat().getCombatState({ characterId: casterId }, player.asPlayer), characters().getCharacterState({ characterId: targetId })]);
  const fireball = state.cooldowns.find((c) => c.spellId === "fireball");
  return { mana: state.mana, fireballReady: fireball?.remaining === undefined || durationMs(fireball.remaining) === 0, targetHealth: target.character!.stats!.health };
}

const cast = (player: TestPlayer, caster: Character | string, spellId: string, target: Character | string, idempotencyKey = "") =>
  combat().castSpell(
    { casterCharacterId: typeof caster === "string" ? caster : caster.characterId, spellId, targetId: typeof target === "string" ? target : target.characterId, idempotencyKey },
    player.asPlayer,
  );

/** Casts that must be refused: the code, the reason, and nothing changed (caster's mana and cooldown, the target's health). */
async function expectRefusal(player: TestPlayer, caster: Character, spellId: string, target: Character | string, expected: Partial<Refusal>): Promise<Refusal> {
  // A target that does not exist has no health to watch; the caster's own stands in.
  const watched = typeof target === "string" ? caster.characterId : target.characterId;
  const before = await observe(player, caster.characterId, watched);
  const refusal = await refusalOf(cast(player, caster, spellId, target));
  expect(refusal).toMatchObject(expected);
  expect(await observe(player, caster.characterId, watched)).toEqual(before);
  return refusal;
}

const castsTopic = () => `${stack.world}.chaos.combat.v1.casts`;
const eventsOf = (castId: string) => (events: readonly TopicEvent[]) => events.filter((e) => e.message.castId === castId);

describe("combat: the Player Action Flow (real processes: identity + player + combat)", () => {
  // Every test signs up its own players (five characters each at most), so tests share only the training dummies.
  let alice: TestPlayer;
  let bob: TestPlayer;
  let dummies: Character[];
  beforeEach(async () => {
    [alice, bob] = await Promise.all([signUp(stack), signUp(stack)]);
  });
  beforeAll(async () => {
    const scout = await signUp(stack);
    const { characters: inZone } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, scout.asPlayer);
    dummies = inZone.filter((c) => c.kind === CharacterKind.TRAINING_TARGET).sort((a, b) => a.name.localeCompare(b.name));
  });

  it("casts a fireball at a training dummy: damage, mana, cooldown, target health and events", async () => {
    const mage = await newCharacter(alice);
    const dummy = dummies[0]!;
    const before = await observe(alice, mage.characterId, dummy.characterId);
    expect(before).toEqual({ mana: 120, fireballReady: true, targetHealth: 120 });

    const result = await cast(alice, mage, "fireball", dummy);
    // round(30 × (1 + 14/20) × (1 − 0/100)) = 51
    expect(result).toMatchObject({ damage: 51, targetHealth: 69, targetDefeated: false, casterMana: 95 });
    expect(durationMs(result.cooldownRemaining!)).toBe(2_000);
    expect((await characters().getCharacterState({ characterId: dummy.characterId })).character?.stats?.health).toBe(69);
    const state = await combat().getCombatState({ characterId: mage.characterId }, alice.asPlayer);
    expect(state).toMatchObject({ mana: 95, maxMana: 120, health: 100, maxHealth: 100 });
    expect(durationMs(state.cooldowns.find((c) => c.spellId === "fireball")!.remaining!)).toBeGreaterThan(0);
    expect(durationMs(state.cooldowns.find((c) => c.spellId === "arcane_bolt")!.remaining!)).toBe(0);

    const events = eventsOf(result.castId)(await readTopicUntil(inject("infra").kafka, castsTopic(), [file_chaos_combat_v1_events], (all) => eventsOf(result.castId)(all).length >= 2));
    expect(events.map((e) => e.type)).toEqual(["chaos.combat.v1.SpellCast", "chaos.combat.v1.DamageDealt"]);
    expect(events.every((e) => e.subject === mage.characterId)).toBe(true);
    expect(events[0]!.message).toMatchObject({ casterCharacterId: mage.characterId, casterPlayerId: alice.accountId, targetId: dummy.characterId, spellId: "fireball", school: School.FIRE, manaSpent: 25, cooldownMs: 2_000, baseDamage: 30 });
    expect(events[1]!.message).toMatchObject({ sourceCharacterId: mage.characterId, targetId: dummy.characterId, targetPlayerId: "", amount: 51, school: School.FIRE, targetHealthAfter: 69 });
  });

  it("lists the spells and combat state of one's own characters only (NOT_CHARACTER_OWNER)", async () => {
    const mage = await newCharacter(alice);
    const { spells } = await combat().listSpells({ characterId: mage.characterId }, alice.asPlayer);
    expect(spells.map((s) => s.spellId).sort()).toEqual(["arcane_bolt", "fireball"]);
    for (const call of [
      () => combat().listSpells({ characterId: mage.characterId }, bob.asPlayer),
      () => combat().getCombatState({ characterId: mage.characterId }, bob.asPlayer),
      () => combat().getCombatState({ characterId: randomUUID() }, alice.asPlayer),
    ]) {
      expect(await refusalOf(call())).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    }
    expect((await refusalOf(combat().listSpells({ characterId: mage.characterId }))).code).toBe(Code.Unauthenticated);
  });

  it("refuses a spell still on cooldown (ON_COOLDOWN, remaining_ms)", async () => {
    const mage = await newCharacter(alice);
    const warrior = await newCharacter(bob, CharacterClass.WARRIOR);
    await cast(alice, mage, "fireball", warrior);
    const refusal = await expectRefusal(alice, mage, "fireball", warrior, { code: Code.FailedPrecondition, reason: "ERROR_REASON_ON_COOLDOWN" });
    const remaining = Number(refusal.metadata.remaining_ms);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(2_000);
  });

  it("refuses a spell the caster cannot pay for (INSUFFICIENT_MANA, required_mana, current_mana)", async () => {
    const warrior = await newCharacter(alice, CharacterClass.WARRIOR);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    expect((await cast(alice, warrior, "arcane_bolt", target)).casterMana).toBe(10);
    const refusal = await expectRefusal(alice, warrior, "arcane_bolt", target, { code: Code.FailedPrecondition, reason: "ERROR_REASON_INSUFFICIENT_MANA" });
    expect(refusal.metadata).toEqual({ required_mana: "30", current_mana: "10" });
  });

  it("refuses a target out of range (OUT_OF_RANGE, distance, max_range) or in another zone (DIFFERENT_ZONE)", async () => {
    const mage = await newCharacter(alice);
    const runner = await newCharacter(bob, CharacterClass.ROGUE);
    await players().moveCharacter({ characterId: runner.characterId, position: { zoneId: "ember_plains", x: 190, y: 190, z: 0 } }, bob.asPlayer);
    const refusal = await expectRefusal(alice, mage, "fireball", runner, { code: Code.FailedPrecondition, reason: "ERROR_REASON_OUT_OF_RANGE" });
    const distance = Math.hypot(190 - mage.position!.x, 190 - mage.position!.y);
    expect(Number(refusal.metadata.distance)).toBeCloseTo(distance, 1);
    expect(refusal.metadata.max_range).toBe("30");

    await players().moveCharacter({ characterId: runner.characterId, position: { zoneId: "frost_hollow", x: mage.position!.x, y: mage.position!.y, z: 0 } }, bob.asPlayer);
    await expectRefusal(alice, mage, "fireball", runner, { code: Code.FailedPrecondition, reason: "ERROR_REASON_DIFFERENT_ZONE" });
  });

  it("refuses self-targeting, unknown spells and targets, other players' characters, and invalid requests", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob);
    await expectRefusal(alice, mage, "fireball", mage, { code: Code.InvalidArgument, reason: "ERROR_REASON_SELF_TARGET" });
    await expectRefusal(alice, mage, "frostbolt", target, { code: Code.NotFound, reason: "ERROR_REASON_SPELL_NOT_FOUND" });
    await expectRefusal(alice, mage, "fireball", randomUUID(), { code: Code.NotFound, reason: "ERROR_REASON_TARGET_NOT_FOUND" });
    const before = await observe(alice, mage.characterId, target.characterId);
    expect(await refusalOf(cast(bob, mage, "fireball", target))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    expect(await refusalOf(cast(alice, dummies[1]!, "fireball", target))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    expect(await refusalOf(cast(alice, randomUUID(), "fireball", target))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    expect((await refusalOf(cast(alice, "not-a-uuid", "fireball", target))).code).toBe(Code.InvalidArgument);
    expect((await refusalOf(cast(alice, mage, "", target))).code).toBe(Code.InvalidArgument);
    expect((await refusalOf(cast(alice, mage, "fireball", target, "k".repeat(129)))).code).toBe(Code.InvalidArgument);
    expect((await refusalOf(combat().castSpell({ casterCharacterId: mage.characterId, spellId: "fireball", targetId: target.characterId, idempotencyKey: "" }))).code).toBe(
      Code.Unauthenticated,
    );
    expect(await observe(alice, mage.characterId, target.characterId)).toEqual(before);
  });

  it("defeats a character: CharacterDefeated; then TARGET_DEFEATED for its attackers and CASTER_DEFEATED for it", async () => {
    const carol = await signUp(stack);
    const [aliceMage, carolMage, victim] = await Promise.all([newCharacter(alice), newCharacter(carol), newCharacter(bob)]);
    // Against a mage (fire resistance 10, arcane 15): fireball 46, arcane bolt 17.
    expect(await cast(alice, aliceMage, "fireball", victim)).toMatchObject({ damage: 46, targetHealth: 54, targetDefeated: false });
    expect(await cast(carol, carolMage, "fireball", victim)).toMatchObject({ damage: 46, targetHealth: 8, targetDefeated: false });
    const fatal = await cast(alice, aliceMage, "arcane_bolt", victim);
    expect(fatal).toMatchObject({ damage: 17, targetHealth: 0, targetDefeated: true });
    expect((await characters().getCharacterState({ characterId: victim.characterId })).character).toMatchObject({ defeated: true, stats: { health: 0 } });

    await expectRefusal(carol, carolMage, "arcane_bolt", victim, { code: Code.FailedPrecondition, reason: "ERROR_REASON_TARGET_DEFEATED" });
    await expectRefusal(bob, victim, "arcane_bolt", aliceMage, { code: Code.FailedPrecondition, reason: "ERROR_REASON_CASTER_DEFEATED" });

    const events = eventsOf(fatal.castId)(await readTopicUntil(inject("infra").kafka, castsTopic(), [file_chaos_combat_v1_events], (all) => eventsOf(fatal.castId)(all).length >= 3));
    expect(events.map((e) => e.type)).toEqual(["chaos.combat.v1.SpellCast", "chaos.combat.v1.DamageDealt", "chaos.combat.v1.CharacterDefeated"]);
    expect(events[1]!.message).toMatchObject({ targetPlayerId: bob.accountId, amount: 17, targetHealthAfter: 0 });
    expect(events[2]!.message).toMatchObject({
      defeatedId: victim.characterId,
      defeatedPlayerId: bob.accountId,
      victorCharacterId: aliceMage.characterId,
      victorPlayerId: alice.accountId,
    });
  });

  it("lets exactly as many of 100 simultaneous casts through as the mana pays for", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    // 120 mana, 30 a bolt: after the first, 90 pays for exactly 3 more. Against a warrior (arcane 0) a bolt does 20.
    expect(await cast(alice, mage, "arcane_bolt", target)).toMatchObject({ damage: 20, casterMana: 90, targetHealth: 130 });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => cast(alice, mage, "arcane_bolt", target)));
    const succeeded = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const refused = await Promise.all(outcomes.flatMap((o) => (o.status === "rejected" ? [refusalOf(Promise.reject(o.reason))] : [])));
    expect(succeeded).toHaveLength(3);
    expect(succeeded.map((s) => s.casterMana).sort((a, b) => a - b)).toEqual([0, 30, 60]);
    expect(new Set(succeeded.map((s) => s.castId)).size).toBe(3);
    expect(refused).toHaveLength(97);
    for (const refusal of refused) expect(refusal).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_INSUFFICIENT_MANA", metadata: { required_mana: "30" } });
    expect(await observe(alice, mage.characterId, target.characterId)).toMatchObject({ mana: 0, targetHealth: 150 - 4 * 20 });
  });

  it("spends nothing for casts that lose the race to a defeat (refund of mana and cooldown)", async () => {
    const carol = await signUp(stack);
    const casters = await Promise.all([...Array.from({ length: 5 }, () => newCharacter(alice)), ...Array.from({ length: 3 }, () => newCharacter(carol))]);
    const ownerOf = (c: Character) => (c.playerId === alice.accountId ? alice : carol);
    const victim = await newCharacter(bob);
    // 100 health, 46 a fireball: exactly three land, whoever comes first.
    const outcomes = await Promise.allSettled(casters.map((c) => cast(ownerOf(c), c, "fireball", victim)));
    const landed = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [{ caster: casters[i]!, result: o.value }] : []));
    expect(landed).toHaveLength(3);
    expect(landed.filter((l) => l.result.targetDefeated)).toHaveLength(1);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === "fulfilled") continue;
      const caster = casters[i]!;
      expect(await refusalOf(Promise.reject(outcome.reason))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TARGET_DEFEATED" });
      expect(await observe(ownerOf(caster), caster.characterId, victim.characterId)).toEqual({ mana: 120, fireballReady: true, targetHealth: 0 });
    }
  });

  it("answers a retried cast (same idempotency key) with the first outcome, spending and hitting once", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    const key = `retry-${randomUUID()}`;
    const first = await cast(alice, mage, "fireball", target, key);
    const again = await cast(alice, mage, "fireball", target, key);
    expect(again).toEqual(first);
    expect(await observe(alice, mage.characterId, target.characterId)).toMatchObject({ mana: 95, targetHealth: 150 - first.damage });
    // The key belongs to the caster: another player cannot replay it.
    expect(await refusalOf(cast(bob, mage, "fireball", target, key))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    // A new key is a new cast (here: refused, the fireball is cooling down).
    expect((await refusalOf(cast(alice, mage, "fireball", target, `${key}-2`))).reason).toBe("ERROR_REASON_ON_COOLDOWN");
  });

  it("never refunds a hit whose answer was lost: the cast stays paid, is recorded once with its events, and a retry gets it", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    const key = `lost-answer-${randomUUID()}`;
    // Fault injection: the target's row is held locked in player's database, so the hit reaches player and waits
    // there while combat's call gives up (the outcome is unknown to combat); released, the hit lands after all.
    const holder = new pg.Client(stack.databaseUrl("player"));
    await holder.connect();
    let refusal: Refusal;
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM characters WHERE character_id = $1 FOR UPDATE", [target.characterId]);
      refusal = await refusalOf(combat().castSpell({ casterCharacterId: mage.characterId, spellId: "fireball", targetId: target.characterId, idempotencyKey: key }, { ...alice.asPlayer, timeoutMs: 1_500 }));
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    expect([Code.DeadlineExceeded, Code.Unavailable]).toContain(refusal.code);

    // Combat re-drives the pending cast by itself (no retry needed): the hit lands once, is paid for once, and is recorded with its events.
    const byMage = (all: readonly TopicEvent[]) => all.filter((e) => e.subject === mage.characterId);
    const events = byMage(await readTopicUntil(inject("infra").kafka, castsTopic(), [file_chaos_combat_v1_events], (all) => byMage(all).length >= 2));
    expect(events.map((e) => e.type)).toEqual(["chaos.combat.v1.SpellCast", "chaos.combat.v1.DamageDealt"]);
    const after = await observe(alice, mage.characterId, target.characterId);
    expect(after.mana).toBe(95);
    expect(after.targetHealth).toBe(150 - (events[1]!.message as unknown as { amount: number }).amount);

    // The player's retry is answered with that cast, not a second hit.
    const retried = await cast(alice, mage, "fireball", target, key);
    expect(retried).toMatchObject({ castId: (events[0]!.message as unknown as { castId: string }).castId, targetHealth: after.targetHealth, casterMana: 95 });
    // Neither mana nor health moved (the cooldown runs on its own clock: paid at the first attempt, it may have ended by now).
    const { mana, targetHealth } = await observe(alice, mage.characterId, target.characterId);
    expect({ mana, targetHealth }).toEqual({ mana: after.mana, targetHealth: after.targetHealth });
  });

  it("records a hit that landed while combat died: the restarted combat ends the cast with its events", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    const holder = new pg.Client(stack.databaseUrl("player"));
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM characters WHERE character_id = $1 FOR UPDATE", [target.characterId]);
      const inFlight = refusalOf(cast(alice, mage, "fireball", target, `crash-${randomUUID()}`));
      // The hit waits in player; combat dies with the cast in hand, then the hit lands.
      const waiting = "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
      await eventually(async () => (await holder.query<{ n: number }>(waiting)).rows[0]!.n, (n) => n > 0);
      await stack.restart("combat");
      await inFlight;
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    const byMage = (all: readonly TopicEvent[]) => all.filter((e) => e.subject === mage.characterId);
    const events = byMage(await readTopicUntil(inject("infra").kafka, castsTopic(), [file_chaos_combat_v1_events], (all) => byMage(all).length >= 2));
    expect(events.map((e) => e.type)).toEqual(["chaos.combat.v1.SpellCast", "chaos.combat.v1.DamageDealt"]);
    // The operator's channel to combat may still be backing off from the refused connections of the restart.
    const after = await eventually(() => observe(alice, mage.characterId, target.characterId), () => true);
    expect(after).toMatchObject({ mana: 95, targetHealth: 150 - (events[1]!.message as unknown as { amount: number }).amount });
  });

  it("gives the mana back for a paid cast that could not be recorded (combat's database cut off)", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob, CharacterClass.WARRIOR);
    const before = await observe(alice, mage.characterId, target.characterId);
    combatDatabase.cut();
    let refusal: Refusal;
    try {
      refusal = await refusalOf(cast(alice, mage, "fireball", target));
    } finally {
      combatDatabase.restore();
    }
    expect(refusal.code).toBe(Code.Unavailable);
    // Paid in Redis, never recorded: combat itself notices the unsettled payment and refunds it, cooldown included.
    const after = await eventually(() => observe(alice, mage.characterId, target.characterId), (state) => state.mana === before.mana && state.fireballReady, 10_000);
    expect(after).toEqual(before);
    const db = new pg.Client(stack.databaseUrl("combat"));
    await db.connect();
    try {
      expect((await db.query("SELECT 1 FROM casts WHERE caster_character_id = $1", [mage.characterId])).rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });

  // Last: it takes the player service down.
  it("answers UNAVAILABLE (not INTERNAL) when the player service is down", async () => {
    const mage = await newCharacter(alice);
    const target = await newCharacter(bob);
    const player = stack.processes.get("player")!.child;
    const exited = once(player, "exit");
    player.kill("SIGKILL");
    await exited;
    expect((await refusalOf(cast(alice, mage, "fireball", target))).code).toBe(Code.Unavailable);
  });
});
