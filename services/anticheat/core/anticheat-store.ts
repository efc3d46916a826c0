import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { CaseState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { DefeatState, Gift, SpellLimits } from "./rules.js";
import type { Score } from "./risk-score.js";
import type { ActionRecord, AppealRecord, CaseRecord, PlacedAt, ScoreChangeRecord, SignalRecord } from "./records.js";

/** Where a page ended: the last item's time and id. */
export interface Cursor {
  readonly at: Date;
  readonly id: string;
}

/** A cast as the rules remember it. */
export interface CastRecord {
  readonly castId: string;
  readonly characterId: string;
  readonly playerId: string;
  readonly spellId: string;
  readonly castAt: Date;
  /** The spell's cooldown and base damage at the cast, from the SpellCast. */
  readonly limits: SpellLimits;
}

/** One side of a gold transfer between two accounts, as inventory announces it. */
export interface TransferHalf {
  readonly transactionId: string;
  readonly side: "debit" | "credit";
  readonly characterId: string;
  readonly amount: bigint;
  readonly at: Date;
}

/** Reads outside any transaction, and the way into one. */
export interface AnticheatStore {
  score(playerId: string): Promise<Score | undefined>;
  /** The player's actions, newest first; only active ones when asked. */
  actions(playerId: string, activeOnly: boolean, limit: number): Promise<ActionRecord[]>;
  action(actionId: string): Promise<ActionRecord | undefined>;
  recentChanges(playerId: string, limit: number): Promise<ScoreChangeRecord[]>;
  /** The player's signals, newest first, after `cursor`. */
  signals(playerId: string, cursor: Cursor | undefined, limit: number): Promise<SignalRecord[]>;
  case(caseId: string): Promise<CaseRecord | undefined>;
  /** Cases in `state`, oldest first, after `cursor`. */
  cases(state: CaseState, cursor: Cursor | undefined, limit: number): Promise<CaseRecord[]>;
  appeal(appealId: string): Promise<AppealRecord | undefined>;
  appealsOf(playerId: string, limit: number): Promise<AppealRecord[]>;
  /** Open appeals, oldest first. */
  openAppeals(limit: number): Promise<AppealRecord[]>;
  transaction<T>(work: (tx: AnticheatTransaction) => Promise<T>): Promise<T>;
}

/** Changes that commit together with their events (and, in a consumer, with the inbox row). */
export interface AnticheatTransaction {
  recordCharacter(characterId: string, playerId: string): Promise<void>;
  playerOf(characterId: string): Promise<string | undefined>;
  lastMove(characterId: string): Promise<PlacedAt | undefined>;
  /** Keeps the later of the stored and the given position (moves may be redelivered late). */
  recordMove(characterId: string, placed: PlacedAt): Promise<void>;
  /** Stores the cast (once); the time of the same character's previous cast of the same spell. */
  recordCast(cast: CastRecord): Promise<Date | undefined>;
  cast(castId: string): Promise<CastRecord | undefined>;
  defeatState(characterId: string): Promise<DefeatState | undefined>;
  markDefeated(characterId: string, at: Date): Promise<void>;
  markRevived(characterId: string, at: Date): Promise<void>;
  /** Stores the gift (once per trade or transfer); the distinct givers to its receiver since `since` and their gold, and whether it was new. */
  recordGift(transferId: string, gift: Gift, at: Date, since: Date): Promise<{ givers: number; gold: bigint; inserted: boolean }>;
  /** Stores one half of a gold transfer (once); the other half, if it came already. */
  recordTransferHalf(half: TransferHalf): Promise<TransferHalf | undefined>;
  /** Stores the login; the distinct accounts that logged in from the address since `since`. */
  recordLogin(ipAddress: string, accountId: string, at: Date, since: Date): Promise<number>;
  /** False when a signal with that id exists already. */
  insertSignal(signal: SignalRecord): Promise<boolean>;
  /** The player's score, its row locked until commit (one player's signals are scored one at a time). */
  lockScore(playerId: string, now: Date): Promise<Score>;
  saveScore(playerId: string, score: Score): Promise<void>;
  insertScoreChange(change: ScoreChangeRecord): Promise<void>;
  activeActions(playerId: string): Promise<ActionRecord[]>;
  /** The action, its row locked until commit. */
  lockAction(actionId: string): Promise<ActionRecord | undefined>;
  insertAction(action: ActionRecord): Promise<void>;
  updateAction(action: ActionRecord): Promise<void>;
  /** Active actions whose time ran out by `now`, locked (others' rows skipped), at most `limit`. */
  expiredActions(now: Date, limit: number): Promise<ActionRecord[]>;
  openCaseOf(playerId: string): Promise<CaseRecord | undefined>;
  lockCase(caseId: string): Promise<CaseRecord | undefined>;
  insertCase(record: CaseRecord): Promise<void>;
  updateCase(record: CaseRecord): Promise<void>;
  openAppealFor(actionId: string): Promise<AppealRecord | undefined>;
  lockAppeal(appealId: string): Promise<AppealRecord | undefined>;
  insertAppeal(appeal: AppealRecord): Promise<void>;
  updateAppeal(appeal: AppealRecord): Promise<void>;
  /** Drops the rules' memory (casts, gifts, logins) older than `before`. */
  prune(before: Date): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}
