import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind, ActionState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { publishedAction } from "../../../scripts/test/anticheat-actions.js";
import { signUp } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { cloudEvent, eventually, publish } from "../../../scripts/test/topic-events.js";
import { useInventoryStack } from "./inventory-stack.js";

const { stack, inventory, internal, brokers, worldTopic, newCharacter } = useInventoryStack();
// Anticheat is not in the stack: its action events are published as its relay would.
const anticheatSource = "spiffe://chaos.world/ns/chaos/sa/anticheat";

function actionEvent(lifted: boolean, playerId: string, kind: ActionKind, actionId: string) {
  const action = publishedAction({ actionId, playerId, kind, state: lifted ? ActionState.OVERTURNED : ActionState.ACTIVE, appliedBy: "auto" });
  const topic = worldTopic("anticheat", "actions");
  return lifted
    ? cloudEvent(topic, anticheatSource, playerId, ActionLiftedSchema, create(ActionLiftedSchema, { action }))
    : cloudEvent(topic, anticheatSource, playerId, ActionAppliedSchema, create(ActionAppliedSchema, { action }));
}

const balanceOf = async (characterId: string) => (await internal().getAccountBalance({ account: { owner: { case: "characterId", value: characterId } } })).balance;

/** Polled every half second: the consumer needs a moment, and each attempt is a gift. */
const slowly = <T>(probe: () => Promise<T>) => async () => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return probe();
};

describe("SendGold enforces anti-cheat's restrictions (real processes: identity + inventory)", () => {
  it("refuses a gift from or to a restricted player, naming the character and moving nothing; lifted, gifts work again", async () => {
    const cheater = await signUp(stack);
    const other = await signUp(stack);
    const mule = await newCharacter(cheater);
    const friend = await newCharacter(other);
    const send = (player: typeof cheater, from: string, to: string, amount: bigint) =>
      inventory().sendGold({ fromCharacterId: from, toCharacterId: to, amount, idempotencyKey: randomUUID() }, player.asPlayer);

    const actionId = randomUUID();
    await publish(brokers(), [actionEvent(false, cheater.accountId, ActionKind.TRADE_RESTRICTION, actionId)]);
    const fromCheater = await eventually(slowly(() => refusalOf(send(cheater, mule, friend, 10n))), (r) => r.reason === "ERROR_REASON_GOLD_TRANSFER_RESTRICTED");
    expect(fromCheater).toMatchObject({ code: Code.PermissionDenied, metadata: { character_id: mule } });
    expect(await refusalOf(send(other, friend, mule, 10n))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_GOLD_TRANSFER_RESTRICTED",
      metadata: { character_id: mule },
    });
    // Nothing moved either way: both still hold their starter gold.
    expect([await balanceOf(mule), await balanceOf(friend)]).toEqual([100n, 100n]);
    // Services' own moves are not gifts: their sagas are gated where they start.
    await internal().grantGold({ characterId: mule, amount: 5n, idempotencyKey: randomUUID(), reason: "quest" });
    expect(await balanceOf(mule)).toBe(105n);

    await publish(brokers(), [actionEvent(true, cheater.accountId, ActionKind.TRADE_RESTRICTION, actionId)]);
    const sent = await eventually(slowly(() => send(cheater, mule, friend, 10n).catch(() => ({ wallet: undefined }))), (r) => r.wallet !== undefined);
    expect(sent.wallet).toMatchObject({ characterId: mule, balance: 95n });
    expect((await send(other, friend, mule, 20n)).wallet).toMatchObject({ characterId: friend, balance: 90n });
    expect([await balanceOf(mule), await balanceOf(friend)]).toEqual([115n, 90n]);
  });

  it("refuses a gift to a suspended or banned player's character; a flag, or a ban that has expired, bars nothing", async () => {
    const giver = await signUp(stack);
    const suspended = await signUp(stack);
    const banned = await signUp(stack);
    const flagged = await signUp(stack);
    const [from, toSuspended, toBanned, toFlagged] = await Promise.all([giver, suspended, banned, flagged].map(newCharacter));
    const gift = (to: string) => inventory().sendGold({ fromCharacterId: from!, toCharacterId: to, amount: 1n, idempotencyKey: randomUUID() }, giver.asPlayer);

    const restricted = randomUUID();
    const expiredBan = publishedAction({ actionId: randomUUID(), playerId: flagged.accountId, kind: ActionKind.BAN, state: ActionState.ACTIVE, appliedBy: "auto", expireTime: timestampFromDate(new Date(Date.now() - 60_000)) });
    await publish(brokers(), [
      actionEvent(false, suspended.accountId, ActionKind.SUSPENSION, randomUUID()),
      actionEvent(false, banned.accountId, ActionKind.BAN, randomUUID()),
      // On the flagged player's partition, before a restriction the test lifts: once gifts are refused, both were consumed.
      actionEvent(false, flagged.accountId, ActionKind.FLAG, randomUUID()),
      cloudEvent(worldTopic("anticheat", "actions"), anticheatSource, flagged.accountId, ActionAppliedSchema, create(ActionAppliedSchema, { action: expiredBan })),
      actionEvent(false, flagged.accountId, ActionKind.TRADE_RESTRICTION, restricted),
    ]);
    for (const to of [toSuspended!, toBanned!, toFlagged!]) {
      const refused = await eventually(slowly(() => refusalOf(gift(to))), (r) => r.reason === "ERROR_REASON_GOLD_TRANSFER_RESTRICTED");
      expect(refused).toMatchObject({ code: Code.PermissionDenied, metadata: { character_id: to } });
    }
    await publish(brokers(), [actionEvent(true, flagged.accountId, ActionKind.TRADE_RESTRICTION, restricted)]);
    const sent = await eventually(slowly(() => gift(toFlagged!).catch(() => ({ wallet: undefined }))), (r) => r.wallet !== undefined);
    expect(sent.wallet).toMatchObject({ balance: 99n });
    expect([await balanceOf(toSuspended!), await balanceOf(toBanned!), await balanceOf(toFlagged!)]).toEqual([100n, 100n, 101n]);
  });
});
