import { createHash } from "node:crypto";
import { ActorKindSchema, OutcomeSchema } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { reasonName } from "@chaos/mesh/domain";
import type { AuditRecord } from "./audit-record.js";

/** The previous_hash of a partition's first record. */
export const genesisHash = "0".repeat(64);

/** The first field of the canonical form: its version. */
const formVersion = "chaos.audit.v1";

/**
 * The bytes a record's hash is computed over, as audit_record.proto
 * documents them: seventeen fields in a fixed order, each a netstring
 * (`<byte length>:<UTF-8 bytes>,`), the details as their count followed by
 * key and value of each entry in ascending key order. Netstrings need no
 * escaping and no parser to reproduce, in any language.
 */
export function canonicalBytes(record: Omit<AuditRecord, "hash">): Buffer {
  const keys = Object.keys(record.details).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const fields = [
    formVersion,
    record.partition,
    record.sequence.toString(),
    record.recordId,
    record.occurTime,
    record.recordTime,
    reasonName(ActorKindSchema, record.actorKind),
    record.actorId,
    record.action,
    record.resource,
    reasonName(OutcomeSchema, record.outcome),
    record.sourceIp,
    record.userAgent,
    record.traceId,
    record.source,
    String(keys.length),
    ...keys.flatMap((key) => [key, record.details[key]!]),
    record.previousHash,
  ];
  return Buffer.concat(fields.map(netstring));
}

/** SHA-256 of the canonical form, lower-case hex. */
export function recordHash(record: Omit<AuditRecord, "hash">): string {
  return createHash("sha256").update(canonicalBytes(record)).digest("hex");
}

function netstring(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length}:`, "ascii"), bytes, Buffer.from(",", "ascii")]);
}
