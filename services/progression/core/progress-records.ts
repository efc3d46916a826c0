/** A character's progression. */
export interface ProgressRecord {
  readonly characterId: string;
  /** '' while no event has named the owner yet. */
  readonly playerId: string;
  readonly experience: number;
  readonly level: number;
  readonly defeats: number;
  readonly achievementPoints: number;
}

/** An achievement a character unlocked. */
export interface UnlockRecord {
  readonly achievementId: string;
  readonly unlockedAt: Date;
}

/** The histories leaderboards are rebuilt from. */
export type History = "experience" | "defeats" | "achievement_points";

/** One event of a history: who it counts for and how much. */
export interface HistoryRow {
  readonly seq: bigint;
  readonly characterId: string;
  readonly amount: number;
}

/** What a character scores on the leaderboards, read from the database. */
export interface BoardScores {
  readonly experience: number;
  readonly defeats: number;
  readonly achievementPoints: number;
}

/**
 * Work that must follow a committed change but cannot share its transaction,
 * by kind, with what each needs: jobs of the mesh's queue, enqueued in the
 * change's transaction and done by the handlers of follow-ups.ts.
 */
export interface FollowUpPayloads {
  /** Write the character's scores, read then from the database, to every leaderboard. */
  readonly leaderboard: { readonly characterId: string };
  /** Pay the reward of reaching `level`. */
  readonly level_reward: { readonly characterId: string; readonly level: number };
  /** Tell player the character's level. */
  readonly set_level: { readonly characterId: string; readonly level: number };
}

/** One follow-up: its kind and what it needs. */
export type FollowUp = { readonly [K in keyof FollowUpPayloads]: { readonly kind: K } & FollowUpPayloads[K] }[keyof FollowUpPayloads];
