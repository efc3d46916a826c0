import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { defineService, registration } from "@chaos/mesh/server";
import { loadPlayerConfig } from "./config.js";
import { createRoster } from "./core/roster.js";
import { createVitals } from "./core/vitals.js";
import { playerErrors } from "./handlers/player-errors.js";
import { createPlayerInternalHandlers } from "./handlers/player-internal-service.js";
import { createPlayerHandlers } from "./handlers/player-service.js";
import { createCharacterStore } from "./store/character-store.js";

/** Characters: profiles, class stats, positions in zones, health, defeat and respawn. */
export default defineService({
  name: "player",
  description: "Characters: profiles, class stats, positions in zones, health, defeat and respawn.",
  port: 7130,
  serves: [{ service: PlayerService, public: {} }, { service: PlayerInternalService, operatorMethods: ["getCharacterState"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) } },
  publishes: ["characters"],
  errors: playerErrors,
  settings: loadPlayerConfig,
  wire({ settings, db, source }) {
    const store = createCharacterStore(db, source);
    const delays = { playerSeconds: settings.respawnSeconds, targetSeconds: settings.targetRespawnSeconds };
    const roster = createRoster(store, delays);
    const vitals = createVitals(store, delays);
    return {
      services: [registration(PlayerService, createPlayerHandlers(roster)), registration(PlayerInternalService, createPlayerInternalHandlers(roster, vitals))],
    };
  },
});
