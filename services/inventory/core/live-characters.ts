import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetReads } from "../store/asset-store.js";

/**
 * Refuses with CHARACTER_NOT_FOUND (naming the first one) unless every
 * character is known here and not deleted: gold or items given to an id
 * nobody plays would be stranded, and a deleted character neither receives
 * nor gives.
 */
export async function requireLive(reads: AssetReads, characterIds: readonly string[]): Promise<void> {
  if (characterIds.length === 0) return;
  const live = await reads.liveCharacters(characterIds);
  const missing = characterIds.find((id) => !live.has(id));
  if (missing !== undefined) {
    throw new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "no such character, or it was deleted", { character_id: missing });
  }
}
