import type { RestrictionRows } from "./restrictions.js";
import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { CharacterRecord, TradeRecord, TradeSide, TradeStatus } from "./trade-records.js";

/** The saga's durable work: settle a trade (run its next steps), or expire an offer when its time comes. */
export interface TradeJobs {
  readonly settle: { readonly tradeId: string };
  readonly expire: { readonly tradeId: string };
}

/** A saga job and when it becomes due. */
export interface TradeJob {
  readonly kind: keyof TradeJobs;
  readonly tradeId: string;
  readonly at: Date;
}

/** A change to a trade's row; `updated_at` moves with every one. */
export interface TradeChange {
  readonly status?: TradeStatus;
  readonly proposerHoldId?: string;
  readonly counterpartyHoldId?: string;
  readonly failure?: { readonly reason: number; readonly message: string; readonly side: TradeSide | undefined };
  readonly acceptedAt?: Date;
  /** Set when the trade reaches a final state. */
  readonly closedAt?: Date;
}

/** Where a listing page ended: the last trade's creation time and id. */
export interface TradeCursor {
  readonly createdAt: Date;
  readonly tradeId: string;
}

export interface TradeFilter {
  /** Only these; all when empty. */
  readonly statuses: readonly TradeStatus[];
  /** Only trades where the character is on this side; both when undefined. */
  readonly side: TradeSide | undefined;
}

/** Reads outside any transaction, and the ways into one. */
export interface TradeStore {
  get(tradeId: string): Promise<TradeRecord | undefined>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  /** The proposer's trade made with this idempotency key, if any. */
  tradeByKey(proposerCharacterId: string, idempotencyKey: string): Promise<TradeRecord | undefined>;
  /** The character's trades, newest first, after `cursor` when given. */
  list(characterId: string, filter: TradeFilter, cursor: TradeCursor | undefined, limit: number): Promise<TradeRecord[]>;
  transaction<T>(work: (tx: TradeTransaction) => Promise<T>): Promise<T>;
  /** Those of `playerIds` whom one of anti-cheat's actions bars from trading at `now` (one query for all parties). */
  restrictedPlayers(playerIds: readonly string[], now: Date): Promise<ReadonlySet<string>>;
}

/** Changes that commit together with their events and the saga's jobs. */
export interface TradeTransaction extends RestrictionRows {
  /** The character, its row locked until commit: offers by one character are checked against its limits one at a time. */
  lockCharacter(characterId: string): Promise<CharacterRecord | undefined>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  /** The proposer's trade made with this idempotency key, if any. */
  tradeByKey(proposerCharacterId: string, idempotencyKey: string): Promise<TradeRecord | undefined>;
  /** Open trades (proposed, or with a saga running) where the character is on `side`. */
  countOpen(characterId: string, side: TradeSide): Promise<number>;
  insert(trade: TradeRecord): Promise<void>;
  /** The trade, its row locked until commit: every state change is a compare-and-set under this lock. */
  lock(tradeId: string): Promise<TradeRecord | undefined>;
  update(tradeId: string, change: TradeChange): Promise<TradeRecord>;
  /** Ids of the character's trades still open for an answer (proposed). */
  proposedTradesOf(characterId: string): Promise<string[]>;
  recordCharacter(character: Omit<CharacterRecord, "deleted">): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  schedule(jobs: readonly TradeJob[]): Promise<void>;
}
