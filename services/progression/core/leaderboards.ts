import { ErrorReason } from "@chaos/gen/chaos/progression/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { BoardStore } from "../store/board-store.js";
import type { ProgressStore } from "../store/progress-store.js";
import type { History } from "./progress-records.js";

/** One rank of a board, as clients see it. */
export interface RankedCharacter {
  /** 1-based. */
  readonly rank: number;
  readonly characterId: string;
  /** '' when player's CharacterCreated has not arrived yet. */
  readonly characterName: string;
  readonly score: number;
}

/** What a rebuild did. */
export interface RebuildReport {
  readonly entries: number;
  readonly eventsReplayed: number;
}

/**
 * The leaderboards, a CQRS read model in Redis: the database (progress and
 * its logs) is the truth, the sorted sets are derived from it and can be
 * rebuilt from the logs at any time.
 */
export interface Leaderboards {
  /** Writes a character's scores, read now from the database, to every board. */
  refresh(characterId: string): Promise<void>;
  page(board: History, offset: number, limit: number): Promise<{ entries: RankedCharacter[]; total: number }>;
  /** NOT_RANKED when the character is not on the board. */
  rank(board: History, characterId: string): Promise<RankedCharacter>;
  /** REBUILD_IN_PROGRESS while another rebuild of the board runs. */
  rebuild(board: History): Promise<RebuildReport>;
}

/** Settings of rebuilds; every field has a documented default. */
export interface LeaderboardOptions {
  /** How long a rebuild may hold its lock before another may start (a crashed rebuild frees it then). Default 60 s. */
  readonly rebuildLockMs?: number;
  /** History rows read per query during a rebuild. Default 1000. */
  readonly replayBatch?: number;
  /**
   * Changes this much older than a rebuild's start are caught up after the
   * swap too: a transaction that began before the rebuild may commit after
   * the rebuild read past its rows. Default 60 s (twice the statement timeout).
   */
  readonly catchUpMarginMs?: number;
}

export function createLeaderboards(progress: ProgressStore, boards: BoardStore, options: LeaderboardOptions = {}): Leaderboards {
  const rebuildLockMs = options.rebuildLockMs ?? 60_000;
  const replayBatch = options.replayBatch ?? 1_000;
  const catchUpMarginMs = options.catchUpMarginMs ?? 60_000;

  const refreshMany = async (characterIds: readonly string[]) => {
    const scores = await progress.boardScores(characterIds);
    for (const id of characterIds) await boards.setScores(id, scores.get(id));
  };

  return {
    refresh: (characterId) => refreshMany([characterId]),

    async page(board, offset, limit) {
      const [ranked, total] = await Promise.all([boards.range(board, offset, limit), boards.count(board)]);
      const names = await progress.names(ranked.map((r) => r.characterId));
      return {
        entries: ranked.map((r, i) => ({ rank: offset + i + 1, characterId: r.characterId, characterName: names.get(r.characterId) ?? "", score: r.score })),
        total,
      };
    },

    async rank(board, characterId) {
      const found = await boards.rank(board, characterId);
      if (found === undefined) throw new DomainError(ErrorReason.NOT_RANKED, "the character is not on this leaderboard", { character_id: characterId });
      const names = await progress.names([characterId]);
      return { rank: found.rank + 1, characterId, characterName: names.get(characterId) ?? "", score: found.score };
    },

    async rebuild(board) {
      const token = await boards.lockRebuild(board, rebuildLockMs);
      if (token === undefined) throw new DomainError(ErrorReason.REBUILD_IN_PROGRESS, "this leaderboard is being rebuilt; try again when it is done");
      try {
        const startedAt = await progress.now();
        const scores = new Map<string, number>();
        let eventsReplayed = 0;
        for (let after = 0n; ; ) {
          const rows = await progress.historyPage(board, after, replayBatch);
          for (const row of rows) scores.set(row.characterId, (scores.get(row.characterId) ?? 0) + row.amount);
          eventsReplayed += rows.length;
          if (rows.length < replayBatch) break;
          after = rows.at(-1)!.seq;
        }
        await boards.replace(board, scores);
        // Live updates that landed on the old key during the replay are written again on the new one.
        await refreshMany(await progress.changedSince(new Date(startedAt.getTime() - catchUpMarginMs)));
        return { entries: await boards.count(board), eventsReplayed };
      } finally {
        await boards.unlockRebuild(board, token);
      }
    },
  };
}
