import type { SkillRating } from "./skill-rating.js";

export type TicketStatus = "searching" | "match_found" | "matched" | "cancelled" | "expired";
/** Why a ticket ended without a match. */
export type TicketCause = "left_queue" | "declined" | "expired";

/** A character as matchmaking knows it, from player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly deleted: boolean;
}

/** A solo character's or a party's place in a queue. */
export interface TicketRecord {
  readonly ticketId: string;
  readonly queueId: string;
  /** The leader first. */
  readonly characterIds: readonly string[];
  readonly region: string;
  readonly latencyMs: number;
  readonly status: TicketStatus;
  readonly matchId: string | undefined;
  /** Kept when a failed ready check sends the ticket back: its window goes on widening from here. */
  readonly enqueuedAt: Date;
  /** The party's mean mu when it queued. */
  readonly rating: number;
  readonly cause: TicketCause | undefined;
  /** When the ticket became matched (time to match), or ended. */
  readonly closedAt: Date | undefined;
}

export type MatchStatus = "ready_check" | "allocating" | "running" | "completed" | "cancelled";

/** A player of a match. */
export interface MatchPlayerRecord {
  readonly characterId: string;
  readonly ticketId: string;
  readonly teamIndex: number;
  /** The player's mu when they joined the match (what the game server weighs, with sigma). */
  readonly rating: SkillRating;
  readonly accepted: boolean;
  /** Joined a running match in place of a leaver. */
  readonly backfill: boolean;
  /** Reported gone by the game server (ReportPlayerLeft): rated as a loser. */
  readonly left: boolean;
}

export interface MatchRecord {
  readonly matchId: string;
  readonly queueId: string;
  readonly region: string;
  readonly seasonNumber: number;
  readonly status: MatchStatus;
  readonly createdAt: Date;
  readonly readyCheckEndsAt: Date;
  /** The narrowest window of its tickets at forming, and the ratings it spanned then: the band backfill keeps to. */
  readonly window: number;
  readonly low: number;
  readonly high: number;
  readonly teamMeans: readonly number[];
  readonly players: readonly MatchPlayerRecord[];
  readonly serverId: string | undefined;
  /** Seeds the game server's deterministic simulation. */
  readonly seed: bigint;
  /** The reported outcome, once there is one (read with the match; absent from matches being formed). */
  readonly result?: ResultRecord;
}

/** A reported outcome, kept to tell a repeat from a conflict. */
export interface ResultRecord {
  readonly matchId: string;
  /** -1 for a draw. */
  readonly winningTeam: number;
  readonly draw: boolean;
  /** Sorted. */
  readonly leavers: readonly string[];
}

/** The winning team as the contract shows it (Match.result and MatchCompleted alike): 0 for a draw, whose `draw` says the rest; never -1, which no report may carry. */
export const winningTeamIndexOf = (result: ResultRecord): number => (result.draw ? 0 : result.winningTeam);

/** A character's rating in a queue and season. */
export interface RatingRecord {
  readonly characterId: string;
  readonly queueId: string;
  readonly seasonNumber: number;
  readonly rating: SkillRating;
  readonly wins: number;
  readonly losses: number;
  readonly draws: number;
}

/** A queue's tickets now, for operators. */
export interface QueueStatistics {
  readonly searchingTickets: number;
  readonly searchingPlayers: number;
  readonly waitP50Seconds: number;
  readonly waitP90Seconds: number;
  readonly readyChecks: number;
  readonly runningMatches: number;
}
