import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, inject, it } from "vitest";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind, ActionState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { publishedAction } from "../../../scripts/test/anticheat-actions.js";
import { TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { topicName } from "@chaos/mesh";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish } from "../../../scripts/test/topic-events.js";
import { createHero, type Hero } from "./heroes.js";

// Anticheat is not in the stack: its action events are published as its relay would.
const stack = useStack(["identity", "player", "inventory", "trading"], { env: { CHAOS_TRADING_PROPOSALS_PER_MINUTE: "600" } });
const trading = () => stack.operator.client(TradingService, "trading");
const anticheatSource = "spiffe://chaos.world/ns/chaos/sa/anticheat";

function actionEvent(lifted: boolean, playerId: string, kind: ActionKind, actionId: string) {
  const action = publishedAction({ actionId, playerId, kind, state: lifted ? ActionState.OVERTURNED : ActionState.ACTIVE, appliedBy: "auto" });
  const topic = `${stack.world}.${topicName("anticheat", "actions")}`;
  return lifted
    ? cloudEvent(topic, anticheatSource, playerId, ActionLiftedSchema, create(ActionLiftedSchema, { action }))
    : cloudEvent(topic, anticheatSource, playerId, ActionAppliedSchema, create(ActionAppliedSchema, { action }));
}

const offerGold = (from: Hero, to: Hero, gold: bigint) =>
  trading().proposeTrade({ proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: { gold }, request: {}, idempotencyKey: randomUUID() }, from.player.asPlayer);

/** Polled every half second: the consumer needs a moment, and each attempt is an offer. */
const slowly = <T>(probe: () => Promise<T>) => async () => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return probe();
};

describe("trading enforces anti-cheat's trade restrictions", () => {
  it("refuses offers from and to a restricted player, and the acceptance of an older offer, naming the character; lifted, trading works again", async () => {
    const cheater = await createHero(stack);
    const other = await createHero(stack);
    const earlier = await offerGold(other, cheater, 10n);
    const actionId = randomUUID();
    await publish(inject("infra").kafka, [actionEvent(false, cheater.player.accountId, ActionKind.TRADE_RESTRICTION, actionId)]);

    const fromCheater = await eventually(slowly(() => refusalOf(offerGold(cheater, other, 1n))), (r) => r.reason === "ERROR_REASON_TRADING_RESTRICTED");
    expect(fromCheater).toMatchObject({ code: Code.PermissionDenied, metadata: { character_id: cheater.characterId } });
    expect(await refusalOf(offerGold(other, cheater, 1n))).toMatchObject({ reason: "ERROR_REASON_TRADING_RESTRICTED", metadata: { character_id: cheater.characterId } });
    expect((await refusalOf(trading().acceptTrade({ tradeId: earlier.trade!.tradeId }, cheater.player.asPlayer))).reason).toBe("ERROR_REASON_TRADING_RESTRICTED");

    await publish(inject("infra").kafka, [actionEvent(true, cheater.player.accountId, ActionKind.TRADE_RESTRICTION, actionId)]);
    const settled = await eventually(
      slowly(() => trading().acceptTrade({ tradeId: earlier.trade!.tradeId }, cheater.player.asPlayer).catch(() => ({ trade: undefined }))),
      (r) => r.trade !== undefined,
    );
    expect(settled.trade?.state).toBe(TradeState.SETTLED);
  });

  it("lets a flagged player trade: a flag is for moderators' eyes only", async () => {
    const flagged = await createHero(stack);
    const other = await createHero(stack);
    const restricted = randomUUID();
    await publish(inject("infra").kafka, [
      actionEvent(false, flagged.player.accountId, ActionKind.FLAG, randomUUID()),
      // Restricted and lifted after the flag on the player's partition: once offers are refused, the flag was consumed.
      actionEvent(false, flagged.player.accountId, ActionKind.TRADE_RESTRICTION, restricted),
    ]);
    await eventually(slowly(() => refusalOf(offerGold(flagged, other, 1n))), (r) => r.reason === "ERROR_REASON_TRADING_RESTRICTED");
    await publish(inject("infra").kafka, [actionEvent(true, flagged.player.accountId, ActionKind.TRADE_RESTRICTION, restricted)]);
    const offered = await eventually(slowly(() => offerGold(flagged, other, 1n).catch(() => ({ trade: undefined }))), (r) => r.trade !== undefined);
    expect(offered.trade?.state).toBe(TradeState.PROPOSED);
  });
});
