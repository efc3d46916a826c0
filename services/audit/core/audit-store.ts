import type { ActorKind, Outcome } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { AuditRecord, ChainHead } from "./audit-record.js";

/** Which records a listing wants; unset fields match everything. */
export interface RecordFilter {
  readonly actorKind?: ActorKind;
  readonly actorId?: string;
  readonly actionPrefix?: string;
  readonly resource?: string;
  readonly outcome?: Outcome;
  /** Canonical time; records that occurred at or after it. */
  readonly startTime?: string;
  /** Canonical time; records that occurred before it. */
  readonly endTime?: string;
}

/** Where a page of a listing ended (newest first: occur time, then record id, both descending). */
export interface RecordCursor {
  readonly occurTime: string;
  readonly recordId: string;
}

/** Work inside one transaction of the log. */
export interface AuditTransaction {
  /**
   * Locks the partition's head row (creating it at the genesis when the
   * partition is new) and returns it: appends to one partition queue here,
   * across replicas, until the transaction ends.
   */
  lockHead(partition: string): Promise<ChainHead>;
  /**
   * Inserts the record and moves its partition's head to it; false (and
   * nothing written) when a record with its id exists already.
   */
  insert(record: AuditRecord): Promise<boolean>;
  recordById(recordId: string): Promise<AuditRecord | undefined>;
  /**
   * Marks every chain whose head moved since its last seal as sealed at its
   * head, and returns those heads; replicas sealing at once each get
   * different chains (the head rows are locked), never one twice.
   */
  sealMovedHeads(): Promise<Array<ChainHead & { readonly partition: string }>>;
  /** Adds events to the outbox, committed with the seals. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** The log's database. */
export interface AuditStore {
  transaction<T>(work: (tx: AuditTransaction) => Promise<T>): Promise<T>;
  recordById(recordId: string): Promise<AuditRecord | undefined>;
  /** Records matching the filter after the cursor, newest first. */
  list(filter: RecordFilter, after: RecordCursor | undefined, limit: number): Promise<AuditRecord[]>;
  /** Partition names starting with `prefix` (all for ""), in name order. */
  partitions(prefix: string): Promise<string[]>;
  /** Up to `limit` records of a partition with from <= sequence <= to (to 0: no end), by sequence. */
  chain(partition: string, from: bigint, to: bigint, limit: number): Promise<AuditRecord[]>;
  /** The partition's head, undefined for a partition never appended to. */
  head(partition: string): Promise<ChainHead | undefined>;
}
