import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { BoardScores, History } from "../core/progress-records.js";

/** One member of a board with its score. */
export interface RankedScore {
  readonly characterId: string;
  readonly score: number;
}

/** The leaderboards: Redis sorted sets, highest score first. */
export interface BoardStore {
  /**
   * Writes a character's absolute scores to every board (ZADD, so writing
   * the same scores twice changes nothing); a zero score, or none for a
   * character off the boards, removes it.
   */
  setScores(characterId: string, scores: BoardScores | undefined): Promise<void>;
  /** Members ranked `offset` to `offset + limit - 1` (0-based), best first. */
  range(board: History, offset: number, limit: number): Promise<RankedScore[]>;
  count(board: History): Promise<number>;
  /** 0-based rank and score, or undefined when not on the board. */
  rank(board: History, characterId: string): Promise<{ rank: number; score: number } | undefined>;
  /** Takes the board's rebuild lock for `ttlMs`; returns its token, or undefined when a rebuild holds it. */
  lockRebuild(board: History, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock if `token` still holds it. */
  unlockRebuild(board: History, token: string): Promise<void>;
  /**
   * Replaces the board with `scores` at once: they are written to a
   * temporary key that is then RENAMEd over the board, so readers see the
   * old board or the new one, never a half-built one.
   */
  replace(board: History, scores: ReadonlyMap<string, number>): Promise<void>;
}

/** Redis key of each board (the connection prefixes service and world). */
const boardKeys: Record<History, string> = {
  experience: "board:level",
  defeats: "board:defeats",
  achievement_points: "board:achievement_points",
};

const lockKey = (board: History) => `${boardKeys[board]}:rebuild-lock`;

/** Members written per ZADD while a board is rebuilt. */
const writeBatch = 1_000;

interface UnlockCommand {
  unlockIfHolder(key: string, token: string): Promise<number>;
}

export function createBoardStore(redis: Redis): BoardStore {
  redis.defineCommand("unlockIfHolder", {
    numberOfKeys: 1,
    lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
  });
  const commands = redis as unknown as Redis & UnlockCommand;

  return {
    async setScores(characterId, scores) {
      const multi = redis.multi();
      const write = (board: History, score: number) => {
        if (score > 0) multi.zadd(boardKeys[board], score, characterId);
        else multi.zrem(boardKeys[board], characterId);
      };
      write("experience", scores?.experience ?? 0);
      write("defeats", scores?.defeats ?? 0);
      write("achievement_points", scores?.achievementPoints ?? 0);
      await multi.exec();
    },
    async range(board, offset, limit) {
      const flat = await redis.zrevrange(boardKeys[board], offset, offset + limit - 1, "WITHSCORES");
      const ranked: RankedScore[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) ranked.push({ characterId: flat[i]!, score: Number(flat[i + 1]) });
      return ranked;
    },
    count: (board) => redis.zcard(boardKeys[board]),
    async rank(board, characterId) {
      const [rank, score] = await Promise.all([redis.zrevrank(boardKeys[board], characterId), redis.zscore(boardKeys[board], characterId)]);
      return rank === null || score === null ? undefined : { rank, score: Number(score) };
    },
    async lockRebuild(board, ttlMs) {
      const token = randomUUID();
      return (await redis.set(lockKey(board), token, "PX", ttlMs, "NX")) === "OK" ? token : undefined;
    },
    async unlockRebuild(board, token) {
      await commands.unlockIfHolder(lockKey(board), token);
    },
    async replace(board, scores) {
      const temporary = `${boardKeys[board]}:rebuild:${randomUUID()}`;
      const members = [...scores].filter(([, score]) => score > 0);
      try {
        for (let i = 0; i < members.length; i += writeBatch) {
          const args = members.slice(i, i + writeBatch).flatMap(([characterId, score]) => [score, characterId]);
          await redis.zadd(temporary, ...args);
        }
        // RENAME of a key that was never written fails: an empty history is an empty board.
        if (members.length === 0) await redis.del(boardKeys[board]);
        else await redis.rename(temporary, boardKeys[board]);
      } finally {
        await redis.del(temporary);
      }
    },
  };
}
