import { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { createInventoryLedger } from "./clients/inventory-ledger.js";
import { loadGuildConfig } from "./config.js";
import { createBank } from "./core/bank.js";
import { createCharacterFeed } from "./core/character-feed.js";
import { createDisbanding } from "./core/disbanding.js";
import { createFounding } from "./core/founding.js";
import { createGuildDirectory } from "./core/guild-directory.js";
import { createGuildJobHandlers } from "./core/guild-job-handlers.js";
import { createInvites } from "./core/invites.js";
import { createJoinRequests } from "./core/join-requests.js";
import { createMembership } from "./core/membership.js";
import { createRoles } from "./core/roles.js";
import { guildErrors } from "./handlers/guild-errors.js";
import { createGuildHandlers } from "./handlers/guild-service.js";
import { createGuildStore } from "./store/guild-store.js";

/** Guilds with their own roles, invitations, join requests and a bank kept in inventory's ledger. */
export default defineService({
  name: "guild",
  description: "Guilds: founding for a fee, custom roles, invitations and join requests, a bank in inventory's ledger.",
  port: 7180,
  serves: [{ service: GuildService, public: {} }],
  calls: [{ service: InventoryInternalService, methods: ["spendGold", "moveGold", "getAccountBalance", "listAccountEntries"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations } },
  publishes: ["guilds"],
  consumes: [{ domain: "player", stream: "characters" }],
  errors: guildErrors,
  settings: loadGuildConfig,
  wire({ settings, db, source, client }) {
    const store = createGuildStore(db, source);
    const ledger = createInventoryLedger(() => client(InventoryInternalService), settings.inventoryTimeoutMs);
    const settleAfterMs = settings.settleAfterSeconds * 1000;
    const founding = createFounding(store, ledger, { creationFee: settings.creationFee, officerDailyWithdrawalLimit: settings.officerDailyWithdrawalLimit, settleAfterMs });
    const bank = createBank(store, ledger, { settleAfterMs });
    const disbanding = createDisbanding(store, ledger, { settleAfterMs });
    const invites = createInvites(store, settings);
    const feed = createCharacterFeed({ settleAfterMs });
    const flows = {
      founding,
      directory: createGuildDirectory(store, ledger),
      invites,
      joinRequests: createJoinRequests(store, settings),
      membership: createMembership(store),
      roles: createRoles(store, settings),
      bank,
      disbanding,
    };
    return {
      services: [registration(GuildService, createGuildHandlers(flows))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => feed.created(tx, created.characterId, created.playerId, created.name)),
        onEvent(CharacterDeletedSchema, (tx, deleted) => feed.deleted(tx, deleted.characterId)),
      ]),
      // A gold movement must end one way or the other however long inventory is down: its settlement never gives up
      // (retried at most every 60 s, visible in chaos_jobs_total{outcome="retried"}).
      jobs: { handlers: createGuildJobHandlers({ founding, bank, disbanding, invites }), maxAttempts: Infinity, initialBackoffMs: settings.settleRetryMs },
    };
  },
});
