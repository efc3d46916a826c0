import type { ActorKind, Outcome } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";

/**
 * What a reporter states about one action: the record before the log places
 * it in a chain. Times are canonical text (core/canonical-time.ts), so what
 * is hashed is exactly what is stored and returned.
 */
export interface AuditEntry {
  /** A UUID; appending the same entry again is a no-op. */
  readonly recordId: string;
  readonly actorKind: ActorKind;
  readonly actorId: string;
  readonly action: string;
  readonly resource: string;
  readonly outcome: Outcome;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly traceId: string;
  readonly details: Readonly<Record<string, string>>;
  readonly occurTime: string;
  /** The SPIFFE ID of the publisher or caller that reported it. */
  readonly source: string;
}

/** An entry as the log holds it: placed in its partition's chain. */
export interface AuditRecord extends AuditEntry {
  readonly partition: string;
  readonly sequence: bigint;
  readonly recordTime: string;
  readonly previousHash: string;
  readonly hash: string;
}

/** The end of a partition's chain: the last sequence and its hash (0 and the genesis hash when empty). */
export interface ChainHead {
  readonly sequence: bigint;
  readonly hash: string;
}

/** The first link of a chain that does not verify. */
export interface ChainBreak {
  readonly partition: string;
  readonly sequence: bigint;
  readonly problem: string;
}
