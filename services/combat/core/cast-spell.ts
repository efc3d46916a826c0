import { randomUUID } from "node:crypto";
import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/combat/v1/errors_pb.js";
import type { Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { Logger } from "pino";
import type { CastEntry, CastLog, CastRecord, Miss, PendingCast } from "../store/cast-log.js";
import type { ManaAndCooldowns, PaymentRef, Price } from "../store/mana-and-cooldowns.js";
import { castEvents } from "./cast-events.js";
import { castIdFor } from "./cast-id.js";
import { statsOf, type CharacterDirectory } from "./character-directory.js";
import { damageOf } from "./damage.js";
import { cooldownMsOf, findSpell } from "./spells.js";

/** One cast as asked for. */
export interface CastRequest {
  readonly casterCharacterId: string;
  readonly spellId: string;
  readonly targetId: string;
  /** "" for none. */
  readonly idempotencyKey: string;
}

/** The Player Action Flow: a player casts a spell from one of their characters. */
export interface SpellCaster {
  /** Casts for the player `playerId`; refusals are DomainErrors with combat's ErrorReason. */
  cast(playerId: string, request: CastRequest): Promise<CastRecord>;
  /**
   * Drives a pending cast (paid, its hit's outcome unknown) to its end: asks
   * player again for the hit (idempotent by cast id), then records it with its
   * events, or refunds it when player refused the hit.
   */
  resume(pending: PendingCast): Promise<CastRecord>;
}

export interface SpellCasterDependencies {
  readonly characters: CharacterDirectory;
  readonly resources: ManaAndCooldowns;
  readonly casts: CastLog;
  readonly logger: Pick<Logger, "error">;
  /** How long after its start a pending cast is left to its own call before the re-driver takes it up. */
  readonly redriveAfterMs: number;
  readonly now?: () => Date;
}

export function createSpellCaster(deps: SpellCasterDependencies): SpellCaster {
  const now = deps.now ?? (() => new Date());

  /**
   * Gives a cast's price back; only for a cast whose hit is known not to have
   * landed. A failed refund is logged: the cast's own outcome is what the caller needs.
   */
  const refund = async (casterCharacterId: string, price: Price, maxMana: number, payment: PaymentRef, clearCooldown: boolean) => {
    try {
      await deps.resources.refund(casterCharacterId, price, maxMana, payment, clearCooldown);
    } catch (error) {
      // Still unsettled: the payment sweep gives it back later.
      deps.logger.error({ err: error, castId: payment.castId, casterCharacterId }, "refund of a cast that did not land failed; the payment sweep will retry it");
    }
  };

  // Asking for the hit again is safe at any time: player applies a cast id once
  // and answers a repeat with the first application. Errors (an unknown outcome
  // again) leave the cast pending for the re-driver; it is never refunded then.
  const drive = async (pending: PendingCast): Promise<CastRecord> => {
    const spell = findSpell(pending.spellId);
    if (spell === undefined) throw new Error(`pending cast ${pending.castId} names unknown spell ${pending.spellId}`);
    const hit = await deps.characters.applyDamage({ characterId: pending.targetId, amount: pending.damage, castId: pending.castId, sourceCharacterId: pending.casterCharacterId });
    if (hit.kind !== "applied") {
      // Someone else defeated (or the owner deleted) the target first: the hit never landed, so the cast costs nothing.
      if (await deps.casts.miss(pending.castId, hit.kind)) {
        await refund(pending.casterCharacterId, priceOf(spell), pending.casterMaxMana, pending, true);
      }
      throw missed(hit.kind, pending.targetId);
    }
    const { casterMaxMana: _, paymentId, ...paid } = pending;
    const cast: CastRecord = { ...paid, targetHealth: hit.healthAfter, targetDefeated: hit.defeated };
    const entry = await deps.casts.complete(cast, castEvents(cast, spell, now()));
    if (entry.state === "done" && paymentId !== "") {
      // Not waited for: the hit is recorded either way, and a settlement lost here is the sweep's to make.
      deps.resources.settle(pending.casterCharacterId, paymentId).catch((error: unknown) => deps.logger.error({ err: error, castId: cast.castId }, "settling a cast's payment failed; the payment sweep will"));
    }
    return outcomeOf(entry);
  };

  /** What a cast the log already has tells its caller. */
  const settle = (entry: CastEntry): Promise<CastRecord> => (entry.state === "pending" ? drive(entry.cast) : Promise.resolve(outcomeOf(entry)));

  return {
    resume: drive,

    async cast(playerId, request) {
      // A retry returns the first outcome, checked before anything is spent;
      // the unique key in the cast log settles retries that race each other.
      if (request.idempotencyKey !== "") {
        const earlier = await deps.casts.findByKey(request.casterCharacterId, request.idempotencyKey);
        if (earlier !== undefined) {
          if (earlier.cast.casterPlayerId !== playerId) throw notOwner();
          return settle(earlier);
        }
      }

      const [caster, target] = await Promise.all([deps.characters.find(request.casterCharacterId), deps.characters.find(request.targetId)]);
      if (caster === undefined || caster.kind !== CharacterKind.PLAYER || caster.playerId !== playerId) throw notOwner();
      if (caster.defeated) throw new DomainError(ErrorReason.CASTER_DEFEATED, "your character is defeated");
      const spell = findSpell(request.spellId);
      if (spell === undefined) throw new DomainError(ErrorReason.SPELL_NOT_FOUND, `no spell ${request.spellId}`);
      if (target === undefined) throw new DomainError(ErrorReason.TARGET_NOT_FOUND, `no target ${request.targetId}`);
      if (target.characterId === caster.characterId) throw new DomainError(ErrorReason.SELF_TARGET, `${spell.displayName} cannot target its caster`);
      if (target.defeated) throw new DomainError(ErrorReason.TARGET_DEFEATED, "the target is already defeated");
      checkReach(spell, caster, target);

      const castId = castIdFor(caster.characterId, request.idempotencyKey);
      const paid: PaymentRef = { castId, paymentId: randomUUID() };
      const price = priceOf(spell);
      const maxMana = statsOf(caster).maxMana;
      const payment = await deps.resources.pay(caster.characterId, price, maxMana, paid);
      if (payment.kind === "on_cooldown") {
        throw new DomainError(ErrorReason.ON_COOLDOWN, `${spell.displayName} is not ready yet`, { remaining_ms: String(payment.remainingMs) });
      }
      if (payment.kind === "insufficient_mana") {
        throw new DomainError(ErrorReason.INSUFFICIENT_MANA, `${spell.displayName} needs ${spell.manaCost} mana`, {
          required_mana: String(spell.manaCost),
          current_mana: String(Math.floor(payment.currentMana)),
        });
      }

      // Paid: recorded as pending before player hears of the hit, so whatever
      // happens to this call from here on, the cast ends exactly once — by this
      // call, a retry with its key, or the re-driver — and is refunded only when
      // player refused its hit. A payment whose cast is never recorded (a crash
      // before this write, the database away) stays unsettled in Redis, and the
      // payment sweep gives it back.
      const pending: PendingCast = {
        castId,
        casterCharacterId: caster.characterId,
        casterPlayerId: caster.playerId,
        targetId: target.characterId,
        targetPlayerId: target.playerId,
        spellId: spell.spellId,
        damage: damageOf(spell, statsOf(caster).power, statsOf(target)),
        casterMana: Math.floor(payment.manaAfter),
        casterMaxMana: maxMana,
        cooldownMs: payment.cooldownMs,
        idempotencyKey: request.idempotencyKey,
        paymentId: paid.paymentId,
      };
      let recorded;
      try {
        recorded = await deps.casts.recordPending(pending, deps.redriveAfterMs);
      } catch (error) {
        // Player has not been asked: refund, unless the write may have committed (then the re-driver owns
        // the cast). Unknown either way (the database away), the payment sweep decides later.
        if ((await deps.casts.find(castId).catch(() => "unknown" as const)) === undefined) {
          await refund(caster.characterId, price, maxMana, paid, true);
        }
        throw error;
      }
      if (!recorded.recorded) {
        // A concurrent retry of the same key recorded the cast first: this request paid for the same cast twice.
        await refund(caster.characterId, price, maxMana, paid, false);
        return settle(recorded.entry);
      }
      return drive(pending);
    },
  };
}

function priceOf(spell: Spell): Price {
  return { spellId: spell.spellId, manaCost: spell.manaCost, cooldownMs: cooldownMsOf(spell) };
}

function outcomeOf(entry: CastEntry): CastRecord {
  if (entry.state === "done") return entry.cast;
  if (entry.state === "missed") throw missed(entry.miss, entry.cast.targetId);
  throw new Error(`cast ${entry.cast.castId} is still pending`);
}

function missed(miss: Miss, targetId: string): DomainError {
  if (miss === "target_defeated") return new DomainError(ErrorReason.TARGET_DEFEATED, "the target is already defeated");
  return new DomainError(ErrorReason.TARGET_NOT_FOUND, `no target ${targetId}`);
}

function notOwner(): DomainError {
  return new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "you do not own this character");
}

/** Same zone, and within the spell's range (euclidean distance in world units). */
function checkReach(spell: Spell, caster: Character, target: Character): void {
  const from = caster.position;
  const to = target.position;
  if (from === undefined || to === undefined || from.zoneId !== to.zoneId) {
    throw new DomainError(ErrorReason.DIFFERENT_ZONE, "the target is in another zone");
  }
  const distance = Math.hypot(to.x - from.x, to.y - from.y, to.z - from.z);
  if (distance > spell.maxRange) {
    throw new DomainError(ErrorReason.OUT_OF_RANGE, `the target is ${distance.toFixed(1)} units away; ${spell.displayName} reaches ${spell.maxRange}`, {
      distance: distance.toFixed(2),
      max_range: String(spell.maxRange),
    });
  }
}
