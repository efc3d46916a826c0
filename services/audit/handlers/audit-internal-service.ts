import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AuditInternalService } from "@chaos/gen/chaos/audit/v1/audit_internal_service_pb.js";
import { callerOf } from "@chaos/mesh/server";
import type { AuditLog } from "../core/audit-log.js";
import { canonicalTimeOf } from "../core/canonical-time.js";
import { toAuditRecordMessage } from "../core/record-message.js";

/** The internal API: workloads the policy allows append; the operator exports for independent verification. */
export function createAuditInternalHandlers(log: AuditLog): ServiceImpl<typeof AuditInternalService> {
  return {
    async appendAuditRecord(request, context) {
      // The mesh admitted the call on a verified SVID, so there is a caller; it is who reported the record.
      const caller = callerOf(context);
      if (caller === undefined) throw new ConnectError("appending needs a workload identity", Code.Unauthenticated);
      const appended = await log.append({
        recordId: request.recordId.toLowerCase(),
        actorKind: request.actorKind,
        actorId: request.actorId,
        action: request.action,
        resource: request.resource,
        outcome: request.outcome,
        sourceIp: request.sourceIp,
        userAgent: request.userAgent,
        traceId: request.traceId,
        details: { ...request.details },
        occurTime: canonicalTimeOf(request.occurTime!),
        source: caller.uri,
      });
      return { record: toAuditRecordMessage(appended.record), duplicate: appended.duplicate };
    },
    async *exportAuditRecords(request) {
      for await (const record of log.export(request.partitionPrefix)) yield { record: toAuditRecordMessage(record) };
    },
  };
}
