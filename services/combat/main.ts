import { fileURLToPath } from "node:url";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import {
  createDomainErrorInterceptor,
  createIdentityTokenVerifier,
  openServiceResources,
  registration,
  runService,
  topicName,
  type ServiceResources,
} from "@chaos/mesh";
import { createPlayerDirectory } from "./clients/player-directory.js";
import { loadCombatConfig } from "./config.js";
import { createSpellCaster } from "./core/cast-spell.js";
import { createCombatOverview } from "./core/combat-overview.js";
import { combatErrors } from "./handlers/combat-errors.js";
import { createCombatHandlers } from "./handlers/combat-service.js";
import { createCastLog } from "./store/cast-log.js";
import { createManaAndCooldowns } from "./store/mana-and-cooldowns.js";

const config = loadCombatConfig();
let resources: ServiceResources | undefined;

await runService({
  name: "combat",
  tokenVerifier: (runtime) => createIdentityTokenVerifier(runtime),
  interceptors: [createDomainErrorInterceptor(combatErrors)],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, {
      migrationsDir: fileURLToPath(new URL("./migrations", import.meta.url)),
      publishes: [topicName("combat", "casts")],
    });
    const source = runtime.spiffeId;
    const characters = createPlayerDirectory(runtime.client(PlayerInternalService, "player"));
    const manaAndCooldowns = createManaAndCooldowns(resources.redis, { regenPerSecond: config.manaRegenPerSecond });
    const caster = createSpellCaster({ characters, resources: manaAndCooldowns, casts: createCastLog(resources.db, source), logger: runtime.logger });
    return [registration(CombatService, createCombatHandlers(caster, createCombatOverview(characters, manaAndCooldowns)))];
  },
  onShutdown: [async () => resources?.close()],
});
