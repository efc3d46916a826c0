import type { QueueStatistics, RatingRecord } from "./matchmaking-records.js";
import type { LeaderboardCursor, MatchmakingStore } from "./matchmaking-store.js";
import type { QueueConfig } from "./queue-config.js";
import { queueOf, refuse } from "./refusals.js";
import type { Season } from "./season-clock.js";
import { startingRating } from "./skill-rating.js";

/** How many seasons ListSeasons returns at most. */
export const seasonListLimit = 100;

export interface Standings {
  /** 0 names the current season; ratings of queues without seasons live in season 0 whatever is asked. */
  rating(characterId: string, queueId: string, seasonNumber: number): Promise<RatingRecord>;
  leaderboard(queueId: string, seasonNumber: number, after: LeaderboardCursor | undefined, limit: number): Promise<{ seasonNumber: number; ratings: RatingRecord[] }>;
  seasons(): Promise<Season[]>;
  statistics(queueId: string): Promise<QueueStatistics>;
}

export function createStandings(store: MatchmakingStore, queues: readonly QueueConfig[], clock: () => Date): Standings {
  const seasonOf = async (queue: QueueConfig, asked: number) => {
    if (!queue.ranked) return 0;
    if (asked === 0) return (await store.seasons(1))[0]?.number ?? 1;
    if ((await store.season(asked)) === undefined) throw refuse.seasonNotFound();
    return asked;
  };
  return {
    async rating(characterId, queueId, asked) {
      const queue = queueOf(queues, queueId);
      const seasonNumber = await seasonOf(queue, asked);
      const [kept] = await store.ratings(queueId, seasonNumber, [characterId]);
      return kept ?? { characterId, queueId, seasonNumber, rating: startingRating(), wins: 0, losses: 0, draws: 0 };
    },
    async leaderboard(queueId, asked, after, limit) {
      const seasonNumber = await seasonOf(queueOf(queues, queueId), asked);
      return { seasonNumber, ratings: await store.leaderboard(queueId, seasonNumber, after, limit) };
    },
    seasons: () => store.seasons(seasonListLimit),
    statistics: (queueId) => store.statistics(queueOf(queues, queueId).id, clock()),
  };
}
