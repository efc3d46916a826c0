import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AuditChainSealedSchema } from "@chaos/gen/chaos/audit/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { ChainHead } from "./audit-record.js";

/** AuditChainSealed, keyed by the chain's partition so each chain's seals stay in order. */
export function chainSealed(partition: string, head: ChainHead, at: number): OutgoingEvent {
  return {
    topic: topicName("audit", "records"),
    aggregateId: partition,
    schema: AuditChainSealedSchema,
    message: create(AuditChainSealedSchema, { partition, sequence: head.sequence, hash: head.hash, sealTime: timestampFromMs(at) }),
  };
}
