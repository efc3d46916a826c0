import { createHash } from "node:crypto";

/**
 * The signal id of `rule` applied to the source event `sourceEventId`: a
 * name-based UUID (version 5 layout over SHA-1), so a redelivered event, or
 * the same event seen again by the same rule, makes the same id and no
 * second signal.
 */
export function signalIdOf(sourceEventId: string, rule: string): string {
  const hash = createHash("sha1").update(`chaos.anticheat.v1/${rule}/${sourceEventId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
