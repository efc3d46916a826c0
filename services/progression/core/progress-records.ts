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

/** Work to do once a change committed (see the follow_ups table). */
export type FollowUp =
  | { readonly kind: "leaderboard"; readonly characterId: string }
  | { readonly kind: "level_reward"; readonly characterId: string; readonly level: number }
  | { readonly kind: "set_level"; readonly characterId: string; readonly level: number };
