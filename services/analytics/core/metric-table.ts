import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { SchoolSchema } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { AccountRegisteredSchema, LoginSucceededSchema, SessionRefreshedSchema } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { GoldCreditedSchema, GoldDebitedSchema } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { LedgerEntryKind, LedgerEntryKindSchema } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { MatchCompletedSchema, MatchFoundSchema, TicketCreatedSchema } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { TradeCancelledSchema, TradeCompensatedSchema, TradeDeclinedSchema, TradeExpiredSchema, TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { ActionAppliedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKindSchema } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ChargebackReceivedSchema, ClawbackCompletedSchema, OrderFulfilledSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { RefundOriginSchema } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { enumLabel, from, metric, msBetween, remembers, type MetricDefinition, type Remembered, type Topic } from "./metric-definition.js";

const accounts: Topic = { domain: "identity", stream: "accounts" };
const casts: Topic = { domain: "combat", stream: "casts" };
const assets: Topic = { domain: "inventory", stream: "assets" };
const trades: Topic = { domain: "trading", stream: "trades" };
const tickets: Topic = { domain: "matchmaking", stream: "tickets" };
const matches: Topic = { domain: "matchmaking", stream: "matches" };
const orders: Topic = { domain: "payment", stream: "orders" };
const actions: Topic = { domain: "anticheat", stream: "actions" };

const { SUM, DISTINCT, MEAN } = Aggregation;
const kind = (k: LedgerEntryKind) => enumLabel(LedgerEntryKindSchema, k);
/** Gold that enters the economy from nowhere (the ledger's mint account), and that leaves it for good (its sink). */
const minting = new Set([LedgerEntryKind.GRANT, LedgerEntryKind.PURCHASE]);
const sinking = new Set([LedgerEntryKind.SPEND, LedgerEntryKind.CLAWBACK]);
/** Gold a wallet receives from another player: a gift, a guild bank withdrawal, a settled trade. */
const transferring = new Set([LedgerEntryKind.TRANSFER, LedgerEntryKind.ESCROW_TRANSFER]);

/** Lookup namespaces (see Recall): a cast's spell by cast id; when a character last queued, by character id. */
const castSpell = "cast-spell";
const queuedSince = "queued-since";
/** A fulfilled order's price, "<currency> <minor units>", by order id: a refund names the order, not the money. */
const orderPrice = "order-price";

/**
 * The metric catalog: every metric, with the event types it is counted from
 * and what each adds (time, dimensions, value). A new metric is one entry
 * here; its topics are then consumed (the manifest's `consumes` is derived
 * from this table) and a rebuild backfills it from the recorded events.
 */
export const metricTable: readonly MetricDefinition[] = [
  metric("identity.registrations", SUM, "accounts", [], "Accounts registered.", from(accounts, AccountRegisteredSchema, (e) => ({ time: e.registerTime }))),
  metric("identity.sessions", SUM, "sessions", ["mfa"], "Sessions started (successful logins).", from(accounts, LoginSucceededSchema, (e) => ({ time: e.loginTime, dimensions: { mfa: String(e.mfaUsed) } }))),
  metric(
    "players.active",
    DISTINCT,
    "players",
    [],
    "Players who logged in, refreshed a session or cast a spell: per day, the daily active players.",
    from(accounts, LoginSucceededSchema, (e) => ({ time: e.loginTime, member: e.accountId })),
    from(accounts, SessionRefreshedSchema, (e) => ({ time: e.refreshTime, member: e.accountId })),
    from(casts, SpellCastSchema, (e) => (e.casterPlayerId === "" ? undefined : { time: e.castTime, member: e.casterPlayerId })),
  ),
  metric("combat.casts", SUM, "casts", ["spell", "school"], "Successful spell casts.", from(casts, SpellCastSchema, (e) => ({ time: e.castTime, dimensions: { spell: e.spellId, school: enumLabel(SchoolSchema, e.school) } }))),
  metric("combat.damage", SUM, "health points", ["school"], "Damage dealt by hits.", from(casts, DamageDealtSchema, (e) => ({ time: e.dealtTime, dimensions: { school: enumLabel(SchoolSchema, e.school) }, value: BigInt(e.amount) }))),
  metric(
    "combat.defeats",
    SUM,
    "defeats",
    ["spell", "target"],
    "Characters and training targets brought to zero health, by the spell of the final hit.",
    from(casts, CharacterDefeatedSchema, async (e, recall) => ({
      time: e.defeatTime,
      dimensions: { spell: (await recall(castSpell, e.castId)) ?? "unknown", target: e.defeatedPlayerId === "" ? "training" : "player" },
    })),
  ),
  metric("inventory.gold_minted", SUM, "gold", ["kind"], "Gold created: grants and purchases.", from(assets, GoldCreditedSchema, (e) => (minting.has(e.kind) ? { time: e.creditTime, dimensions: { kind: kind(e.kind) }, value: e.amount } : undefined))),
  metric("inventory.gold_sunk", SUM, "gold", ["kind"], "Gold destroyed: spends and clawbacks.", from(assets, GoldDebitedSchema, (e) => (sinking.has(e.kind) ? { time: e.debitTime, dimensions: { kind: kind(e.kind) }, value: e.amount } : undefined))),
  metric(
    "inventory.gold_transferred",
    SUM,
    "gold",
    ["kind"],
    "Gold wallets received from other players: gifts, guild bank withdrawals, settled trades.",
    from(assets, GoldCreditedSchema, (e) => (transferring.has(e.kind) ? { time: e.creditTime, dimensions: { kind: kind(e.kind) }, value: e.amount } : undefined)),
  ),
  metric(
    "trading.trades",
    SUM,
    "trades",
    ["outcome"],
    "Trades that ended, by how.",
    from(trades, TradeSettledSchema, (e) => ({ time: e.trade?.updateTime, dimensions: { outcome: "settled" } })),
    from(trades, TradeCompensatedSchema, (e) => ({ time: e.trade?.updateTime, dimensions: { outcome: "compensated" } })),
    from(trades, TradeDeclinedSchema, (e) => ({ time: e.trade?.updateTime, dimensions: { outcome: "declined" } })),
    from(trades, TradeCancelledSchema, (e) => ({ time: e.trade?.updateTime, dimensions: { outcome: "cancelled" } })),
    from(trades, TradeExpiredSchema, (e) => ({ time: e.trade?.updateTime, dimensions: { outcome: "expired" } })),
  ),
  metric("trading.gold_traded", SUM, "gold", [], "Gold exchanged by settled trades (both sides).", from(trades, TradeSettledSchema, (e) => ({ time: e.trade?.updateTime, value: (e.trade?.offer?.gold ?? 0n) + (e.trade?.request?.gold ?? 0n) }))),
  metric("matchmaking.tickets", SUM, "tickets", ["queue", "region"], "Tickets queued (a solo player or a party).", from(tickets, TicketCreatedSchema, (e) => ({ time: e.ticket?.createTime, dimensions: { queue: e.ticket?.queueId ?? "", region: e.ticket?.region ?? "" } }))),
  metric("matchmaking.matches_found", SUM, "matches", ["queue"], "Matches proposed (ready checks started).", from(matches, MatchFoundSchema, (e) => ({ time: e.match?.createTime, dimensions: { queue: e.match?.queueId ?? "" } }))),
  metric(
    "matchmaking.matches_completed",
    SUM,
    "matches",
    ["queue", "result"],
    "Matches played to a result.",
    from(matches, MatchCompletedSchema, (e) => ({ time: e.completeTime, dimensions: { queue: e.queueId, result: e.draw ? "draw" : "win" } })),
  ),
  metric(
    "matchmaking.wait",
    MEAN,
    "milliseconds",
    ["queue"],
    "How long players waited from queueing to their match being found (one sample per player).",
    from(matches, MatchFoundSchema, async (e, recall) => {
      const match = e.match;
      if (match === undefined) return undefined;
      const waits = [];
      for (const characterId of match.teams.flatMap((team) => team.characterIds)) {
        const since = await recall(queuedSince, characterId);
        const waited = since === undefined || match.createTime === undefined ? undefined : msBetween(timestampFromMs(Number(since)), match.createTime);
        if (waited !== undefined) waits.push({ time: match.createTime, dimensions: { queue: match.queueId }, value: waited });
      }
      return waits;
    }),
  ),
  metric(
    "payment.revenue",
    SUM,
    "minor units",
    ["currency", "product"],
    "Money taken for fulfilled orders, in minor units (cents) of each currency: never add two currencies.",
    from(orders, OrderFulfilledSchema, (e) =>
      e.order?.price === undefined ? undefined : { time: e.fulfilTime, dimensions: { currency: e.order.price.currency, product: e.order.productId }, value: e.order.price.amountMinor },
    ),
  ),
  metric(
    "payment.refunded",
    SUM,
    "minor units",
    ["currency", "origin"],
    "Money of orders refunded (player refunds, provider refunds, chargebacks) once their gold was clawed back, in minor units of each currency.",
    from(orders, ClawbackCompletedSchema, async (e, recall) => {
      const price = e.refund === undefined ? undefined : await recall(orderPrice, e.refund.orderId);
      if (price === undefined) return undefined;
      const [currency = "", amount = "0"] = price.split(" ");
      return { time: e.completeTime, dimensions: { currency, origin: enumLabel(RefundOriginSchema, e.refund!.origin) }, value: BigInt(amount) };
    }),
  ),
  metric("payment.chargebacks", SUM, "minor units", ["currency"], "Money disputed by payers' banks, in minor units of each currency.", from(orders, ChargebackReceivedSchema, (e) => ({ time: e.receiveTime, dimensions: { currency: e.amount?.currency ?? "" }, value: e.amount?.amountMinor ?? 0n }))),
  metric(
    "anticheat.actions",
    SUM,
    "actions",
    ["kind", "by"],
    "Anticheat actions applied (flags, trade restrictions, suspensions, bans), automatic or by a moderator.",
    from(actions, ActionAppliedSchema, (e) => ({ time: e.action?.applyTime, dimensions: { kind: enumLabel(ActionKindSchema, e.action?.kind ?? 0), by: e.action?.appliedBy === "auto" ? "auto" : "moderator" } })),
  ),
];

/** What events leave for later ones (see Recall). */
export const rememberedTable: readonly Remembered[] = [
  remembers(casts, SpellCastSchema, (e) => [[castSpell, e.castId, e.spellId]]),
  remembers(orders, OrderFulfilledSchema, (e) => (e.order?.price === undefined ? [] : [[orderPrice, e.order.orderId, `${e.order.price.currency} ${e.order.price.amountMinor}`]])),
  remembers(tickets, TicketCreatedSchema, (e) => (e.ticket?.createTime === undefined ? [] : e.ticket.characterIds.map((id) => [queuedSince, id, String(timestampMs(e.ticket!.createTime!))] as const))),
];
