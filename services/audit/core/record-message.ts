import { create } from "@bufbuild/protobuf";
import { AuditRecordSchema, type AuditRecord as AuditRecordMessage } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import type { AuditRecord } from "./audit-record.js";
import { timestampOfCanonical } from "./canonical-time.js";

/** The contract's form of a record (API answers and events). */
export function toAuditRecordMessage(record: AuditRecord): AuditRecordMessage {
  return create(AuditRecordSchema, {
    recordId: record.recordId,
    partition: record.partition,
    sequence: record.sequence,
    actorKind: record.actorKind,
    actorId: record.actorId,
    action: record.action,
    resource: record.resource,
    outcome: record.outcome,
    sourceIp: record.sourceIp,
    userAgent: record.userAgent,
    traceId: record.traceId,
    details: { ...record.details },
    occurTime: timestampOfCanonical(record.occurTime),
    recordTime: timestampOfCanonical(record.recordTime),
    source: record.source,
    previousHash: record.previousHash,
    hash: record.hash,
  });
}
