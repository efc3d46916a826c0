import type pg from "pg";
import { appendToOutbox, enqueueJobs, type JobRequest } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { OrderRecord, RefundRecord } from "../core/payment-records.js";
import type { OrderChange, PaymentJob, PaymentJobs, PaymentReads, PaymentStore, PaymentTransaction, RefundChange, StoredProviderEvent } from "../core/payment-store.js";

interface OrderRow {
  order_id: string;
  account_id: string;
  character_id: string;
  product_id: string;
  gold: string;
  amount_minor: string;
  currency: string;
  state: OrderRecord["status"];
  idempotency_key: string;
  checkout_session_id: string | null;
  checkout_url: string;
  payment_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  fulfilled_at: Date | null;
}

interface RefundRow {
  refund_id: string;
  order_id: string;
  account_id: string;
  character_id: string;
  origin: RefundRecord["origin"];
  state: RefundRecord["status"];
  reason: string;
  gold: string;
  gold_recovered: string;
  debt_recorded: string;
  decision_note: string;
  provider_event_id: string;
  provider_refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toOrder = (r: OrderRow): OrderRecord => ({
  orderId: r.order_id,
  accountId: r.account_id,
  characterId: r.character_id,
  productId: r.product_id,
  gold: BigInt(r.gold),
  amountMinor: BigInt(r.amount_minor),
  currency: r.currency,
  status: r.state,
  idempotencyKey: r.idempotency_key,
  checkoutSessionId: r.checkout_session_id ?? undefined,
  checkoutUrl: r.checkout_url,
  paymentId: r.payment_id ?? undefined,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
  fulfilledAt: r.fulfilled_at ?? undefined,
});

const toRefund = (r: RefundRow): RefundRecord => ({
  refundId: r.refund_id,
  orderId: r.order_id,
  accountId: r.account_id,
  characterId: r.character_id,
  origin: r.origin,
  status: r.state,
  reason: r.reason,
  gold: BigInt(r.gold),
  goldRecovered: BigInt(r.gold_recovered),
  debtRecorded: BigInt(r.debt_recorded),
  decisionNote: r.decision_note,
  providerEventId: r.provider_event_id,
  providerRefundedAt: r.provider_refunded_at ?? undefined,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toJob = (job: PaymentJob): JobRequest<PaymentJobs> =>
  job.kind === "clawback"
    ? { key: `clawback:${job.id}`, kind: "clawback", payload: { refundId: job.id }, dueAt: job.at }
    : { key: `${job.kind}:${job.id}`, kind: job.kind, payload: { orderId: job.id }, dueAt: job.at };

type Queryable = pg.Pool | pg.PoolClient;

function reads(q: Queryable): PaymentReads {
  return {
    async order(orderId) {
      const { rows } = await q.query<OrderRow>("SELECT * FROM orders WHERE order_id = $1", [orderId]);
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    async refund(refundId) {
      const { rows } = await q.query<RefundRow>("SELECT * FROM refunds WHERE refund_id = $1", [refundId]);
      return rows[0] === undefined ? undefined : toRefund(rows[0]);
    },
    async refundOfOrder(orderId) {
      const { rows } = await q.query<RefundRow>("SELECT * FROM refunds WHERE order_id = $1", [orderId]);
      return rows[0] === undefined ? undefined : toRefund(rows[0]);
    },
    async ordersOf(accountId, cursor, limit) {
      const { rows } = await q.query<OrderRow>(
        `SELECT * FROM orders WHERE account_id = $1 AND ($2::timestamptz IS NULL OR (created_at, order_id) < ($2, $3::uuid))
         ORDER BY created_at DESC, order_id DESC LIMIT $4`,
        [accountId, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
      );
      return rows.map(toOrder);
    },
    async refunds(accountId, status, cursor, limit) {
      const { rows } = await q.query<RefundRow>(
        `SELECT * FROM refunds WHERE ($1::uuid IS NULL OR account_id = $1) AND ($2::text IS NULL OR state = $2)
           AND ($3::timestamptz IS NULL OR (created_at, refund_id) < ($3, $4::uuid))
         ORDER BY created_at DESC, refund_id DESC LIMIT $5`,
        [accountId ?? null, status ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
      );
      return rows.map(toRefund);
    },
    async ownerOf(characterId) {
      const { rows } = await q.query<{ player_id: string }>("SELECT player_id FROM characters WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
      return rows[0]?.player_id;
    },
  };
}

/** Payment's orders, refunds and provider events in PostgreSQL; `source` is the ce_source of its events. */
export function createPaymentStore(db: Database, source: string): PaymentStore & { within(client: pg.PoolClient): PaymentTransaction } {
  const within = (client: pg.PoolClient): PaymentTransaction => ({
    ...reads(client),
    async lockOrder(orderId) {
      const { rows } = await client.query<OrderRow>("SELECT * FROM orders WHERE order_id = $1 FOR UPDATE", [orderId]);
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    async lockOrderByPayment(paymentId) {
      const { rows } = await client.query<OrderRow>("SELECT * FROM orders WHERE payment_id = $1 FOR UPDATE", [paymentId]);
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    async lockPayment(paymentId) {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`payment:${paymentId}`]);
    },
    async lockRefund(refundId) {
      const { rows } = await client.query<RefundRow>("SELECT * FROM refunds WHERE refund_id = $1 FOR UPDATE", [refundId]);
      return rows[0] === undefined ? undefined : toRefund(rows[0]);
    },
    async orderByKey(accountId, idempotencyKey) {
      const { rows } = await client.query<OrderRow>("SELECT * FROM orders WHERE account_id = $1 AND idempotency_key = $2", [accountId, idempotencyKey]);
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    async pendingOrderCount(accountId) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE account_id = $1 AND state = 'pending'", [accountId]);
      return rows[0]!.n;
    },
    async insertOrder(order) {
      const { rows } = await client.query<OrderRow>(
        `INSERT INTO orders (order_id, account_id, character_id, product_id, gold, amount_minor, currency, state, idempotency_key, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING *`,
        [order.orderId, order.accountId, order.characterId, order.productId, order.gold.toString(), order.amountMinor.toString(), order.currency, order.idempotencyKey, order.expiresAt],
      );
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    async updateOrder(orderId, change: OrderChange) {
      const { rows } = await client.query<OrderRow>(
        `UPDATE orders SET state = coalesce($2, state), checkout_session_id = coalesce($3, checkout_session_id), checkout_url = coalesce($4, checkout_url),
           payment_id = coalesce($5, payment_id), fulfilled_at = coalesce($6, fulfilled_at), updated_at = now()
         WHERE order_id = $1 RETURNING *`,
        [orderId, change.status ?? null, change.checkoutSessionId ?? null, change.checkoutUrl ?? null, change.paymentId ?? null, change.fulfilledAt ?? null],
      );
      if (rows[0] === undefined) throw new Error(`order ${orderId} is not there to update`);
      return toOrder(rows[0]);
    },
    async insertRefund(refund) {
      const { rows } = await client.query<RefundRow>(
        `INSERT INTO refunds (refund_id, order_id, account_id, character_id, origin, state, reason, gold, provider_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [refund.refundId, refund.orderId, refund.accountId, refund.characterId, refund.origin, refund.status, refund.reason, refund.gold.toString(), refund.providerEventId],
      );
      return toRefund(rows[0]!);
    },
    async updateRefund(refundId, change: RefundChange) {
      const { rows } = await client.query<RefundRow>(
        `UPDATE refunds SET state = coalesce($2, state), gold_recovered = coalesce($3, gold_recovered), debt_recorded = coalesce($4, debt_recorded),
           decision_note = coalesce($5, decision_note), provider_refunded_at = coalesce($6, provider_refunded_at), updated_at = now()
         WHERE refund_id = $1 RETURNING *`,
        [refundId, change.status ?? null, change.goldRecovered?.toString() ?? null, change.debtRecorded?.toString() ?? null, change.decisionNote ?? null, change.providerRefundedAt ?? null],
      );
      if (rows[0] === undefined) throw new Error(`refund ${refundId} is not there to update`);
      return toRefund(rows[0]);
    },
    async claimProviderEvent(event) {
      const inserted = await client.query(
        "INSERT INTO provider_events (event_id, type, body, status, waiting_for) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
        [event.eventId, event.type, event.body, event.status, event.waitingFor ?? null],
      );
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await client.query<{ event_id: string; type: string; body: string; status: StoredProviderEvent["status"] }>(
        "SELECT event_id, type, body, status FROM provider_events WHERE event_id = $1 FOR UPDATE",
        [event.eventId],
      );
      const row = rows[0]!;
      return { eventId: row.event_id, type: row.type, body: row.body, status: row.status };
    },
    async markProviderEvent(eventId, status, waitingFor) {
      await client.query("UPDATE provider_events SET status = $2, waiting_for = $3, applied_at = CASE WHEN $2 = 'applied' THEN now() END WHERE event_id = $1", [
        eventId,
        status,
        waitingFor ?? null,
      ]);
    },
    async parkedFor(paymentId) {
      const { rows } = await client.query<{ event_id: string; type: string; body: string }>(
        "SELECT event_id, type, body FROM provider_events WHERE waiting_for = $1 AND status = 'parked' ORDER BY received_at FOR UPDATE",
        [paymentId],
      );
      return rows.map((r) => ({ eventId: r.event_id, type: r.type, body: r.body, status: "parked" as const }));
    },
    async recordCharacter(characterId, playerId) {
      await client.query("INSERT INTO characters (character_id, player_id) VALUES ($1, $2) ON CONFLICT (character_id) DO NOTHING", [characterId, playerId]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
    schedule: (jobs) => enqueueJobs<PaymentJobs>(client, jobs.map(toJob)),
  });
  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
