import { create } from "@bufbuild/protobuf";
import { AuditRecordAppendedSchema } from "@chaos/gen/chaos/audit/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { AuditRecord } from "./audit-record.js";
import { toAuditRecordMessage } from "./record-message.js";

/** AuditRecordAppended, keyed by the record's partition so each chain's events stay in order. */
export function recordAppended(record: AuditRecord): OutgoingEvent {
  return {
    topic: topicName("audit", "records"),
    aggregateId: record.partition,
    schema: AuditRecordAppendedSchema,
    message: create(AuditRecordAppendedSchema, { record: toAuditRecordMessage(record) }),
  };
}
