import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { QueuedTicket } from "./matcher.js";
import type { CharacterRecord, MatchRecord, MatchStatus, QueueStatistics, RatingRecord, ResultRecord, TicketCause, TicketRecord, TicketStatus } from "./matchmaking-records.js";
import type { Season } from "./season-clock.js";

/** Durable follow-ups to calls on the game server, run by the job worker after commit (and again after a crash). */
export interface MatchJobs {
  /** Hand a match whose ready check passed to a game server. */
  readonly allocate: { readonly matchId: string };
  /** Tell the game server a backfilled player joins. */
  readonly addPlayer: { readonly matchId: string; readonly characterId: string };
}

/** Where a leaderboard page ended. */
export interface LeaderboardCursor {
  readonly conservative: number;
  readonly characterId: string;
}

/** Reads, outside or inside a transaction. */
export interface MatchmakingReads {
  character(characterId: string): Promise<CharacterRecord | undefined>;
  ticket(ticketId: string): Promise<TicketRecord | undefined>;
  match(matchId: string): Promise<MatchRecord | undefined>;
  /** Ratings kept for these characters (missing ones never played there). */
  ratings(queueId: string, seasonNumber: number, characterIds: readonly string[]): Promise<RatingRecord[]>;
  leaderboard(queueId: string, seasonNumber: number, after: LeaderboardCursor | undefined, limit: number): Promise<RatingRecord[]>;
  /** Newest first. */
  seasons(limit: number): Promise<Season[]>;
  season(number: number): Promise<Season | undefined>;
  statistics(queueId: string, now: Date): Promise<QueueStatistics>;
}

/** Changes that commit together with their events and jobs. */
export interface MatchmakingTransaction extends MatchmakingReads {
  recordCharacter(character: { characterId: string; playerId: string }): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  /** The open ticket (searching or in a ready check) of any of these characters, locked against another join. */
  openTicketOf(characterIds: readonly string[]): Promise<{ ticketId: string; characterId: string } | undefined>;
  /** Inserts a ticket; false when one of its characters got an open ticket meanwhile (the unique index). */
  insertTicket(ticket: TicketRecord): Promise<boolean>;
  lockTicket(ticketId: string): Promise<TicketRecord | undefined>;
  updateTickets(ticketIds: readonly string[], change: { status: TicketStatus; matchId?: string | null; cause?: TicketCause; closedAt?: Date }): Promise<void>;
  /**
   * The queue's searching tickets, oldest first, locked for the round; tickets
   * another transaction holds (a LeaveQueue under way) are skipped this round.
   */
  claimSearching(queueId: string, limit: number): Promise<QueuedTicket[]>;
  /** Inserts a round's matches with their players, in a few statements whatever their number. */
  insertMatches(matches: readonly MatchRecord[]): Promise<void>;
  /** Moves each ticket to match_found in its match. */
  assignTickets(assignments: readonly { ticketId: string; matchId: string }[]): Promise<void>;
  lockMatch(matchId: string): Promise<MatchRecord | undefined>;
  updateMatch(matchId: string, change: { status?: MatchStatus; serverId?: string }): Promise<void>;
  markAccepted(matchId: string, characterId: string): Promise<void>;
  markLeft(matchId: string, characterId: string): Promise<boolean>;
  addBackfill(matchId: string, player: { characterId: string; ticketId: string; teamIndex: number; rating: { mu: number; sigma: number } }): Promise<void>;
  /** Matches in their ready check whose deadline passed. */
  expiredReadyChecks(now: Date, limit: number): Promise<string[]>;
  /** Holes left by leavers not yet filled, oldest first: (match, team, leaver). */
  openHoles(limit: number): Promise<{ matchId: string; teamIndex: number; characterId: string }[]>;
  openHole(matchId: string, teamIndex: number, characterId: string): Promise<void>;
  fillHole(matchId: string, characterId: string, filledBy: string): Promise<void>;
  /** The hole a leaver left, and who filled it (undefined while open). */
  hole(matchId: string, characterId: string): Promise<{ teamIndex: number; filledBy: string | undefined } | undefined>;
  /** The current season, locked: one transaction at a time opens the next. */
  lockCurrentSeason(): Promise<Season | undefined>;
  insertSeasons(seasons: readonly Season[]): Promise<void>;
  /** Locks the ratings rows of the characters (creating none). */
  lockRatings(queueId: string, seasonNumber: number, characterIds: readonly string[]): Promise<RatingRecord[]>;
  saveRatings(ratings: readonly RatingRecord[]): Promise<void>;
  result(matchId: string): Promise<ResultRecord | undefined>;
  insertResult(result: ResultRecord): Promise<void>;
  /** Whether this transaction now holds the round lock (held until commit); false when another replica's round holds it. */
  tryRoundLock(): Promise<boolean>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  schedule<K extends keyof MatchJobs>(kind: K, payload: MatchJobs[K]): Promise<void>;
}

export interface MatchmakingStore extends MatchmakingReads {
  transaction<T>(work: (tx: MatchmakingTransaction) => Promise<T>): Promise<T>;
}
