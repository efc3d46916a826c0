import { GameServerService } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { MatchmakingInternalService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import { MatchmakingService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_service_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { createGameServers } from "./clients/game-servers.js";
import { loadMatchmakingConfig } from "./config.js";
import { createAllocation } from "./core/allocation.js";
import { createReadyCheck } from "./core/ready-check.js";
import { createResults } from "./core/results.js";
import { createRounds } from "./core/rounds.js";
import { createSeasonSchedule } from "./core/season-clock.js";
import { createStandings } from "./core/standings.js";
import { createTickets } from "./core/tickets.js";
import { matchmakingErrors } from "./handlers/matchmaking-errors.js";
import { createMatchmakingInternalHandlers } from "./handlers/matchmaking-internal-service.js";
import { createMatchmakingHandlers } from "./handlers/matchmaking-service.js";
import { createMatchmakingStore } from "./store/matchmaking-store.js";

/** PvP matchmaking: queues, rating-balanced rounds, ready checks, allocation on the game servers, OpenSkill ratings per season, backfill. */
export default defineService({
  name: "matchmaking",
  description: "PvP matchmaking: queues, rating-balanced matches with a ready check, OpenSkill ratings per season, backfill.",
  port: 7420,
  serves: [{ service: MatchmakingService, public: {} }, { service: MatchmakingInternalService }],
  calls: [{ service: GameServerService, methods: ["allocateMatch", "addPlayer"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations } },
  publishes: ["tickets", "matches"],
  consumes: [{ domain: "player", stream: "characters" }],
  errors: matchmakingErrors,
  settings: loadMatchmakingConfig,
  // A ticket stream lasts until its access token expires.
  limits: () => ({ maxDeadlineMs: 3_600_000 }),
  wire({ settings, db, source, client, logger, onStop }) {
    const store = createMatchmakingStore(db, source);
    const clock = () => new Date();
    const tickets = createTickets(store, settings, clock);
    const rounds = createRounds(
      store,
      { queues: settings.queues, schedule: createSeasonSchedule(settings.seasonCron), readyCheckMs: settings.readyCheckSeconds * 1000, ticketLimit: settings.roundTicketLimit },
      clock,
    );
    // Rounds run on a timer on every replica; the round lock lets one of them form matches at a time. A round
    // never overlaps the previous one of its replica: the next is timed from the end of the last.
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const next = () => {
      if (!stopped) timer = setTimeout(() => void round(), settings.roundMs);
    };
    const round = async () => {
      try {
        const report = await rounds.run();
        if (report.formed.length > 0 || report.expired > 0 || report.backfilled > 0) logger.debug({ formed: report.formed.length, expired: report.expired, backfilled: report.backfilled }, "matching round");
      } catch (error) {
        logger.warn({ err: error }, "matching round failed; the next one tries again");
      }
      next();
    };
    next();
    onStop(() => {
      stopped = true;
      clearTimeout(timer);
    });
    const publicFace = createMatchmakingHandlers({
      tickets,
      readyCheck: createReadyCheck(store, clock),
      standings: createStandings(store, settings.queues, clock),
      streamPollMs: settings.streamPollMs,
      queues: settings.queues,
      regions: settings.regions,
    });
    return {
      services: [
        registration(MatchmakingService, publicFace.handlers),
        registration(MatchmakingInternalService, createMatchmakingInternalHandlers(createResults(store, { queues: settings.queues, ticketLimit: settings.roundTicketLimit }, clock))),
      ],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => tickets.characterCreated(tx, { characterId: created.characterId, playerId: created.playerId })),
        onEvent(CharacterDeletedSchema, (tx, deleted) => tickets.characterDeleted(tx, deleted.characterId)),
      ]),
      onDrain: () => publicFace.endStreams(),
      jobs: { handlers: createAllocation(store, createGameServers(() => client(GameServerService)), clock), initialBackoffMs: 200 },
    };
  },
});
