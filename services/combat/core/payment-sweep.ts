import type { Logger } from "pino";
import type { CastLog } from "../store/cast-log.js";
import type { ManaAndCooldowns, UnsettledPayment } from "../store/mana-and-cooldowns.js";

/** How many payments each way one sweep settled or gave back. */
export interface SweepResult {
  readonly refunded: number;
  readonly settled: number;
}

/**
 * Ends the payments still unsettled `olderThanMs` after they were made (their
 * own call lost them: combat died between paying and recording the cast, or its
 * database was away), by what the cast log says of their cast:
 * - not recorded: the hit was never asked for; refunded, cooldown included;
 * - recorded with another payment: a second payment of one cast (two retries of
 *   one key raced); refunded, the cooldown left to the cast that holds it;
 * - missed: player refused the hit and the refund was lost; refunded;
 * - hit: it stays spent; only its settlement was lost;
 * - pending: the re-driver ends the cast, and its payment with it.
 * Refunds are once only (Redis drops the payment as it refunds), so replicas may sweep together.
 *
 * `olderThanMs` must be longer than a cast's record can take to commit (the
 * pending-cast re-drive delay is): a record committing after its payment was
 * refunded as unrecorded would give a hit for free.
 */
export async function sweepLostPayments(resources: ManaAndCooldowns, casts: CastLog, options: { readonly olderThanMs: number; readonly limit: number }, logger: Pick<Logger, "info">): Promise<SweepResult> {
  const payments = await resources.unsettled(options.olderThanMs, options.limit);
  if (payments.length === 0) return { refunded: 0, settled: 0 };
  const recorded = await casts.paymentsOf([...new Set(payments.map((p) => p.castId))]);
  let refunded = 0;
  let settled = 0;
  const refund = async (payment: UnsettledPayment, clearCooldown: boolean, why: string) => {
    if (await resources.refund(payment.characterId, payment.price, payment.maxMana, payment, clearCooldown)) {
      refunded++;
      logger.info({ castId: payment.castId, casterCharacterId: payment.characterId, manaCost: payment.price.manaCost }, `refunded a lost payment: ${why}`);
    }
  };
  for (const payment of payments) {
    const cast = recorded.get(payment.castId);
    if (cast === undefined) await refund(payment, true, "its cast was never recorded");
    else if (cast.paymentId !== payment.paymentId) await refund(payment, false, "a second payment of one cast");
    else if (cast.state === "missed") await refund(payment, true, "its hit was refused");
    else if (cast.state === "done") {
      await resources.settle(payment.characterId, payment.paymentId);
      settled++;
    }
  }
  return { refunded, settled };
}
