import type { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { Dimensions } from "./metric-definition.js";

/** One consumed event as the history keeps it. */
export interface Fact {
  readonly seq: bigint;
  readonly eventId: string;
  /** The protobuf message's full name (ce_type). */
  readonly eventType: string;
  /** ce_time. */
  readonly eventTime: Date;
  readonly payload: Uint8Array;
}

/** Writes into one generation of the aggregates. */
export interface AggregateWriter {
  /** Adds `value` to a SUM or MEAN metric's hour (and one to its samples). */
  add(metric: string, hour: Date, dimensions: Dimensions, value: bigint): Promise<void>;
  /** Counts `member` once in a DISTINCT metric's hour. */
  addMember(metric: string, hour: Date, dimensions: Dimensions, member: string): Promise<void>;
  remember(namespace: string, key: string, value: string): Promise<void>;
  recall(namespace: string, key: string): Promise<string | undefined>;
}

/** A rebuild as stored. */
export interface RebuildRecord {
  readonly rebuildId: string;
  readonly state: "running" | "succeeded" | "failed";
  readonly generation: number;
  readonly snapshotSeq: bigint;
  readonly cursorSeq: bigint;
  readonly eventsTotal: bigint;
  readonly eventsReplayed: bigint;
  readonly startTime: Date;
  readonly finishTime?: Date;
  readonly failureMessage: string;
}

/** Work inside one transaction. */
export interface AnalyticsTransaction {
  /** Adds a consumed event to the history; false (nothing written) when its id is there already. */
  recordFact(fact: Omit<Fact, "seq">): Promise<boolean>;
  /** The generation queries read. Read after recordFact: a rebuild's last step holds the history locked while it moves the pointer. */
  liveGeneration(): Promise<number>;
  aggregates(generation: number): AggregateWriter;
  /**
   * Locks the history against new facts until the transaction ends (they wait,
   * they are not refused), so every fact up to the returned last seq is committed.
   */
  lockHistory(): Promise<{ readonly lastSeq: bigint; readonly count: bigint }>;
  /** Facts with after < seq <= upTo (no bound when undefined), in seq order, at most `limit`. */
  factsAfter(after: bigint, upTo: bigint | undefined, limit: number): Promise<Fact[]>;
  /** Deletes every row of a generation (a rebuild's leftovers, or the one it replaced). */
  clearGenerationsExcept(keep: number): Promise<void>;
  clearGeneration(generation: number): Promise<void>;
  setLiveGeneration(generation: number): Promise<void>;
  /** Inserts a running rebuild; false when one is running already. */
  insertRebuild(rebuild: Pick<RebuildRecord, "rebuildId" | "generation" | "snapshotSeq" | "eventsTotal">): Promise<boolean>;
  runningRebuild(): Promise<RebuildRecord | undefined>;
  /** The rebuild, its row locked until the transaction ends. */
  lockRebuild(rebuildId: string): Promise<RebuildRecord | undefined>;
  updateRebuild(rebuildId: string, change: Partial<Pick<RebuildRecord, "state" | "cursorSeq" | "eventsTotal" | "eventsReplayed" | "failureMessage">> & { finished?: boolean }): Promise<void>;
  /** Queues the job that runs the rebuild's next step, once this transaction commits. */
  scheduleRebuildStep(rebuildId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** Which slice of a metric a query reads. */
export interface SeriesSelection {
  readonly metric: string;
  readonly aggregation: Aggregation;
  readonly generation: number;
  readonly bucket: "hour" | "day";
  /** Whole buckets: [start, end). */
  readonly start: Date;
  readonly end: Date;
  /** The dimension to split by; undefined: one group, "". */
  readonly groupBy?: string;
  readonly filters: Dimensions;
}

/** One bucket of one group, as stored: for DISTINCT, value and samples are both the member count. */
export interface StoredPoint {
  readonly group: string;
  readonly bucketStart: Date;
  readonly value: bigint;
  readonly samples: bigint;
}

/** The aggregates' database. */
export interface AnalyticsStore {
  transaction<T>(work: (tx: AnalyticsTransaction) => Promise<T>): Promise<T>;
  liveGeneration(): Promise<number>;
  /** Group values with data in the selection, ordered, after `after`, at most `limit`. */
  groups(selection: SeriesSelection, after: string | undefined, limit: number): Promise<string[]>;
  /** The points of these groups (buckets without data are absent). */
  points(selection: SeriesSelection, groups: readonly string[]): Promise<StoredPoint[]>;
  /** Each group's aggregate over the whole selection (bucketStart is the selection's start). */
  totals(selection: SeriesSelection, groups: readonly string[]): Promise<StoredPoint[]>;
  rebuild(rebuildId: string): Promise<RebuildRecord | undefined>;
}
