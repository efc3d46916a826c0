import { createHash, randomUUID } from "node:crypto";

/**
 * The id of a new cast. With an idempotency key it is derived from (caster,
 * key), so a retried request hands player's ApplyDamage — idempotent by cast
 * id — the same id: a retry after a failure part-way (say combat's database
 * refused the record after the hit landed) lands the hit once, then records
 * it. Without a key every cast is new. The derived id is a UUIDv8 (RFC 9562:
 * custom, here SHA-256 based).
 */
export function castIdFor(casterCharacterId: string, idempotencyKey: string): string {
  if (idempotencyKey === "") return randomUUID();
  const bytes = createHash("sha256").update(`chaos.combat.cast\0${casterCharacterId.toLowerCase()}\0${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
