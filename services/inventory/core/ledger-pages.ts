import type { AssetReads } from "../store/asset-store.js";
import type { LedgerEntryRecord } from "./asset-records.js";

/** A page of ledger entries and where the next one starts. */
export interface LedgerPage {
  readonly entries: readonly LedgerEntryRecord[];
  /** The seq to continue below, or undefined on the last page. */
  readonly nextBeforeSeq: bigint | undefined;
}

/** The account's entries, newest first, `pageSize` at most, older than `beforeSeq` when given. */
export async function ledgerPage(reads: AssetReads, account: string, beforeSeq: bigint | undefined, pageSize: number): Promise<LedgerPage> {
  // One row more than the page tells whether another page follows.
  const rows = await reads.ledgerPage(account, beforeSeq, pageSize + 1);
  const entries = rows.slice(0, pageSize);
  return { entries, nextBeforeSeq: rows.length > pageSize ? entries.at(-1)?.seq : undefined };
}
