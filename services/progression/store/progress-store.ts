import type pg from "pg";
import { appendToOutbox, type OutgoingEvent, enqueueJobs, type JobRequest } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { BoardScores, FollowUp, FollowUpPayloads, History, HistoryRow, ProgressRecord, UnlockRecord } from "../core/progress-records.js";

/** Reads outside any transaction, and the ways into one. */
export interface ProgressStore {
  get(characterId: string): Promise<ProgressRecord | undefined>;
  unlocks(characterId: string): Promise<UnlockRecord[]>;
  /** Names of the given characters that the read model knows. */
  names(characterIds: readonly string[]): Promise<Map<string, string>>;
  /** Leaderboard scores of live (not deleted) characters among the given ones; the others are off the boards. */
  boardScores(characterIds: readonly string[]): Promise<Map<string, BoardScores>>;
  /** Characters whose progress changed at or after `since`. */
  changedSince(since: Date): Promise<string[]>;
  /** One page of a history in order, after `afterSeq`; deleted characters' rows are left out. */
  historyPage(history: History, afterSeq: bigint, limit: number): Promise<HistoryRow[]>;
  /** The database's clock: rebuilds compare it with updated_at. */
  now(): Promise<Date>;
  transaction<T>(work: (tx: ProgressTransaction) => Promise<T>): Promise<T>;
  /** The same operations inside a transaction opened elsewhere (an event consumer's inbox transaction). */
  within(client: pg.PoolClient): ProgressTransaction;
}

/** Changes that commit together with the events and follow-ups describing them. */
export interface ProgressTransaction {
  recordCharacter(characterId: string, playerId: string, name: string): Promise<void>;
  /** False when the character was unknown or already deleted. */
  markCharacterDeleted(characterId: string): Promise<boolean>;
  /** The character's progress, locked until commit; a level-1 row is created on first use. */
  lockProgress(characterId: string): Promise<ProgressRecord>;
  /** Fills in the owner of a progress row that has none yet. */
  learnPlayer(characterId: string, playerId: string): Promise<void>;
  /** Appends to the experience log; false when this source event already gave this character experience. */
  logExperience(characterId: string, sourceEventId: string, amount: number, source: "damage" | "defeat" | "grant"): Promise<boolean>;
  /** Appends to the defeat log; false when this source event was already counted. */
  logDefeat(characterId: string, sourceEventId: string, defeatedId: string, defeatedPlayerId: string): Promise<boolean>;
  unlockedIds(characterId: string): Promise<Set<string>>;
  unlock(characterId: string, achievementId: string, points: number, at: Date): Promise<void>;
  save(progress: ProgressRecord): Promise<void>;
  /** Enqueues the follow-ups as jobs of the mesh's queue: they exist, and the workers wake, only if the transaction commits. */
  followUp(followUps: readonly FollowUp[]): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

interface ProgressRow {
  character_id: string;
  player_id: string;
  experience: string;
  level: number;
  defeats: string;
  achievement_points: string;
}

const progressColumns = "character_id, player_id, experience, level, defeats, achievement_points";

const toProgress = (row: ProgressRow): ProgressRecord => ({
  characterId: row.character_id,
  playerId: row.player_id,
  experience: Number(row.experience),
  level: row.level,
  defeats: Number(row.defeats),
  achievementPoints: Number(row.achievement_points),
});

/**
 * A follow-up's job. Its key says which requests are the same work: a newer
 * one replaces a pending one. A character's leaderboard refresh and player
 * level are one job each; the latest set_level carries the highest level,
 * since levels only rise and every change of one locks the progress row
 * (lockProgress), so those requests are enqueued in commit order.
 */
const toJob = (followUp: FollowUp): JobRequest<FollowUpPayloads> => {
  const { characterId } = followUp;
  switch (followUp.kind) {
    case "leaderboard":
      return { key: `leaderboard:${characterId}`, kind: "leaderboard", payload: { characterId } };
    case "level_reward":
      return { key: `level_reward:${characterId}:${followUp.level}`, kind: "level_reward", payload: { characterId, level: followUp.level } };
    case "set_level":
      return { key: `set_level:${characterId}`, kind: "set_level", payload: { characterId, level: followUp.level } };
  }
};

/** Each history's table and what one row of it counts. */
const histories: Record<History, { table: string; amount: string }> = {
  experience: { table: "experience_log", amount: "h.amount" },
  defeats: { table: "defeat_log", amount: "1" },
  achievement_points: { table: "achievement_unlocks", amount: "h.points" },
};

/** Progression's state in PostgreSQL; `source` is the ce_source of its events. */
export function createProgressStore(db: Database, source: string): ProgressStore {
  const within = (client: pg.PoolClient): ProgressTransaction => ({
    async recordCharacter(characterId, playerId, name) {
      await client.query(
        "INSERT INTO characters (character_id, player_id, name) VALUES ($1, $2, $3) ON CONFLICT (character_id) DO UPDATE SET player_id = EXCLUDED.player_id, name = EXCLUDED.name",
        [characterId, playerId, name],
      );
    },
    async markCharacterDeleted(characterId) {
      const result = await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
      return result.rowCount === 1;
    },
    async lockProgress(characterId) {
      await client.query("INSERT INTO progress (character_id) VALUES ($1) ON CONFLICT DO NOTHING", [characterId]);
      const { rows } = await client.query<ProgressRow>(`SELECT ${progressColumns} FROM progress WHERE character_id = $1 FOR UPDATE`, [characterId]);
      return toProgress(rows[0]!);
    },
    async learnPlayer(characterId, playerId) {
      await client.query("UPDATE progress SET player_id = $2 WHERE character_id = $1 AND player_id = ''", [characterId, playerId]);
    },
    async logExperience(characterId, sourceEventId, amount, source) {
      const result = await client.query(
        "INSERT INTO experience_log (character_id, source_event_id, amount, source) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [characterId, sourceEventId, amount, source],
      );
      return result.rowCount === 1;
    },
    async logDefeat(characterId, sourceEventId, defeatedId, defeatedPlayerId) {
      const result = await client.query(
        "INSERT INTO defeat_log (character_id, source_event_id, defeated_id, defeated_player_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [characterId, sourceEventId, defeatedId, defeatedPlayerId],
      );
      return result.rowCount === 1;
    },
    async unlockedIds(characterId) {
      const { rows } = await client.query<{ achievement_id: string }>("SELECT achievement_id FROM achievement_unlocks WHERE character_id = $1", [characterId]);
      return new Set(rows.map((r) => r.achievement_id));
    },
    async unlock(characterId, achievementId, points, at) {
      await client.query("INSERT INTO achievement_unlocks (character_id, achievement_id, points, unlocked_at) VALUES ($1, $2, $3, $4)", [characterId, achievementId, points, at]);
    },
    async save(progress) {
      await client.query(
        "UPDATE progress SET player_id = $2, experience = $3, level = $4, defeats = $5, achievement_points = $6, updated_at = now() WHERE character_id = $1",
        [progress.characterId, progress.playerId, progress.experience, progress.level, progress.defeats, progress.achievementPoints],
      );
    },
    async followUp(followUps) {
      await enqueueJobs<FollowUpPayloads>(client, followUps.map(toJob));
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    async get(characterId) {
      const { rows } = await db.pool.query<ProgressRow>(`SELECT ${progressColumns} FROM progress WHERE character_id = $1`, [characterId]);
      return rows[0] === undefined ? undefined : toProgress(rows[0]);
    },
    async unlocks(characterId) {
      const { rows } = await db.pool.query<{ achievement_id: string; unlocked_at: Date }>(
        "SELECT achievement_id, unlocked_at FROM achievement_unlocks WHERE character_id = $1",
        [characterId],
      );
      return rows.map((r) => ({ achievementId: r.achievement_id, unlockedAt: r.unlocked_at }));
    },
    async names(characterIds) {
      const { rows } = await db.pool.query<{ character_id: string; name: string }>("SELECT character_id, name FROM characters WHERE character_id = ANY($1::uuid[])", [characterIds]);
      return new Map(rows.map((r) => [r.character_id, r.name]));
    },
    async boardScores(characterIds) {
      const { rows } = await db.pool.query<ProgressRow>(
        `SELECT ${progressColumns.split(", ").map((c) => `p.${c}`).join(", ")} FROM progress p
         WHERE p.character_id = ANY($1::uuid[])
           AND NOT EXISTS (SELECT 1 FROM characters c WHERE c.character_id = p.character_id AND c.deleted_at IS NOT NULL)`,
        [characterIds],
      );
      return new Map(rows.map((r) => [r.character_id, { experience: Number(r.experience), defeats: Number(r.defeats), achievementPoints: Number(r.achievement_points) }]));
    },
    async changedSince(since) {
      const { rows } = await db.pool.query<{ character_id: string }>("SELECT character_id FROM progress WHERE updated_at >= $1", [since]);
      return rows.map((r) => r.character_id);
    },
    async historyPage(history, afterSeq, limit) {
      const { table, amount } = histories[history];
      const { rows } = await db.pool.query<{ seq: string; character_id: string; amount: string }>(
        `SELECT h.seq, h.character_id, ${amount} AS amount FROM ${table} h
         WHERE h.seq > $1
           AND NOT EXISTS (SELECT 1 FROM characters c WHERE c.character_id = h.character_id AND c.deleted_at IS NOT NULL)
         ORDER BY h.seq LIMIT $2`,
        [afterSeq.toString(), limit],
      );
      return rows.map((r) => ({ seq: BigInt(r.seq), characterId: r.character_id, amount: Number(r.amount) }));
    },
    async now() {
      const { rows } = await db.pool.query<{ now: Date }>("SELECT now() AS now");
      return rows[0]!.now;
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
