import type { Client } from "@connectrpc/connect";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import type { GoldLedger } from "../core/gold-ledger.js";

/** Each inventory call of a saga step gets this long; the job's lease is several times longer. */
const callTimeoutMs = 3_000;

/** The ledger over inventory's internal API; the client is made on first use, so payment starts without inventory. */
export function createInventoryLedger(connect: () => Client<typeof InventoryInternalService>): GoldLedger {
  let client: Client<typeof InventoryInternalService> | undefined;
  const inventory = () => (client ??= connect());
  const options = { timeoutMs: callTimeoutMs };
  return {
    async grantGold(characterId, amount, idempotencyKey, reason) {
      await inventory().grantGold({ characterId, amount, idempotencyKey, reason }, options);
    },
    async clawbackGold(characterId, amount, idempotencyKey, reason) {
      const result = await inventory().clawbackGold({ characterId, amount, idempotencyKey, reason }, options);
      return { recovered: result.recovered, debtRecorded: result.debtRecorded };
    },
  };
}
