import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { CharacterDefeatedSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { LoginSucceededSchema } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { GoldCreditedSchema, GoldDebitedSchema } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { MatchFoundSchema, TicketCreatedSchema } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { ActionAppliedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ClawbackCompletedSchema, OrderFulfilledSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { RefundOrigin } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { Contribution } from "./metric-definition.js";
import { metricTable, rememberedTable } from "./metric-table.js";

const at = (iso: string) => timestampFromDate(new Date(iso));

/** What `event` adds to each metric, with `lookups` standing for what earlier events left. */
async function contributionsOf<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>, lookups: Record<string, string> = {}) {
  const message = create(schema, init);
  const recall = async (namespace: string, key: string) => lookups[`${namespace}/${key}`];
  const found: Record<string, Contribution[]> = {};
  for (const metric of metricTable) {
    for (const source of metric.sources.filter((s) => s.schema.typeName === schema.typeName)) {
      const result = await source.contribute(message as never, recall);
      const list = result === undefined ? [] : Array.isArray(result) ? result : [result as Contribution];
      if (list.length > 0) (found[metric.name] ??= []).push(...list);
    }
  }
  return found;
}

/** What `event` leaves for later events, as "namespace/key" → value. */
function rememberedBy<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): Record<string, string> {
  const message = create(schema, init);
  return Object.fromEntries(rememberedTable.filter((r) => r.schema.typeName === schema.typeName).flatMap((r) => r.remember(message as never).map(([ns, key, value]) => [`${ns}/${key}`, value])));
}

describe("the metric table", () => {
  it("names each metric once, and every dimension a source emits is one the catalog lists", async () => {
    const names = metricTable.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const metric of metricTable) {
      expect(metric.sources.length).toBeGreaterThan(0);
      expect(metric.description).not.toBe("");
    }
    const cast = await contributionsOf(SpellCastSchema, { castId: "c1", casterPlayerId: "p1", spellId: "fireball", school: School.FIRE, castTime: at("2026-12-02T10:20:00Z") });
    for (const [name, contributions] of Object.entries(cast)) {
      const dimensions = metricTable.find((m) => m.name === name)!.dimensions;
      for (const c of contributions) for (const key of Object.keys(c.dimensions ?? {})) expect(dimensions).toContain(key);
    }
  });

  it("counts a cast once by spell and school, and its caster as an active player", async () => {
    const cast = await contributionsOf(SpellCastSchema, { castId: "c1", casterPlayerId: "p1", spellId: "fireball", school: School.FIRE, castTime: at("2026-12-02T10:20:00Z") });
    expect(cast["combat.casts"]).toEqual([{ time: at("2026-12-02T10:20:00Z"), dimensions: { spell: "fireball", school: "fire" } }]);
    expect(cast["players.active"]).toEqual([{ time: at("2026-12-02T10:20:00Z"), member: "p1" }]);
    expect(metricTable.find((m) => m.name === "players.active")!.aggregation).toBe(Aggregation.DISTINCT);
  });

  it("gives a defeat the spell of the cast that caused it, remembered from the SpellCast", async () => {
    const remembered = rememberedBy(SpellCastSchema, { castId: "c9", spellId: "arcane_bolt" });
    expect(remembered).toEqual({ "cast-spell/c9": "arcane_bolt" });
    const defeat = await contributionsOf(CharacterDefeatedSchema, { castId: "c9", defeatedPlayerId: "", defeatTime: at("2026-12-02T10:21:00Z") }, remembered);
    expect(defeat["combat.defeats"]).toEqual([{ time: at("2026-12-02T10:21:00Z"), dimensions: { spell: "arcane_bolt", target: "training" } }]);
    const orphan = await contributionsOf(CharacterDefeatedSchema, { castId: "c10", defeatedPlayerId: "p2" });
    expect(orphan["combat.defeats"]![0]!.dimensions).toEqual({ spell: "unknown", target: "player" });
  });

  it("tells minted, sunk and transferred gold apart by the ledger entry's kind, and ignores escrow moves", async () => {
    const credited = (kind: LedgerEntryKind) => contributionsOf(GoldCreditedSchema, { amount: 40n, kind });
    const debited = (kind: LedgerEntryKind) => contributionsOf(GoldDebitedSchema, { amount: 15n, kind });
    expect(await credited(LedgerEntryKind.GRANT)).toEqual({ "inventory.gold_minted": [{ time: undefined, dimensions: { kind: "grant" }, value: 40n }] });
    expect(await credited(LedgerEntryKind.PURCHASE)).toEqual({ "inventory.gold_minted": [{ time: undefined, dimensions: { kind: "purchase" }, value: 40n }] });
    expect(await credited(LedgerEntryKind.ESCROW_TRANSFER)).toEqual({ "inventory.gold_transferred": [{ time: undefined, dimensions: { kind: "escrow_transfer" }, value: 40n }] });
    expect(await credited(LedgerEntryKind.ESCROW_RELEASE)).toEqual({});
    expect(await debited(LedgerEntryKind.SPEND)).toEqual({ "inventory.gold_sunk": [{ time: undefined, dimensions: { kind: "spend" }, value: 15n }] });
    expect(await debited(LedgerEntryKind.CLAWBACK)).toEqual({ "inventory.gold_sunk": [{ time: undefined, dimensions: { kind: "clawback" }, value: 15n }] });
    expect(await debited(LedgerEntryKind.ESCROW_HOLD)).toEqual({});
    expect(await debited(LedgerEntryKind.TRANSFER)).toEqual({});
  });

  it("measures each matched player's wait from when their ticket was queued", async () => {
    const remembered = rememberedBy(TicketCreatedSchema, { ticket: { ticketId: "t1", queueId: "duel", characterIds: ["a", "b"], createTime: at("2026-12-02T10:00:00Z") } });
    const found = await contributionsOf(
      MatchFoundSchema,
      { match: { matchId: "m1", queueId: "duel", teams: [{ characterIds: ["a", "b"] }, { characterIds: ["c"] }], createTime: at("2026-12-02T10:00:12.5Z") } },
      remembered,
    );
    // "c" queued before analytics saw it (or its ticket is not read yet): no sample rather than a made-up one.
    expect(found["matchmaking.wait"]).toEqual([
      { time: at("2026-12-02T10:00:12.5Z"), dimensions: { queue: "duel" }, value: 12_500n },
      { time: at("2026-12-02T10:00:12.5Z"), dimensions: { queue: "duel" }, value: 12_500n },
    ]);
    expect(found["matchmaking.matches_found"]).toEqual([{ time: at("2026-12-02T10:00:12.5Z"), dimensions: { queue: "duel" } }]);
  });

  it("counts revenue per currency from fulfilled orders, and a refund at its order's price", async () => {
    const order = { orderId: "o1", productId: "pouch", price: { currency: "EUR", amountMinor: 499n } };
    const fulfilled = await contributionsOf(OrderFulfilledSchema, { order, fulfilTime: at("2026-12-02T11:00:00Z") });
    expect(fulfilled["payment.revenue"]).toEqual([{ time: at("2026-12-02T11:00:00Z"), dimensions: { currency: "EUR", product: "pouch" }, value: 499n }]);
    const remembered = rememberedBy(OrderFulfilledSchema, { order });
    const refunded = await contributionsOf(ClawbackCompletedSchema, { refund: { orderId: "o1", origin: RefundOrigin.CHARGEBACK }, completeTime: at("2026-12-03T08:00:00Z") }, remembered);
    expect(refunded["payment.refunded"]).toEqual([{ time: at("2026-12-03T08:00:00Z"), dimensions: { currency: "EUR", origin: "chargeback" }, value: 499n }]);
  });

  it("counts anticheat actions by kind, automatic or by a moderator", async () => {
    const auto = await contributionsOf(ActionAppliedSchema, { action: { kind: ActionKind.SUSPENSION, appliedBy: "auto" } });
    const manual = await contributionsOf(ActionAppliedSchema, { action: { kind: ActionKind.BAN, appliedBy: "3f1c0e7a-0000-4000-8000-000000000000" } });
    expect(auto["anticheat.actions"]![0]!.dimensions).toEqual({ kind: "suspension", by: "auto" });
    expect(manual["anticheat.actions"]![0]!.dimensions).toEqual({ kind: "ban", by: "moderator" });
  });

  it("counts a login as a session and its account as active", async () => {
    const login = await contributionsOf(LoginSucceededSchema, { accountId: "p1", mfaUsed: true, loginTime: at("2026-12-02T09:00:00Z") });
    expect(login).toEqual({
      "identity.sessions": [{ time: at("2026-12-02T09:00:00Z"), dimensions: { mfa: "true" } }],
      "players.active": [{ time: at("2026-12-02T09:00:00Z"), member: "p1" }],
    });
  });
});
