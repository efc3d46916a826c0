import { createHash } from "node:crypto";
import { ActorKindSchema, type ActorKind } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { reasonName } from "@chaos/mesh/domain";
import { dayOf } from "./canonical-time.js";

/**
 * The chain a record goes to: "<UTC day of record_time>/<shard>". Records
 * spread over `shards` chains, so appends do not all queue on one head row;
 * a new day starts new chains, which bounds each one and lets a verifier
 * check a day at a time. The shard is the first 4 bytes of
 * SHA-256("<actor kind name>:<actor id>:<resource>") as a big-endian integer
 * modulo `shards` (audit_record.proto, PARTITIONS): the resource is in it so
 * that anonymous actors (failed logins from anywhere) do not all share one chain.
 */
export function partitionOf(entry: { readonly actorKind: ActorKind; readonly actorId: string; readonly resource: string }, recordTime: string, shards: number): string {
  const key = `${reasonName(ActorKindSchema, entry.actorKind)}:${entry.actorId}:${entry.resource}`;
  const shard = createHash("sha256").update(key, "utf8").digest().readUInt32BE(0) % shards;
  return `${dayOf(recordTime)}/${shard}`;
}
