import { fileURLToPath } from "node:url";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import {
  createDomainErrorInterceptor,
  createIdentityTokenVerifier,
  openServiceResources,
  registration,
  runService,
  topicName,
  type ServiceResources,
} from "@chaos/mesh";
import { loadPlayerConfig } from "./config.js";
import { createRoster } from "./core/roster.js";
import { createVitals } from "./core/vitals.js";
import { createPlayerInternalHandlers } from "./handlers/player-internal-service.js";
import { createPlayerHandlers } from "./handlers/player-service.js";
import { playerErrors } from "./handlers/player-errors.js";
import { createCharacterStore } from "./store/character-store.js";

const config = loadPlayerConfig();
let resources: ServiceResources | undefined;

await runService({
  name: "player",
  tokenVerifier: (runtime) => createIdentityTokenVerifier(runtime),
  interceptors: [createDomainErrorInterceptor(playerErrors)],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, {
      migrationsDir: fileURLToPath(new URL("./migrations", import.meta.url)),
      publishes: [topicName("player", "characters")],
    });
    const source = runtime.spiffeId;
    const store = createCharacterStore(resources.db, source);
    const delays = { playerSeconds: config.respawnSeconds, targetSeconds: config.targetRespawnSeconds };
    const roster = createRoster(store, delays);
    const vitals = createVitals(store, delays);
    return [registration(PlayerService, createPlayerHandlers(roster)), registration(PlayerInternalService, createPlayerInternalHandlers(roster, vitals))];
  },
  onShutdown: [async () => resources?.close()],
});
