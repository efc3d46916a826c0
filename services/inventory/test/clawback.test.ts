import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { signUp } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useInventoryStack } from "./inventory-stack.js";

const { stack, inventory, internal, newCharacter, allEntries, audit } = useInventoryStack();

const clawback = (characterId: string, amount: bigint, idempotencyKey: string) =>
  internal().clawbackGold({ characterId, amount, idempotencyKey, reason: "payment:refund:test" });

describe("ClawbackGold and the debt it leaves (real processes: identity + inventory)", () => {
  it("takes the gold back once per key", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const key = `clawback:${randomUUID()}`;

    const first = await clawback(hero, 60n, key);
    expect(first).toMatchObject({ recovered: 60n, debtRecorded: 0n, wallet: { balance: 40n, debt: 0n } });
    // A saga that crashed after the call and calls again takes nothing more.
    expect(await clawback(hero, 60n, key)).toEqual(first);
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 40n, debt: 0n });
    expect(await refusalOf(clawback(hero, 61n, key))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED" });
    expect((await allEntries(alice, hero))[0]).toMatchObject({ kind: LedgerEntryKind.CLAWBACK, amount: 60n, balanceAfter: 40n });
  });

  it("records what the wallet lacks as debt, which every later income pays first, in the ledger", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const friend = await newCharacter(alice);
    await internal().spendGold({ characterId: hero, amount: 80n, idempotencyKey: randomUUID(), reason: "test:shop" });

    // The refunded pack was 50 gold; 20 are left of it.
    expect(await clawback(hero, 50n, randomUUID())).toMatchObject({ recovered: 20n, debtRecorded: 30n, wallet: { balance: 0n, debt: 30n } });

    // A reward of 10 goes entirely to the debt.
    await internal().grantGold({ characterId: hero, amount: 10n, idempotencyKey: randomUUID(), reason: "test:reward" });
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 0n, debt: 20n });

    // A gift of 50 from another wallet pays the remaining 20; the player keeps 30.
    const wallet = (characterId: string) => ({ owner: { case: "characterId" as const, value: characterId } });
    expect(await internal().moveGold({ from: wallet(friend), to: wallet(hero), amount: 50n, idempotencyKey: randomUUID(), reason: "test:gift" })).toMatchObject({ fromBalance: 50n, toBalance: 30n });
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 30n, debt: 0n });

    // Further income is the player's again.
    await internal().grantGold({ characterId: hero, amount: 5n, idempotencyKey: randomUUID(), reason: "test:reward" });
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 35n, debt: 0n });

    const entries = await allEntries(alice, hero);
    expect(entries.map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
      [LedgerEntryKind.GRANT, 5n, 35n],
      [LedgerEntryKind.DEBT_REPAYMENT, 20n, 30n],
      [LedgerEntryKind.TRANSFER, 50n, 50n],
      [LedgerEntryKind.DEBT_REPAYMENT, 10n, 0n],
      [LedgerEntryKind.GRANT, 10n, 10n],
      [LedgerEntryKind.CLAWBACK, 20n, 0n],
      [LedgerEntryKind.SPEND, 80n, 20n],
      [LedgerEntryKind.GRANT, 100n, 100n],
    ]);
    const books = await audit();
    expect(books).toMatchObject({ mismatchedAccounts: [], mismatchedHolds: [], strayAccounts: [], total: 0n });
  });

  it("has a received trade (an escrow transfer) pay the debt first", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const trader = await newCharacter(alice);
    await internal().spendGold({ characterId: hero, amount: 100n, idempotencyKey: randomUUID(), reason: "test:shop" });
    await clawback(hero, 25n, randomUUID());
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 0n, debt: 25n });

    const { holdId } = await internal().placeEscrowHold({ characterId: trader, items: [], gold: 40n, idempotencyKey: randomUUID() });
    await internal().transferEscrowHold({ holdId, toCharacterId: hero });
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 15n, debt: 0n });
    expect((await allEntries(alice, hero)).slice(0, 2).map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
      [LedgerEntryKind.DEBT_REPAYMENT, 25n, 15n],
      [LedgerEntryKind.ESCROW_TRANSFER, 40n, 40n],
    ]);
  });
});
