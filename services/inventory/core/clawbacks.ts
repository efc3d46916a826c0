import { randomUUID } from "node:crypto";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { AssetStore } from "../store/asset-store.js";
import type { WalletRecord } from "./asset-records.js";
import { goldDebtChanged } from "./asset-events.js";
import type { GoldRequest } from "./grants.js";
import { moveGold } from "./gold-movements.js";
import { jsonResult, once } from "./idempotency.js";
import { sinkAccount, walletAccount } from "./ledger-accounts.js";

/** What a clawback took and what it left owing. */
export interface ClawbackRecord {
  readonly wallet: WalletRecord;
  readonly recovered: bigint;
  readonly debtRecorded: bigint;
}

/** Gold taken back for a refunded purchase (payment's clawback saga). */
export interface Clawbacks {
  clawbackGold(request: GoldRequest): Promise<ClawbackRecord>;
}

const clawbackResult = jsonResult<ClawbackRecord>();

/**
 * Takes what the wallet holds, up to the amount, into the sink (a CLAWBACK
 * entry) and records the rest as the wallet's debt, both under the wallet's
 * lock and once per key: a saga that crashed after the call and calls again
 * gets the first answer, and nothing is taken twice. A deleted character's
 * wallet is clawed back too: the money was refunded all the same.
 */
export function createClawbacks(store: AssetStore): Clawbacks {
  return {
    clawbackGold: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "clawback_gold", [request.characterId, request.amount, request.reason], clawbackResult, async () => {
          const { characterId, amount } = request;
          const wallet = walletAccount(characterId);
          const at = new Date();
          await tx.lockAccount(wallet);
          const balance = await tx.balance(wallet);
          const recovered = balance < amount ? balance : amount;
          const events = [];
          if (recovered > 0n) events.push(...(await moveGold(tx, { kind: LedgerEntryKind.CLAWBACK, from: wallet, to: sinkAccount, amount: recovered }, at)).events);
          const debtRecorded = amount - recovered;
          if (debtRecorded > 0n) events.push(goldDebtChanged(characterId, debtRecorded, await tx.addDebt(wallet, debtRecorded), randomUUID(), at));
          await tx.publish(events);
          return { wallet: { characterId, ...(await tx.wallet(characterId)) }, recovered, debtRecorded };
        }),
      ),
  };
}
