import { genesisHash, recordHash } from "./canonical-form.js";
import type { AuditRecord, ChainBreak, ChainHead } from "./audit-record.js";

/** Follows one partition's records in sequence order and names the first link that does not hold. */
export interface ChainCheck {
  /** The break this record shows, if any (then stop feeding). */
  next(record: AuditRecord): ChainBreak | undefined;
  /** After the partition's last record: a break when the head says records are missing at the end. */
  end(head: ChainHead | undefined): ChainBreak | undefined;
}

/**
 * Checks a chain from `fromSequence` (1: from its genesis; later: the first
 * record's previous_hash is taken as given). Three things must hold for
 * every record: its sequence follows the last one's, its previous_hash is
 * the last one's hash, and its hash is that of its canonical form. So an
 * edited record is named by its own hash; one edited with its hash
 * recomputed is named by the next record's previous_hash; a removed one by
 * the gap.
 */
export function createChainCheck(partition: string, fromSequence = 1n): ChainCheck {
  let expected = fromSequence < 1n ? 1n : fromSequence;
  let previous: string | undefined = expected === 1n ? genesisHash : undefined;
  const broken = (sequence: bigint, problem: string): ChainBreak => ({ partition, sequence, problem });
  return {
    next(record) {
      if (record.sequence !== expected) return broken(expected, `sequence ${expected} is missing (the next record is ${record.sequence})`);
      if (previous !== undefined && record.previousHash !== previous) {
        return broken(record.sequence, record.sequence === 1n ? "previous_hash is not the genesis hash" : `previous_hash does not match the hash of sequence ${record.sequence - 1n}`);
      }
      if (recordHash(record) !== record.hash) return broken(record.sequence, "hash does not match the record's content");
      previous = record.hash;
      expected += 1n;
      return undefined;
    },
    end(head) {
      const last = expected - 1n;
      if (head === undefined || head.sequence <= last) return undefined;
      return broken(expected, `records ${expected} to ${head.sequence} are missing (the partition's head is at ${head.sequence})`);
    },
  };
}
