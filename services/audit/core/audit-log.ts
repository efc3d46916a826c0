import { createHash } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/audit/v1/errors_pb.js";
import { ActorKind, Outcome } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { chainSealed } from "./audit-events.js";
import type { AuditEntry, AuditRecord, ChainBreak } from "./audit-record.js";
import type { AuditStore, AuditTransaction, RecordCursor, RecordFilter } from "./audit-store.js";
import type { EventFacts } from "./audited-events.js";
import { recordHash } from "./canonical-form.js";
import { canonicalTimeOf, canonicalTimeOfMs } from "./canonical-time.js";
import { createChainCheck } from "./chain-check.js";
import { partitionOf } from "./partition.js";

/** An append's outcome. */
export interface Appended {
  readonly record: AuditRecord;
  /** The record id was appended before, with the same content. */
  readonly duplicate: boolean;
}

/** What to verify: every partition, or one, optionally a range of its sequences (0: open end). */
export interface VerifyRange {
  readonly partition: string;
  readonly fromSequence: bigint;
  readonly toSequence: bigint;
}

/** A verification's verdict. */
export interface VerifyReport {
  readonly recordsChecked: number;
  readonly partitionsChecked: number;
  readonly firstBreak: ChainBreak | undefined;
  /** The record budget ran out before everything was checked. */
  readonly truncated: boolean;
}

/** The append-only, hash-chained security log. */
export interface AuditLog {
  /** Appends in a transaction of its own. */
  append(entry: AuditEntry): Promise<Appended>;
  /** Appends inside the caller's transaction (an event's inbox transaction). */
  appendIn(tx: AuditTransaction, entry: AuditEntry): Promise<Appended>;
  /** Appends what an audited event says (see audited-events.ts), inside its inbox transaction. */
  appendEvent(tx: AuditTransaction, facts: EventFacts, event: EventEnvelope): Promise<Appended>;
  get(recordId: string): Promise<AuditRecord>;
  /** A page of records, newest first, and where the next one starts (undefined: the last page). */
  list(filter: RecordFilter, after: RecordCursor | undefined, pageSize: number): Promise<{ records: AuditRecord[]; next: RecordCursor | undefined }>;
  verify(range: VerifyRange): Promise<VerifyReport>;
  /** Every record of the partitions whose name starts with `prefix`, in chain order. */
  export(prefix: string): AsyncIterable<AuditRecord>;
  /** Publishes an AuditChainSealed for every chain that grew since its last seal; how many. */
  seal(): Promise<number>;
}

/** What the log takes from an event's CloudEvents envelope (the consumer's CloudEventAttributes). */
export interface EventEnvelope {
  /** ce_id. */
  readonly id: string;
  /** ce_source: the publisher's SPIFFE ID. */
  readonly source: string;
  /** ce_time, RFC 3339. */
  readonly time: string;
  /** The W3C traceparent header, when the event was published inside a trace. */
  readonly traceparent?: string;
}

/** The log's limits. */
export interface AuditLogOptions {
  /** Chains per day (see partition.ts). */
  readonly shards: number;
  /** Records one verify() reads at most. */
  readonly verifyMaxRecords: number;
}

// Records are read from the database this many at a time when verifying and exporting.
const chainBatch = 1_000;

/** The log over `store`. */
export function createAuditLog(store: AuditStore, options: AuditLogOptions): AuditLog {
  async function appendIn(tx: AuditTransaction, entry: AuditEntry): Promise<Appended> {
    const recordTime = canonicalTimeOfMs(Date.now());
    const partition = partitionOf(entry, recordTime, options.shards);
    const head = await tx.lockHead(partition);
    const chained = { ...entry, partition, sequence: head.sequence + 1n, recordTime, previousHash: head.hash };
    const record: AuditRecord = { ...chained, hash: recordHash(chained) };
    if (await tx.insert(record)) return { record, duplicate: false };
    const existing = await tx.recordById(entry.recordId);
    if (existing === undefined) throw new Error(`record ${entry.recordId} conflicted on insert but cannot be read`);
    if (!sameEntry(existing, entry)) throw new DomainError(ErrorReason.RECORD_CONFLICT, "this record id was appended before with different content");
    return { record: existing, duplicate: true };
  }

  return {
    append: (entry) => store.transaction((tx) => appendIn(tx, entry)),
    appendIn,
    appendEvent: (tx, facts, event) => appendIn(tx, entryOfEvent(facts, event)),
    async get(recordId) {
      const record = await store.recordById(recordId);
      if (record === undefined) throw new DomainError(ErrorReason.RECORD_NOT_FOUND, "no audit record has this id");
      return record;
    },
    async list(filter, after, pageSize) {
      if (filter.startTime !== undefined && filter.endTime !== undefined && filter.startTime >= filter.endTime) {
        throw new DomainError(ErrorReason.INVALID_TIME_RANGE, "start_time must be before end_time");
      }
      // One more than asked tells whether another page follows.
      const rows = await store.list(filter, after, pageSize + 1);
      const records = rows.slice(0, pageSize);
      const last = records.at(-1);
      return { records, next: rows.length > pageSize && last !== undefined ? { occurTime: last.occurTime, recordId: last.recordId } : undefined };
    },
    async verify(range) {
      const ranged = range.fromSequence > 0n || range.toSequence > 0n;
      if (ranged && range.partition === "") throw new DomainError(ErrorReason.INVALID_SEQUENCE_RANGE, "a sequence range needs a partition");
      if (range.toSequence > 0n && range.fromSequence > range.toSequence) throw new DomainError(ErrorReason.INVALID_SEQUENCE_RANGE, "from_sequence must not be after to_sequence");
      const partitions = range.partition === "" ? await store.partitions("") : [range.partition];
      let budget = options.verifyMaxRecords;
      let recordsChecked = 0;
      let partitionsChecked = 0;
      for (const partition of partitions) {
        const check = createChainCheck(partition, range.fromSequence);
        let from = range.fromSequence < 1n ? 1n : range.fromSequence;
        for (;;) {
          if (budget === 0) return { recordsChecked, partitionsChecked, firstBreak: undefined, truncated: true };
          const limit = Math.min(chainBatch, budget);
          const batch = await store.chain(partition, from, range.toSequence, limit);
          for (const record of batch) {
            recordsChecked += 1;
            budget -= 1;
            const broken = check.next(record);
            if (broken !== undefined) return { recordsChecked, partitionsChecked: partitionsChecked + 1, firstBreak: broken, truncated: false };
          }
          if (batch.length < limit) break;
          from = batch.at(-1)!.sequence + 1n;
        }
        partitionsChecked += 1;
        const broken = range.toSequence === 0n ? check.end(await store.head(partition)) : undefined;
        if (broken !== undefined) return { recordsChecked, partitionsChecked, firstBreak: broken, truncated: false };
      }
      return { recordsChecked, partitionsChecked, firstBreak: undefined, truncated: false };
    },
    seal: () =>
      store.transaction(async (tx) => {
        const moved = await tx.sealMovedHeads();
        const at = Date.now();
        await tx.publish(moved.map((head) => chainSealed(head.partition, head, at)));
        return moved.length;
      }),
    async *export(prefix) {
      for (const partition of await store.partitions(prefix)) {
        let from = 1n;
        for (;;) {
          const batch = await store.chain(partition, from, 0n, chainBatch);
          yield* batch;
          if (batch.length < chainBatch) break;
          from = batch.at(-1)!.sequence + 1n;
        }
      }
    },
  };
}

/**
 * The record an audited event makes. Its id is the event's ce_id (a UUID
 * from the mesh's publishers; any other id is hashed into one), so the same
 * event never makes two records even past the inbox.
 */
function entryOfEvent(facts: EventFacts, event: EventEnvelope): AuditEntry {
  const [actorKind, actorId] = facts.actor;
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(facts.details ?? {})) {
    if (value !== undefined && value !== "") details[key] = String(value);
  }
  const published = Date.parse(event.time);
  return {
    recordId: uuidPattern.test(event.id) ? event.id.toLowerCase() : uuidOf(`${event.source}\n${event.id}`),
    actorKind,
    actorId: actorId ?? (actorKind === ActorKind.SERVICE ? event.source : ""),
    action: facts.action,
    resource: facts.resource,
    outcome: facts.outcome ?? Outcome.SUCCESS,
    sourceIp: facts.sourceIp ?? "",
    userAgent: facts.userAgent ?? "",
    traceId: traceIdOf(event.traceparent),
    details,
    occurTime: facts.occurTime !== undefined ? canonicalTimeOf(facts.occurTime) : canonicalTimeOfMs(Number.isFinite(published) ? published : Date.now()),
    source: event.source,
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID (version 8, RFC 9562's custom layout) made from SHA-256 of `name`. */
function uuidOf(name: string): string {
  const bytes = createHash("sha256").update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The trace id of a W3C traceparent ("00-<trace id>-<span id>-<flags>"), or "" without a valid one. */
function traceIdOf(traceparent: string | undefined): string {
  const traceId = traceparent?.split("-")[1] ?? "";
  return /^[0-9a-f]{32}$/.test(traceId) && !/^0+$/.test(traceId) ? traceId : "";
}

function sameEntry(a: AuditEntry, b: AuditEntry): boolean {
  const keys = (d: Readonly<Record<string, string>>) => Object.keys(d).sort();
  return (
    a.actorKind === b.actorKind &&
    a.actorId === b.actorId &&
    a.action === b.action &&
    a.resource === b.resource &&
    a.outcome === b.outcome &&
    a.sourceIp === b.sourceIp &&
    a.userAgent === b.userAgent &&
    a.traceId === b.traceId &&
    a.occurTime === b.occurTime &&
    a.source === b.source &&
    keys(a.details).join("\n") === keys(b.details).join("\n") &&
    keys(a.details).every((key) => a.details[key] === b.details[key])
  );
}
