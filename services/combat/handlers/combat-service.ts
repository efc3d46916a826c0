import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import type { SpellCaster } from "../core/cast-spell.js";
import type { CombatOverview } from "../core/combat-overview.js";

/** The public API: an authenticated player acts with, and looks at, their own characters (token subject = player id). */
export function createCombatHandlers(caster: SpellCaster, overview: CombatOverview): ServiceImpl<typeof CombatService> {
  return {
    async castSpell(request, context) {
      const { subject } = requirePrincipal(context);
      const cast = await caster.cast(subject, request);
      return {
        castId: cast.castId,
        damage: cast.damage,
        targetHealth: cast.targetHealth,
        targetDefeated: cast.targetDefeated,
        casterMana: cast.casterMana,
        cooldownRemaining: durationFromMs(cast.cooldownMs),
      };
    },
    async listSpells(request, context) {
      const { subject } = requirePrincipal(context);
      return { spells: [...(await overview.listSpells(subject, request.characterId))] };
    },
    async getCombatState(request, context) {
      const { subject } = requirePrincipal(context);
      const status = await overview.status(subject, request.characterId);
      return {
        mana: status.mana,
        maxMana: status.maxMana,
        health: status.health,
        maxHealth: status.maxHealth,
        cooldowns: status.cooldowns.map((c) => ({ spellId: c.spellId, remaining: durationFromMs(c.remainingMs) })),
      };
    },
  };
}
