import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { file_chaos_inventory_v1_events } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { LedgerEntryKind, type LedgerAccountSchema, type LedgerEntry } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { signUp } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { readTopicUntil } from "../../../scripts/test/topic-events.js";
import { useInventoryStack } from "./inventory-stack.js";

const { stack, inventory, internal, brokers, worldTopic, newCharacter, deleteCharacter, allEntries, sql, audit } = useInventoryStack();

type Account = MessageInitShape<typeof LedgerAccountSchema>;
const wallet = (characterId: string): Account => ({ owner: { case: "characterId", value: characterId } });
const bank = (guildId: string): Account => ({ owner: { case: "guildId", value: guildId } });

async function balanceOf(account: Account): Promise<bigint> {
  return (await internal().getAccountBalance({ account })).balance;
}

/** Every entry of an account through ListAccountEntries, newest first, paging by `pageSize`. */
async function accountEntries(account: Account, pageSize = 2): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let pageToken = "";
  do {
    const page = await internal().listAccountEntries({ account, pageSize, pageToken });
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return entries;
}

/** Each entry's balance_after is the one before it plus what the entry moved in or out of `name` (oldest first from zero). */
function runningBalances(entries: readonly LedgerEntry[], name: string): { listed: bigint[]; replayed: bigint[] } {
  const oldestFirst = [...entries].reverse();
  let balance = 0n;
  const replayed = oldestFirst.map((e) => (balance += e.creditAccount === name ? e.amount : -e.amount));
  return { listed: oldestFirst.map((e) => e.balanceAfter), replayed };
}

const move = (from: Account, to: Account, amount: bigint, idempotencyKey: string = randomUUID()) =>
  internal().moveGold({ from, to, amount, idempotencyKey, reason: "test" });

const characterNotFound = (characterId: string) => ({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND", metadata: { character_id: characterId } });

describe("gold between players' accounts (real processes: identity + inventory)", () => {
  it("moves gold wallet → guild bank → wallet as one TRANSFER entry each, and lists each account's history with its own balances", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const guild = randomUUID();
    expect(await balanceOf(bank(guild))).toBe(0n);

    const deposit = await move(wallet(hero), bank(guild), 30n);
    expect(deposit).toMatchObject({ fromBalance: 70n, toBalance: 30n });
    expect(await move(wallet(hero), bank(guild), 20n)).toMatchObject({ fromBalance: 50n, toBalance: 50n });
    const withdrawal = await move(bank(guild), wallet(hero), 15n);
    expect(withdrawal).toMatchObject({ fromBalance: 35n, toBalance: 65n });
    expect(await balanceOf(bank(guild))).toBe(35n);
    expect(await balanceOf(wallet(hero))).toBe(65n);
    expect((await inventory().getWallet({ characterId: hero }, alice.asPlayer)).wallet).toMatchObject({ balance: 65n, held: 0n });

    const bankName = `guild:${guild}`;
    const walletName = `wallet:${hero}`;
    const bankEntries = await accountEntries(bank(guild));
    expect(bankEntries).toMatchObject([
      { kind: LedgerEntryKind.TRANSFER, debitAccount: bankName, creditAccount: walletName, amount: 15n, balanceAfter: 35n, transactionId: withdrawal.transactionId },
      { kind: LedgerEntryKind.TRANSFER, debitAccount: walletName, creditAccount: bankName, amount: 20n, balanceAfter: 50n },
      { kind: LedgerEntryKind.TRANSFER, debitAccount: walletName, creditAccount: bankName, amount: 30n, balanceAfter: 30n, transactionId: deposit.transactionId },
    ]);
    // The same entries listed for the wallet show the wallet's balances, on both faces.
    const walletEntries = await accountEntries(wallet(hero), 3);
    expect(walletEntries.map((e) => [e.amount, e.balanceAfter])).toEqual([[15n, 65n], [20n, 50n], [30n, 70n], [100n, 100n]]);
    expect(await allEntries(alice, hero)).toEqual(walletEntries);
    expect(walletEntries.slice(0, 3).map((e) => e.entryId)).toEqual(bankEntries.map((e) => e.entryId));

    // A page token belongs to the listing that issued it.
    const { nextPageToken } = await internal().listAccountEntries({ account: bank(guild), pageSize: 1 });
    expect(await refusalOf(internal().listAccountEntries({ account: wallet(hero), pageToken: nextPageToken }))).toMatchObject({ code: Code.InvalidArgument });

    const events = await readTopicUntil(brokers(), worldTopic("inventory", "assets"), [file_chaos_inventory_v1_events], (all) =>
      all.filter((e) => e.subject === hero).length >= 5,
    );
    expect(events.filter((e) => e.subject === hero && e.message.kind === LedgerEntryKind.TRANSFER).map((e) => [e.type, e.message.amount, e.message.balanceAfter])).toEqual([
      ["chaos.inventory.v1.GoldDebited", 30n, 70n],
      ["chaos.inventory.v1.GoldDebited", 20n, 50n],
      ["chaos.inventory.v1.GoldCredited", 15n, 65n],
    ]);
  });

  it("never takes an account below zero: INSUFFICIENT_FUNDS with the balance and the amount required, and nothing changes", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const guild = randomUUID();

    expect(await refusalOf(move(wallet(hero), bank(guild), 101n))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INSUFFICIENT_FUNDS",
      metadata: { balance: "100", required: "101" },
    });
    expect(await refusalOf(move(bank(guild), wallet(hero), 1n))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INSUFFICIENT_FUNDS",
      metadata: { balance: "0", required: "1" },
    });
    await move(wallet(hero), bank(guild), 100n);
    expect(await refusalOf(move(wallet(hero), bank(guild), 1n))).toMatchObject({ reason: "ERROR_REASON_INSUFFICIENT_FUNDS", metadata: { balance: "0", required: "1" } });

    expect(await balanceOf(wallet(hero))).toBe(0n);
    expect(await balanceOf(bank(guild))).toBe(100n);
    expect((await accountEntries(wallet(hero))).map((e) => [e.kind, e.balanceAfter])).toEqual([
      [LedgerEntryKind.TRANSFER, 0n],
      [LedgerEntryKind.GRANT, 100n],
    ]);
  });

  it("answers a retried MoveGold with its first result and moves nothing again; the key with other arguments is refused", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const guild = randomUUID();
    const key = `guild:deposit:${randomUUID()}`;

    const first = await move(wallet(hero), bank(guild), 40n, key);
    expect(await move(wallet(hero), bank(guild), 40n, key)).toEqual(first);
    const reused = { code: Code.AlreadyExists, reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED", metadata: { idempotency_key: key } };
    expect(await refusalOf(move(wallet(hero), bank(guild), 41n, key))).toMatchObject(reused);
    expect(await refusalOf(move(bank(guild), wallet(hero), 40n, key))).toMatchObject(reused);
    expect(await refusalOf(internal().grantGold({ characterId: hero, amount: 40n, idempotencyKey: key, reason: "test" }))).toMatchObject(reused);

    expect(await balanceOf(wallet(hero))).toBe(60n);
    expect(await balanceOf(bank(guild))).toBe(40n);
    expect(await accountEntries(bank(guild))).toHaveLength(1);
  });

  it("refuses SAME_ACCOUNT, and characters it does not know or that were deleted (CHARACTER_NOT_FOUND), writing no entry", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const gone = await newCharacter(alice);
    await deleteCharacter(alice, gone);
    const unknown = randomUUID();
    const guild = randomUUID();
    await move(wallet(hero), bank(guild), 50n);

    const same = { code: Code.InvalidArgument, reason: "ERROR_REASON_SAME_ACCOUNT" };
    expect(await refusalOf(move(wallet(hero), wallet(hero), 1n))).toMatchObject(same);
    expect(await refusalOf(move(bank(guild), bank(guild), 1n))).toMatchObject(same);
    expect(await refusalOf(inventory().sendGold({ fromCharacterId: hero, toCharacterId: hero, amount: 1n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject(same);

    for (const characterId of [unknown, gone]) {
      const notFound = characterNotFound(characterId);
      expect(await refusalOf(move(wallet(hero), wallet(characterId), 10n))).toMatchObject(notFound);
      expect(await refusalOf(move(bank(guild), wallet(characterId), 10n))).toMatchObject(notFound);
      expect(await refusalOf(move(wallet(characterId), bank(guild), 10n))).toMatchObject(notFound);
      expect(await refusalOf(inventory().sendGold({ fromCharacterId: hero, toCharacterId: characterId, amount: 10n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject(
        notFound,
      );
      expect(await refusalOf(internal().getAccountBalance({ account: wallet(characterId) }))).toMatchObject(notFound);
      expect(await refusalOf(internal().listCharacterItems({ characterId }))).toMatchObject(notFound);
    }
    // The deleted character keeps its history, and what it had: only its starter kit ever moved.
    expect((await accountEntries(wallet(gone))).map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([[LedgerEntryKind.GRANT, 100n, 100n]]);
    expect(await sql("SELECT 1 FROM ledger_entries WHERE $1 IN (debit_account, credit_account)", [`wallet:${unknown}`])).toEqual([]);
    expect(await balanceOf(wallet(hero))).toBe(50n);
    expect(await balanceOf(bank(guild))).toBe(50n);
  });

  it("sends gold from a player's own character to anyone's, once per key; someone else's character is NOT_CHARACTER_OWNER", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const mallory = await signUp(stack);
    const giver = await newCharacter(alice);
    const receiver = await newCharacter(bob);
    await internal().placeEscrowHold({ characterId: giver, items: [], gold: 10n, idempotencyKey: `trade:${randomUUID()}` });

    const key = randomUUID();
    const sent = await inventory().sendGold({ fromCharacterId: giver, toCharacterId: receiver, amount: 25n, idempotencyKey: key }, alice.asPlayer);
    expect(sent.wallet).toMatchObject({ characterId: giver, balance: 65n, held: 10n });
    expect((await inventory().sendGold({ fromCharacterId: giver, toCharacterId: receiver, amount: 25n, idempotencyKey: key }, alice.asPlayer)).wallet).toEqual(sent.wallet);
    expect(await refusalOf(inventory().sendGold({ fromCharacterId: giver, toCharacterId: receiver, amount: 26n, idempotencyKey: key }, alice.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED",
    });
    // Another player, even with the same key, is refused before anything is looked up.
    const notOwner = { code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" };
    expect(await refusalOf(inventory().sendGold({ fromCharacterId: giver, toCharacterId: receiver, amount: 25n, idempotencyKey: key }, mallory.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().sendGold({ fromCharacterId: receiver, toCharacterId: giver, amount: 5n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject(notOwner);
    expect(await refusalOf(inventory().sendGold({ fromCharacterId: giver, toCharacterId: receiver, amount: 66n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INSUFFICIENT_FUNDS",
      metadata: { balance: "65", required: "66" },
    });

    expect((await inventory().getWallet({ characterId: receiver }, bob.asPlayer)).wallet).toMatchObject({ balance: 125n, held: 0n });
    const [gift] = await allEntries(bob, receiver);
    expect(gift).toMatchObject({ kind: LedgerEntryKind.TRANSFER, debitAccount: `wallet:${giver}`, creditAccount: `wallet:${receiver}`, amount: 25n, balanceAfter: 125n });
    expect((await allEntries(alice, giver))[0]).toMatchObject({ entryId: gift!.entryId, balanceAfter: 65n });
  });

  it("lists a live character's stacks for other services: all of them, or those named", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    await internal().grantItems({ characterId: hero, items: [{ definitionId: "ember_shard", quantity: 2n }], idempotencyKey: randomUUID(), reason: "drop" });

    const { items } = await internal().listCharacterItems({ characterId: hero });
    expect(items.map((i) => [i.definitionId, i.quantity])).toEqual([["ember_shard", 2n], ["potion_of_mana", 3n]]);
    const shard = items.find((i) => i.definitionId === "ember_shard")!;
    expect((await internal().listCharacterItems({ characterId: hero, itemIds: [shard.itemId, randomUUID()] })).items).toEqual([shard]);
    expect((await internal().listCharacterItems({ characterId: hero, itemIds: [randomUUID()] })).items).toEqual([]);
  });

  it("runs 42 concurrent transfers among two wallets and a bank, in every direction, without a deadlock, and conserves every coin", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const a = await newCharacter(alice);
    const b = await newCharacter(bob);
    const guild = randomUUID();
    await move(wallet(a), bank(guild), 50n);

    // Seven of each direction, 3 gold each: every account pays out 42 and gets 42 back, in whatever order
    // they commit, and none ever needs more than it starts with (50, 100, 50).
    const accounts = [wallet(a), wallet(b), bank(guild)];
    const pairs = accounts.flatMap((from, i) => accounts.filter((_, j) => j !== i).map((to) => [from, to] as const));
    const transfers = Array.from({ length: 7 }, () => pairs).flat();
    const results = await Promise.allSettled(transfers.map(([from, to]) => move(from, to, 3n)));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    expect(await Promise.all(accounts.map(balanceOf))).toEqual([50n, 100n, 50n]);
    for (const [account, name] of [
      [wallet(a), `wallet:${a}`],
      [wallet(b), `wallet:${b}`],
      [bank(guild), `guild:${guild}`],
    ] as const) {
      const entries = await accountEntries(account, 50);
      expect(entries.filter((e) => e.kind === LedgerEntryKind.TRANSFER && e.amount === 3n)).toHaveLength(28);
      // Movements of one account are serialised by its row: each entry's balance follows from the one before.
      const { listed, replayed } = runningBalances(entries, name);
      expect(listed).toEqual(replayed);
    }
  });

  it("has kept the books through all of the above: every account's balance is its credits minus its debits, and mint + sink + all accounts sum to zero", async () => {
    const books = await audit();
    expect(books).toMatchObject({ mismatchedAccounts: [], mismatchedHolds: [], strayAccounts: [], total: 0n });
    expect(books.mint).toBeLessThan(0n);
  });
});
