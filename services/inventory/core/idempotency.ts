import { createHash } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetTransaction } from "../store/asset-store.js";

/** How an operation's result is stored with its key, to be answered again on a retry. */
export interface ResultCodec<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

/** For operations whose retry needs no answer beyond "done". */
export const noResult: ResultCodec<void> = { encode: () => Buffer.alloc(0), decode: () => undefined };

/** Plain records as JSON, bigints tagged so that they come back as bigints. */
export function jsonResult<T>(): ResultCodec<T> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v))),
    decode: (bytes) =>
      JSON.parse(bytes.toString("utf8"), (_key, v: unknown) =>
        typeof v === "object" && v !== null && typeof (v as { $bigint?: unknown }).$bigint === "string" ? BigInt((v as { $bigint: string }).$bigint) : v,
      ) as T,
  };
}

/**
 * Runs `work` once per idempotency key, inside the caller's transaction. The
 * key is stored with a hash of the operation and its arguments and with the
 * result: the same key with the same arguments answers that result again
 * and changes nothing; the same key with other arguments (or for another
 * operation) is a client bug, refused with IDEMPOTENCY_KEY_REUSED. A failed
 * operation rolls back with its key, so it may be retried.
 */
export async function once<T>(
  tx: AssetTransaction,
  key: string,
  operation: string,
  args: unknown,
  codec: ResultCodec<T>,
  work: () => Promise<T>,
): Promise<T> {
  const requestHash = hashOf(operation, args);
  const earlier = await tx.claimKey(key, requestHash);
  if (earlier !== undefined) {
    if (earlier.requestHash !== requestHash) {
      throw new DomainError(ErrorReason.IDEMPOTENCY_KEY_REUSED, `idempotency key "${key}" was used before with other arguments`, { idempotency_key: key });
    }
    return codec.decode(earlier.response);
  }
  const result = await work();
  await tx.completeKey(key, codec.encode(result));
  return result;
}

/** A stable hash of the operation and its arguments (bigints as decimal strings). */
function hashOf(operation: string, args: unknown): string {
  const canonical = JSON.stringify([operation, args], (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  return createHash("sha256").update(canonical).digest("hex");
}
