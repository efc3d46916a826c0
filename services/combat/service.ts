import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { defineService, registration } from "@chaos/mesh/server";
import { createPlayerDirectory } from "./clients/player-directory.js";
import { loadCombatConfig } from "./config.js";
import { createCastRedriver } from "./core/cast-redriver.js";
import { createSpellCaster } from "./core/cast-spell.js";
import { createCombatOverview } from "./core/combat-overview.js";
import { combatErrors } from "./handlers/combat-errors.js";
import { createCombatHandlers } from "./handlers/combat-service.js";
import { createCastLog } from "./store/cast-log.js";
import { createManaAndCooldowns } from "./store/mana-and-cooldowns.js";

/** The Player Action Flow: spells, mana and cooldowns (Redis), damage through player, cast events. */
export default defineService({
  name: "combat",
  description: "The Player Action Flow: spells, mana and cooldowns, damage, combat events.",
  port: 7140,
  serves: [{ service: CombatService, public: {} }],
  calls: [{ service: PlayerInternalService, methods: ["getCharacterState", "applyDamage"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) }, redis: true },
  publishes: ["casts"],
  errors: combatErrors,
  settings: loadCombatConfig,
  wire({ settings, db, redis, client, source, logger, onStop }) {
    const characters = createPlayerDirectory(client(PlayerInternalService));
    const manaAndCooldowns = createManaAndCooldowns(redis, { regenPerSecond: settings.manaRegenPerSecond });
    const casts = createCastLog(db, source);
    const caster = createSpellCaster({ characters, resources: manaAndCooldowns, casts, logger, redriveAfterMs: settings.pendingCastRedriveMs });
    const redriver = createCastRedriver(casts, manaAndCooldowns, caster, logger, {
      intervalMs: Math.min(5_000, settings.pendingCastRedriveMs / 2),
      retryAfterMs: settings.pendingCastRedriveMs,
      batchSize: 50,
    });
    onStop(() => redriver.stop());
    return { services: [registration(CombatService, createCombatHandlers(caster, createCombatOverview(characters, manaAndCooldowns)))] };
  },
});
