import { ErrorReason } from "@chaos/gen/chaos/player/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { CharacterStore } from "../store/character-store.js";
import type { CharacterRecord } from "./character.js";
import { healthChanged, levelChanged } from "./character-events.js";
import { statsAt } from "./class-stats.js";
import { lockAsOf, type RespawnDelays } from "./respawn.js";

/** One hit to apply. */
export interface Hit {
  readonly characterId: string;
  readonly amount: number;
  /** The idempotency key: a cast is applied once. */
  readonly castId: string;
  readonly sourceCharacterId: string;
}

/** What a hit did. */
export interface HitOutcome {
  readonly healthAfter: number;
  /** This hit brought health to zero. */
  readonly defeated: boolean;
  /** The cast had been applied before; nothing changed now. */
  readonly duplicate: boolean;
}

/** Health and level, changed by other services (combat, progression). */
export interface Vitals {
  applyDamage(hit: Hit): Promise<HitOutcome>;
  restore(characterId: string): Promise<CharacterRecord>;
  setLevel(characterId: string, level: number): Promise<CharacterRecord>;
}

export function createVitals(store: CharacterStore, delays: RespawnDelays, now: () => Date = () => new Date()): Vitals {
  const notFound = (characterId: string) => new DomainError(ErrorReason.CHARACTER_NOT_FOUND, `no character ${characterId}`);

  return {
    // The row lock (lockAsOf) serializes hits on one character: concurrent
    // casts compose instead of overwriting each other, and a repeated cast id
    // finds the first answer once the first transaction has committed. Both
    // answers stick: a refused hit is kept too, so an attempt of the same
    // cast that comes later (combat's re-drive, a retry, one delayed on the
    // network) is refused again even after the target respawned — combat has
    // recorded that cast as missed and refunded it.
    applyDamage: async (hit) => {
      const outcome = await store.transaction(async (tx): Promise<HitOutcome | "refused"> => {
        const at = now();
        const character = await lockAsOf(tx, hit.characterId, at, delays);
        if (character === undefined) throw notFound(hit.characterId);
        const earlier = await tx.findHit(hit.castId);
        if (earlier?.kind === "applied") return { healthAfter: earlier.application.healthAfter, defeated: earlier.application.defeated, duplicate: true };
        if (earlier?.kind === "refused") return "refused";
        if (character.health === 0) {
          await tx.recordRefusal(hit.castId, hit.characterId);
          return "refused";
        }
        const healthAfter = Math.max(0, character.health - hit.amount);
        const defeated = healthAfter === 0;
        const hurt = { ...character, health: healthAfter, defeatedAt: defeated ? at : undefined };
        await tx.save(hurt);
        await tx.recordDamage({ ...hit, healthBefore: character.health, healthAfter, defeated });
        if (healthAfter !== character.health) await tx.publish([healthChanged(hurt, character.health, hit.castId, at)]);
        return { healthAfter, defeated, duplicate: false };
      });
      if (outcome === "refused") throw new DomainError(ErrorReason.CHARACTER_DEFEATED, "the character is already defeated");
      return outcome;
    },

    restore: (characterId) =>
      store.transaction(async (tx) => {
        const at = now();
        const character = await lockAsOf(tx, characterId, at, delays);
        if (character === undefined) throw notFound(characterId);
        const maxHealth = statsAt(character).maxHealth;
        if (character.health === maxHealth) return character;
        const restored = { ...character, health: maxHealth, defeatedAt: undefined };
        await tx.save(restored);
        await tx.publish([healthChanged(restored, character.health, "", at)]);
        return restored;
      }),

    setLevel: (characterId, level) =>
      store.transaction(async (tx) => {
        const at = now();
        const character = await lockAsOf(tx, characterId, at, delays);
        if (character === undefined) throw notFound(characterId);
        if (character.level === level) return character;
        const before = statsAt(character).maxHealth;
        const after = statsAt({ ...character, level }).maxHealth;
        // A living character keeps the damage it has taken; a defeated one stays down until it respawns.
        const health = character.health === 0 ? 0 : Math.min(after, Math.max(1, character.health + after - before));
        const leveled = { ...character, level, health };
        await tx.save(leveled);
        const events = [levelChanged(leveled, at)];
        if (health !== character.health) events.push(healthChanged(leveled, character.health, "", at));
        await tx.publish(events);
        return leveled;
      }),
  };
}
