/** Inventory's ledger as payment's sagas use it; every call idempotent by its key. */
export interface GoldLedger {
  grantGold(characterId: string, amount: bigint, idempotencyKey: string, reason: string): Promise<void>;
  /** Takes the gold back; what the wallet lacks becomes its debt. */
  clawbackGold(characterId: string, amount: bigint, idempotencyKey: string, reason: string): Promise<{ recovered: bigint; debtRecorded: bigint }>;
}

/** The keys that make each ledger movement of an order happen once, whichever run (or replica) asks. */
export const grantKey = (orderId: string) => `payment:order:${orderId}`;
export const clawbackKey = (refundId: string) => `payment:clawback:${refundId}`;
