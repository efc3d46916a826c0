/** One queue of the settings: who it matches and how far apart in rating it lets them be. */
export interface QueueConfig {
  /** e.g. "ranked-1v1". */
  readonly id: string;
  /** Players per team; a party fills at most one team. */
  readonly teamSize: number;
  /**
   * Whether ratings start afresh every season (ranked queues, with a
   * leaderboard per season); other queues keep one rating across seasons
   * (season 0), separate from the ranked queues' ratings.
   */
  readonly ranked: boolean;
  /** The rating window (widest mu spread allowed in a match) of a ticket just queued. */
  readonly initialWindow: number;
  /** How much the window widens per second in the queue. */
  readonly widenPerSecond: number;
  /** The window never widens past this. */
  readonly maxWindow: number;
  /** The largest difference allowed between the two teams' mean ratings. */
  readonly maxTeamGap: number;
  /** Tickets reporting a higher latency to their region are refused (NOT_ELIGIBLE). */
  readonly maxLatencyMs: number;
}

/** The two sides of every match. */
export const teamsPerMatch = 2;
