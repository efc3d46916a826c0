import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { file_chaos_inventory_v1_events } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { eventually, publish, readTopicUntil } from "../../../scripts/test/topic-events.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useInventoryStack } from "./inventory-stack.js";

const { stack, inventory, internal, brokers, worldTopic, characterCreated, newCharacter, deleteCharacter, allEntries, sql, audit } = useInventoryStack();

async function balanceOf(player: TestPlayer, characterId: string): Promise<bigint> {
  return (await inventory().getWallet({ characterId }, player.asPlayer)).wallet!.balance;
}

describe("inventory (real processes: identity + inventory, player's events published by the test)", () => {
  it("hands a new character its starter kit once: 100 gold from the mint and 3 potions of mana", async () => {
    const alice = await signUp(stack);
    const characterId = randomUUID();
    const created = characterCreated(characterId, alice.accountId);
    await publish(brokers(), [created]);

    const { wallet } = await eventually(() => inventory().getWallet({ characterId }, alice.asPlayer), (r) => r.wallet?.balance === 100n);
    expect(wallet).toMatchObject({ characterId, balance: 100n, held: 0n });
    const { items } = await inventory().listItems({ characterId }, alice.asPlayer);
    expect(items).toMatchObject([{ definitionId: "potion_of_mana", displayName: "Potion of Mana", quantity: 3n, heldQuantity: 0n }]);
    const { entries } = await inventory().listLedgerEntries({ characterId }, alice.asPlayer);
    expect(entries).toMatchObject([{ kind: LedgerEntryKind.GRANT, debitAccount: "mint", creditAccount: `wallet:${characterId}`, amount: 100n, balanceAfter: 100n }]);

    // The same event delivered again, then a replay of it under a new event id: the kit is given once.
    const replayed = characterCreated(characterId, alice.accountId);
    await publish(brokers(), [created, replayed]);
    // Both share the character's partition, so once the replay is in the inbox the redelivery was handled too.
    await eventually(() => sql("SELECT 1 FROM mesh_inbox WHERE event_id = $1", [replayed.headers.ce_id]), (rows) => rows.length === 1);
    expect(await sql("SELECT 1 FROM mesh_outbox WHERE partition_key = $1", [characterId])).toHaveLength(2);
    const events = await readTopicUntil(brokers(), worldTopic("inventory", "assets"), [file_chaos_inventory_v1_events], (all) =>
      all.filter((e) => e.subject === characterId).length >= 2,
    );
    const mine = events.filter((e) => e.subject === characterId);
    expect(mine.map((e) => e.type).sort()).toEqual(["chaos.inventory.v1.GoldCredited", "chaos.inventory.v1.ItemsGranted"]);
    expect(mine.find((e) => e.type === "chaos.inventory.v1.GoldCredited")?.message).toMatchObject({ characterId, amount: 100n, balanceAfter: 100n, kind: LedgerEntryKind.GRANT });
    expect(await balanceOf(alice, characterId)).toBe(100n);
    expect((await inventory().listItems({ characterId }, alice.asPlayer)).items[0]?.quantity).toBe(3n);
  });

  it("grants and spends once per idempotency key, and refuses a key reused with other arguments", async () => {
    const alice = await signUp(stack);
    const characterId = await newCharacter(alice);
    const grantKey = `quest:${randomUUID()}`;

    const first = await internal().grantGold({ characterId, amount: 40n, idempotencyKey: grantKey, reason: "quest reward" });
    const again = await internal().grantGold({ characterId, amount: 40n, idempotencyKey: grantKey, reason: "quest reward" });
    expect(first.wallet).toMatchObject({ balance: 140n });
    expect(again.wallet).toEqual(first.wallet);
    const reused = await refusalOf(internal().grantGold({ characterId, amount: 41n, idempotencyKey: grantKey, reason: "quest reward" }));
    expect(reused).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED" });
    // A grant's key is not a spend's key either.
    expect(await refusalOf(internal().spendGold({ characterId, amount: 40n, idempotencyKey: grantKey, reason: "quest reward" }))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED",
    });

    const spendKey = `shop:${randomUUID()}`;
    const spent = await internal().spendGold({ characterId, amount: 25n, idempotencyKey: spendKey, reason: "shop" });
    expect(spent.wallet).toMatchObject({ balance: 115n });
    expect((await internal().spendGold({ characterId, amount: 25n, idempotencyKey: spendKey, reason: "shop" })).wallet).toEqual(spent.wallet);
    expect(await balanceOf(alice, characterId)).toBe(115n);

    const itemsKey = `drop:${randomUUID()}`;
    const granted = await internal().grantItems({ characterId, items: [{ definitionId: "ember_shard", quantity: 2n }], idempotencyKey: itemsKey, reason: "drop" });
    expect((await internal().grantItems({ characterId, items: [{ definitionId: "ember_shard", quantity: 2n }], idempotencyKey: itemsKey, reason: "drop" })).items).toEqual(
      granted.items,
    );
    const { items } = await inventory().listItems({ characterId }, alice.asPlayer);
    expect(items.find((i) => i.definitionId === "ember_shard")).toMatchObject({ quantity: 2n, displayName: "Ember Shard" });

    // Three movements after the kit, however many calls.
    expect((await allEntries(alice, characterId)).map((e) => e.amount)).toEqual([25n, 40n, 100n]);
  });

  it("never lets a wallet go below zero: of 20 concurrent spends exactly floor(balance / amount) succeed", async () => {
    const alice = await signUp(stack);
    const characterId = await newCharacter(alice);
    const amount = 7n;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => internal().spendGold({ characterId, amount, idempotencyKey: randomUUID(), reason: "race" })),
    );
    const succeeded = results.filter((r) => r.status === "fulfilled");
    const refused = await Promise.all(results.filter((r) => r.status === "rejected").map((r) => refusalOf(Promise.reject(r.reason))));
    expect(succeeded).toHaveLength(Number(100n / amount));
    expect(refused).toHaveLength(20 - Number(100n / amount));
    for (const refusal of refused) {
      expect(refusal).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_INSUFFICIENT_FUNDS", metadata: { balance: "2", required: "7" } });
    }
    expect(await balanceOf(alice, characterId)).toBe(100n % amount);
    const entries = await allEntries(alice, characterId);
    expect(entries.map((e) => e.balanceAfter)).toEqual(Array.from({ length: entries.length }, (_, i) => 100n - amount * BigInt(entries.length - 1 - i)));

    const refusal = await refusalOf(internal().spendGold({ characterId, amount: 3n, idempotencyKey: randomUUID(), reason: "too much" }));
    expect(refusal).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_INSUFFICIENT_FUNDS", metadata: { balance: "2", required: "3" } });
    expect(await balanceOf(alice, characterId)).toBe(2n);
  });

  it("keeps every balance equal to its ledger: the wallet is credits minus debits, and the books balance to zero", async () => {
    const alice = await signUp(stack);
    const characterId = await newCharacter(alice);
    await internal().grantGold({ characterId, amount: 250n, idempotencyKey: randomUUID(), reason: "a" });
    await internal().spendGold({ characterId, amount: 60n, idempotencyKey: randomUUID(), reason: "b" });
    await internal().spendGold({ characterId, amount: 15n, idempotencyKey: randomUUID(), reason: "c" });
    const { holdId } = await internal().placeEscrowHold({ characterId, items: [], gold: 75n, idempotencyKey: `trade:${randomUUID()}` });
    await internal().releaseEscrowHold({ holdId });
    await internal().grantGold({ characterId, amount: 5n, idempotencyKey: randomUUID(), reason: "d" });

    const wallet = (await inventory().getWallet({ characterId }, alice.asPlayer)).wallet!;
    expect(wallet.balance).toBe(100n + 250n - 60n - 15n + 5n);
    const account = `wallet:${characterId}`;
    const entries = await allEntries(alice, characterId);
    const derived = entries.reduce((sum, e) => sum + (e.creditAccount === account ? e.amount : 0n) - (e.debitAccount === account ? e.amount : 0n), 0n);
    expect(derived).toBe(wallet.balance);
    expect(entries[0]?.balanceAfter).toBe(wallet.balance);
    expect(entries.map((e) => e.kind)).toEqual([
      LedgerEntryKind.GRANT,
      LedgerEntryKind.ESCROW_RELEASE,
      LedgerEntryKind.ESCROW_HOLD,
      LedgerEntryKind.SPEND,
      LedgerEntryKind.SPEND,
      LedgerEntryKind.GRANT,
      LedgerEntryKind.GRANT,
    ]);

    const [fromSql] = await sql<{ balance: string }>(
      "SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE credit_account = $1) - (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE debit_account = $1) AS balance",
      [account],
    );
    expect(BigInt(fromSql!.balance)).toBe(wallet.balance);
    // Every kept balance is what the ledger says, and no coin was made or lost outside the mint and the sink.
    const books = await audit();
    expect(books).toMatchObject({ mismatchedAccounts: [], mismatchedHolds: [], strayAccounts: [], total: 0n });
    expect(books.mint).toBeLessThan(0n);
    expect(books.sink).toBeGreaterThan(0n);
  });

  it("uses and discards items, and locks the ones held in escrow until the hold is transferred", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const aliceCharacter = await newCharacter(alice);
    const bobCharacter = await newCharacter(bob);
    const potion = (await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items[0]!;

    const useKey = randomUUID();
    expect((await inventory().useItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 1n, idempotencyKey: useKey }, alice.asPlayer)).item?.quantity).toBe(2n);
    expect((await inventory().useItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 1n, idempotencyKey: useKey }, alice.asPlayer)).item?.quantity).toBe(2n);

    const { holdId } = await internal().placeEscrowHold({ characterId: aliceCharacter, items: [{ itemId: potion.itemId, quantity: 1n }], gold: 30n, idempotencyKey: `trade:${randomUUID()}` });
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 70n, held: 30n });
    expect((await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items[0]).toMatchObject({ quantity: 2n, heldQuantity: 1n });
    expect(await refusalOf(inventory().discardItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 2n }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_ITEM_LOCKED",
      metadata: { available: "1" },
    });
    expect(await refusalOf(inventory().discardItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 3n }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INSUFFICIENT_QUANTITY",
      metadata: { available: "1" },
    });

    await internal().transferEscrowHold({ holdId, toCharacterId: bobCharacter });
    await internal().transferEscrowHold({ holdId, toCharacterId: bobCharacter });
    expect(await refusalOf(internal().releaseEscrowHold({ holdId }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_HOLD_NOT_FOUND" });
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 70n, held: 0n });
    expect((await inventory().getWallet({ characterId: bobCharacter }, bob.asPlayer)).wallet).toMatchObject({ balance: 130n, held: 0n });
    expect((await inventory().listItems({ characterId: bobCharacter }, bob.asPlayer)).items).toMatchObject([{ definitionId: "potion_of_mana", quantity: 4n }]);

    const discarded = await inventory().discardItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 1n }, alice.asPlayer);
    expect(discarded.item).toMatchObject({ itemId: potion.itemId, quantity: 0n });
    expect((await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items).toEqual([]);
    expect(await refusalOf(inventory().useItem({ characterId: aliceCharacter, itemId: potion.itemId, quantity: 1n, idempotencyKey: "" }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_ITEM_NOT_FOUND",
    });
  });

  it("places no escrow hold for, and transfers none to, a character it does not know or that was deleted (CHARACTER_NOT_FOUND): nothing moves, nothing stays held", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const aliceCharacter = await newCharacter(alice);
    const deletedCharacter = await newCharacter(bob);
    await deleteCharacter(bob, deletedCharacter);
    const unknownCharacter = randomUUID();
    const notFound = (characterId: string) => ({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND", metadata: { character_id: characterId } });

    for (const characterId of [unknownCharacter, deletedCharacter]) {
      expect(await refusalOf(internal().placeEscrowHold({ characterId, items: [], gold: 10n, idempotencyKey: `trade:${randomUUID()}` }))).toMatchObject(notFound(characterId));
    }
    expect(await sql("SELECT 1 FROM escrow_holds WHERE character_id = ANY($1::uuid[])", [[unknownCharacter, deletedCharacter]])).toEqual([]);

    const potion = (await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items[0]!;
    const { holdId } = await internal().placeEscrowHold({ characterId: aliceCharacter, items: [{ itemId: potion.itemId, quantity: 2n }], gold: 30n, idempotencyKey: `trade:${randomUUID()}` });
    for (const toCharacterId of [unknownCharacter, deletedCharacter]) {
      expect(await refusalOf(internal().transferEscrowHold({ holdId, toCharacterId }))).toMatchObject(notFound(toCharacterId));
    }
    // The hold is still open, so the trade can still be compensated: everything goes back to alice.
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 70n, held: 30n });
    await internal().releaseEscrowHold({ holdId });
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 100n, held: 0n });
    expect((await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items).toMatchObject([{ itemId: potion.itemId, quantity: 3n, heldQuantity: 0n }]);
    // Neither got a coin or an item: the deleted character's only entry is its starter kit.
    const credited = await sql<{ credit_account: string; kind: number }>("SELECT credit_account, kind FROM ledger_entries WHERE credit_account = ANY($1::text[])", [
      [`wallet:${unknownCharacter}`, `wallet:${deletedCharacter}`],
    ]);
    expect(credited).toEqual([{ credit_account: `wallet:${deletedCharacter}`, kind: LedgerEntryKind.GRANT }]);
    expect(await sql("SELECT character_id, quantity FROM item_stacks WHERE character_id = ANY($1::uuid[])", [[unknownCharacter, deletedCharacter]])).toEqual([
      { character_id: deletedCharacter, quantity: "3" },
    ]);
  });

  it("transfers a trade's two holds together or not at all (TransferEscrowHolds), and a repeat moves nothing again", async () => {
    const [alice, bob, carol] = [await signUp(stack), await signUp(stack), await signUp(stack)];
    const [aliceCharacter, bobCharacter, goneCharacter] = [await newCharacter(alice), await newCharacter(bob), await newCharacter(carol)];
    await deleteCharacter(carol, goneCharacter);
    const potion = (await inventory().listItems({ characterId: aliceCharacter }, alice.asPlayer)).items[0]!;
    const place = (characterId: string, gold: bigint, items: { itemId: string; quantity: bigint }[] = []) =>
      internal().placeEscrowHold({ characterId, items, gold, idempotencyKey: `trade:${randomUUID()}` });
    const [{ holdId: aliceHold }, { holdId: bobHold }] = [await place(aliceCharacter, 30n, [{ itemId: potion.itemId, quantity: 1n }]), await place(bobCharacter, 10n)];

    // One receiver is gone: the whole settlement is refused, and both holds stay open to be released.
    const refused = await refusalOf(
      internal().transferEscrowHolds({ transfers: [{ holdId: aliceHold, toCharacterId: bobCharacter }, { holdId: bobHold, toCharacterId: goneCharacter }] }),
    );
    expect(refused).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND", metadata: { character_id: goneCharacter } });
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 70n, held: 30n });
    expect((await inventory().getWallet({ characterId: bobCharacter }, bob.asPlayer)).wallet).toMatchObject({ balance: 90n, held: 10n });

    const swap = { transfers: [{ holdId: aliceHold, toCharacterId: bobCharacter }, { holdId: bobHold, toCharacterId: aliceCharacter }] };
    await internal().transferEscrowHolds(swap);
    await internal().transferEscrowHolds(swap);
    expect((await inventory().getWallet({ characterId: aliceCharacter }, alice.asPlayer)).wallet).toMatchObject({ balance: 80n, held: 0n });
    expect((await inventory().getWallet({ characterId: bobCharacter }, bob.asPlayer)).wallet).toMatchObject({ balance: 120n, held: 0n });
    const bobPotions = (await inventory().listItems({ characterId: bobCharacter }, bob.asPlayer)).items.find((i) => i.definitionId === potion.definitionId);
    expect(bobPotions?.quantity).toBe(4n);
    // A hold given to one receiver cannot be claimed for another.
    expect(await refusalOf(internal().transferEscrowHolds({ transfers: [{ holdId: aliceHold, toCharacterId: aliceCharacter }] }))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_HOLD_NOT_FOUND",
    });
    const books = await audit();
    expect(books.mismatchedAccounts).toEqual([]);
    expect(books.mismatchedHolds).toEqual([]);
  });

  it("shows and moves a character's assets only for its owner, and says the same for characters that do not exist", async () => {
    const alice = await signUp(stack);
    const mallory = await signUp(stack);
    const characterId = await newCharacter(alice);
    const potion = (await inventory().listItems({ characterId }, alice.asPlayer)).items[0]!;

    const notOwner = { code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" };
    expect(await refusalOf(inventory().getWallet({ characterId }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().listItems({ characterId }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().listLedgerEntries({ characterId }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().useItem({ characterId, itemId: potion.itemId, quantity: 1n, idempotencyKey: "" }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().discardItem({ characterId, itemId: potion.itemId, quantity: 3n }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().getWallet({ characterId: randomUUID() }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().getWallet({ characterId }))).toMatchObject({ code: Code.Unauthenticated });

    expect((await inventory().listItems({ characterId }, alice.asPlayer)).items[0]?.quantity).toBe(3n);
    expect(await balanceOf(alice, characterId)).toBe(100n);
  });

  it("refuses malformed requests before anything moves (INVALID_ARGUMENT)", async () => {
    const alice = await signUp(stack);
    const characterId = await newCharacter(alice);
    expect(await refusalOf(internal().grantGold({ characterId, amount: 0n, idempotencyKey: randomUUID(), reason: "" }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(internal().spendGold({ characterId, amount: 5n, idempotencyKey: "", reason: "" }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(inventory().getWallet({ characterId: "not-a-uuid" }, alice.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(inventory().listLedgerEntries({ characterId, pageToken: "forged" }, alice.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    expect(
      await refusalOf(internal().grantItems({ characterId, items: [{ definitionId: "sword_of_truth", quantity: 1n }], idempotencyKey: randomUUID(), reason: "" })),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_UNKNOWN_ITEM_DEFINITION", metadata: { definition_id: "sword_of_truth" } });
    expect(await balanceOf(alice, characterId)).toBe(100n);
    expect((await inventory().listItems({ characterId }, alice.asPlayer)).items).toHaveLength(1);
  });
});
