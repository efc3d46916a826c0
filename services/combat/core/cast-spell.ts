import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/combat/v1/errors_pb.js";
import type { Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { Logger } from "pino";
import type { CastLog, CastRecord } from "../store/cast-log.js";
import type { ManaAndCooldowns, Price } from "../store/mana-and-cooldowns.js";
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
}

export interface SpellCasterDependencies {
  readonly characters: CharacterDirectory;
  readonly resources: ManaAndCooldowns;
  readonly casts: CastLog;
  readonly logger: Pick<Logger, "error">;
  readonly now?: () => Date;
}

export function createSpellCaster(deps: SpellCasterDependencies): SpellCaster {
  const now = deps.now ?? (() => new Date());

  /** A cast that did not complete costs nothing; a failed refund is logged, the cast's own error is what the caller needs. */
  const refund = async (caster: Character, price: Price, castId: string, clearCooldown: boolean) => {
    try {
      await deps.resources.refund(caster.characterId, price, statsOf(caster).maxMana, castId, clearCooldown);
    } catch (error) {
      deps.logger.error({ err: error, castId, casterCharacterId: caster.characterId }, "refund of a failed cast failed");
    }
  };

  return {
    async cast(playerId, request) {
      // A retry returns the first outcome, checked before anything is spent;
      // the unique key in the cast log settles retries that race each other.
      if (request.idempotencyKey !== "") {
        const earlier = await deps.casts.findByKey(request.casterCharacterId, request.idempotencyKey);
        if (earlier !== undefined) {
          if (earlier.casterPlayerId !== playerId) throw notOwner();
          return earlier;
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
      const price: Price = { spellId: spell.spellId, manaCost: spell.manaCost, cooldownMs: cooldownMsOf(spell) };
      const payment = await deps.resources.pay(caster.characterId, price, statsOf(caster).maxMana, castId);
      if (payment.kind === "on_cooldown") {
        throw new DomainError(ErrorReason.ON_COOLDOWN, `${spell.displayName} is not ready yet`, { remaining_ms: String(payment.remainingMs) });
      }
      if (payment.kind === "insufficient_mana") {
        throw new DomainError(ErrorReason.INSUFFICIENT_MANA, `${spell.displayName} needs ${spell.manaCost} mana`, {
          required_mana: String(spell.manaCost),
          current_mana: String(Math.floor(payment.currentMana)),
        });
      }

      const damage = damageOf(spell, statsOf(caster).power, statsOf(target));
      let hit;
      try {
        hit = await deps.characters.applyDamage({ characterId: target.characterId, amount: damage, castId, sourceCharacterId: caster.characterId });
      } catch (error) {
        // Unknown whether the hit landed (say the answer timed out). Refunding
        // makes a retry with the same idempotency key (same cast id, applied
        // once by player) cost the mana once; without a retry it is a free hit.
        await refund(caster, price, castId, true);
        throw error;
      }
      if (hit.kind !== "applied") {
        // Someone else defeated (or the owner deleted) the target between our look and the hit.
        await refund(caster, price, castId, true);
        if (hit.kind === "target_defeated") throw new DomainError(ErrorReason.TARGET_DEFEATED, "the target is already defeated");
        throw new DomainError(ErrorReason.TARGET_NOT_FOUND, `no target ${request.targetId}`);
      }

      // KNOWN GAP: the hit is already applied in player (with its own
      // CharacterHealthChanged event) when the transaction below runs. If
      // combat crashes in between, or the transaction fails, this cast's
      // SpellCast/DamageDealt/CharacterDefeated events are never written, so
      // progression awards no XP for it. A retry with the same idempotency key
      // closes it for that cast (same cast id, player answers `duplicate`, the
      // record and events are written then). What would close it in general:
      // record the cast as pending (with its cast id) in combat's database
      // before calling ApplyDamage, and have a recovery loop re-drive pending
      // casts — ApplyDamage is idempotent by cast id — and write their events;
      // or let player publish the hit's outcome and derive combat's events
      // from it.
      const cast: CastRecord = {
        castId,
        casterCharacterId: caster.characterId,
        casterPlayerId: caster.playerId,
        targetId: target.characterId,
        targetPlayerId: target.playerId,
        spellId: spell.spellId,
        damage,
        targetHealth: hit.healthAfter,
        targetDefeated: hit.defeated,
        casterMana: Math.floor(payment.manaAfter),
        cooldownMs: payment.cooldownMs,
        idempotencyKey: request.idempotencyKey,
      };
      let stored;
      try {
        stored = await deps.casts.record(cast, castEvents(cast, spell, now()));
      } catch (error) {
        await refund(caster, price, castId, true);
        throw error;
      }
      // A concurrent retry of the same key got there first: this request paid for the same cast twice.
      if (!stored.recorded) await refund(caster, price, castId, false);
      return stored.cast;
    },
  };
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
