import type { ServiceImpl } from "@connectrpc/connect";
import type { AuditService } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import { create } from "@bufbuild/protobuf";
import { ChainBreakSchema } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import type { AuditLog } from "../core/audit-log.js";
import type { RecordFilter } from "../core/audit-store.js";
import { canonicalTimeOf } from "../core/canonical-time.js";
import { toAuditRecordMessage } from "../core/record-message.js";
import { requireAdmin } from "./admin-only.js";
import { decodeRecordPageToken, encodeRecordPageToken } from "./page-token.js";

/** Listings without a page size get this many records. */
const defaultPageSize = 50;

/** The public API, admins only: search, read and verify the log. */
export function createAuditHandlers(log: AuditLog): ServiceImpl<typeof AuditService> {
  return {
    async listAuditRecords(request, context) {
      requireAdmin(context);
      const filter: RecordFilter = {
        actorKind: request.actorKind === 0 ? undefined : request.actorKind,
        actorId: request.actorId === "" ? undefined : request.actorId,
        actionPrefix: request.actionPrefix === "" ? undefined : request.actionPrefix,
        resource: request.resource === "" ? undefined : request.resource,
        outcome: request.outcome === 0 ? undefined : request.outcome,
        startTime: request.startTime === undefined ? undefined : canonicalTimeOf(request.startTime),
        endTime: request.endTime === undefined ? undefined : canonicalTimeOf(request.endTime),
      };
      const page = await log.list(filter, decodeRecordPageToken(filter, request.pageToken), request.pageSize === 0 ? defaultPageSize : request.pageSize);
      return { records: page.records.map(toAuditRecordMessage), nextPageToken: page.next === undefined ? "" : encodeRecordPageToken(filter, page.next) };
    },
    async getAuditRecord(request, context) {
      requireAdmin(context);
      return { record: toAuditRecordMessage(await log.get(request.recordId.toLowerCase())) };
    },
    async verifyAuditChain(request, context) {
      requireAdmin(context);
      const report = await log.verify({ partition: request.partition, fromSequence: request.fromSequence, toSequence: request.toSequence });
      return {
        intact: report.firstBreak === undefined && !report.truncated,
        recordsChecked: BigInt(report.recordsChecked),
        partitionsChecked: BigInt(report.partitionsChecked),
        firstBreak: report.firstBreak === undefined ? undefined : create(ChainBreakSchema, report.firstBreak),
        truncated: report.truncated,
      };
    },
  };
}
