import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, eventTableMigrations, jobQueueMigrations, migrate, readMigrations, type Database } from "@chaos/mesh";
import { createTestDatabase } from "../../../scripts/test/test-database.js";
import { defaultQueues } from "../config.js";
import type { QueueConfig } from "../core/queue-config.js";
import { createReadyCheck } from "../core/ready-check.js";
import { createResults } from "../core/results.js";
import { createRounds } from "../core/rounds.js";
import { createSeasonSchedule } from "../core/season-clock.js";
import { createStandings } from "../core/standings.js";
import { createTickets } from "../core/tickets.js";
import { startingRating } from "../core/skill-rating.js";
import { createMatchmakingStore } from "../store/matchmaking-store.js";

/** Options of a store world; every field has a documented default. */
export interface StoreWorldOptions {
  /** Default the service's default queues. */
  readonly queues?: readonly QueueConfig[];
  /** Default monthly, as the service's default. */
  readonly seasonCron?: string;
  /** Default 20 s. */
  readonly readyCheckMs?: number;
  /** Where the clock starts. Default 2026-11-15T12:00:00Z. */
  readonly start?: Date;
}

/**
 * Matchmaking's core flows over its real store in a fresh PostgreSQL database
 * of its own, with a clock the test moves by hand: windows widen, ready
 * checks run out and seasons turn without a test sleeping.
 */
export function storeWorld(options: StoreWorldOptions = {}) {
  const queues = options.queues ?? defaultQueues;
  let now = options.start ?? new Date("2026-11-15T12:00:00Z");
  const clock = () => now;
  let created: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let db: Database | undefined;
  const built = () => {
    if (db === undefined) throw new Error("the store world exists only inside tests");
    const store = createMatchmakingStore(db, "spiffe://chaos.world/ns/chaos/sa/matchmaking");
    return {
      db,
      store,
      tickets: createTickets(store, { queues, regions: ["eu", "na", "asia"] }, clock),
      readyCheck: createReadyCheck(store, clock),
      results: createResults(store, { queues, ticketLimit: 20_000 }, clock),
      standings: createStandings(store, queues, clock),
      rounds: createRounds(store, { queues, schedule: createSeasonSchedule(options.seasonCron ?? "0 0 1 * *"), readyCheckMs: options.readyCheckMs ?? 20_000, ticketLimit: 20_000 }, clock),
    };
  };
  let flows: ReturnType<typeof built> | undefined;
  beforeAll(async () => {
    created = await createTestDatabase(inject("infra").postgresAdminUrl);
    db = createDatabase(created.url);
    await migrate(db.pool, [...eventTableMigrations, ...jobQueueMigrations, ...readMigrations(fileURLToPath(new URL("../migrations", import.meta.url)))]);
    flows = built();
  });
  afterAll(async () => {
    await db?.close();
    await created?.drop();
  });
  const get = () => {
    if (flows === undefined) throw new Error("the store world exists only inside tests");
    return flows;
  };

  /** A player's characters as player's events would announce them, each with a rating in `queueId`'s current season when given. */
  async function characters(count: number, rated?: { queueId: string; seasonNumber: number; mu: (i: number) => number }): Promise<{ playerId: string; characterIds: string[] }> {
    const playerId = randomUUID();
    const characterIds = Array.from({ length: count }, () => randomUUID());
    const { store } = get();
    await store.transaction(async (tx) => {
      for (const characterId of characterIds) await tx.recordCharacter({ characterId, playerId });
      if (rated !== undefined)
        await tx.saveRatings(characterIds.map((characterId, i) => ({ characterId, queueId: rated.queueId, seasonNumber: rated.seasonNumber, rating: { mu: rated.mu(i), sigma: startingRating().sigma }, wins: 0, losses: 0, draws: 0 })));
    });
    return { playerId, characterIds };
  }

  return {
    get flows() {
      return get();
    },
    characters,
    now: () => now,
    /** Moves the clock on. */
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    set(at: Date) {
      now = at;
    },
  };
}
