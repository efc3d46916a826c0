import type { DescMessage } from "@bufbuild/protobuf";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { LiveopsService } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { GuildCreatedSchema, GuildDisbandedSchema, MemberJoinedSchema, MemberKickedSchema, MemberLeftSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration } from "@chaos/mesh/server";
import { createInventoryRewards } from "./clients/inventory-rewards.js";
import { loadLiveopsConfig } from "./config.js";
import { goalSources } from "./core/goal-sources.js";
import type { LiveopsTransaction } from "./core/liveops-store.js";
import { createLiveEvents } from "./core/live-events.js";
import { createParticipations } from "./core/participation.js";
import { recordProgress } from "./core/progress.js";
import { startScheduleJob } from "./core/schedule-job.js";
import { liveopsErrors } from "./handlers/liveops-errors.js";
import { createLiveopsHandlers } from "./handlers/liveops-service.js";
import { createLiveopsStore } from "./store/liveops-store.js";

/** The topics the goal table counts from, each once. */
const goalTopics = [...new Map(goalSources.map((s) => [`${s.topic.domain}.${s.topic.stream}`, s.topic])).values()];

/** Live events: scheduled and recurring occurrences, goals counted from other services' events exactly once, rewards through inventory. */
export default defineService({
  name: "liveops",
  description: "Live events: scheduled and recurring occurrences with goals counted from domain events, reward tiers granted through inventory, leaderboards.",
  port: 7440,
  serves: [{ service: LiveopsService, public: {} }],
  calls: [{ service: InventoryInternalService, methods: ["grantGold", "grantItems"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) } },
  publishes: ["events"],
  // Player's characters (owners, names) and guild's members (who a guild's capture credits), besides the goals' topics.
  consumes: [{ domain: "player", stream: "characters" }, { domain: "guild", stream: "guilds" }, ...goalTopics],
  errors: liveopsErrors,
  settings: loadLiveopsConfig,
  wire({ settings, db, source, client, logger, onStop }) {
    const store = createLiveopsStore(db, source);
    const events = createLiveEvents(store, { maxScheduleMs: settings.maxScheduleDays * 86_400_000, overlapChecks: settings.overlapChecks });
    const participations = createParticipations(store, createInventoryRewards(() => client(InventoryInternalService)));
    const schedule = startScheduleJob(store, settings.scheduleTickMs, logger);
    onStop(() => schedule.stop());
    return {
      services: [registration(LiveopsService, createLiveopsHandlers(events, participations))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => tx.recordCharacter({ characterId: created.characterId, playerId: created.playerId, name: created.name })),
        onEvent(CharacterDeletedSchema, (tx, deleted) => tx.markCharacterDeleted(deleted.characterId)),
        onEvent(GuildCreatedSchema, (tx, created) => tx.addGuildMember(created.guild!.guildId, created.leader!.characterId)),
        onEvent(MemberJoinedSchema, (tx, joined) => tx.addGuildMember(joined.member!.guildId, joined.member!.characterId)),
        onEvent(MemberLeftSchema, (tx, left) => tx.removeGuildMember(left.guildId, left.characterId)),
        onEvent(MemberKickedSchema, (tx, kicked) => tx.removeGuildMember(kicked.guildId, kicked.characterId)),
        onEvent(GuildDisbandedSchema, (tx, disbanded) => tx.removeGuild(disbanded.guild!.guildId)),
        ...goalSources.map((goal) => onEvent<LiveopsTransaction, DescMessage>(goal.schema, (tx, message, event) => recordProgress(tx, goal, goal.credits(message), event))),
      ]),
    };
  },
});
