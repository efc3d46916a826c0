import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, eventTableMigrations, migrate, readMigrations, type Database } from "@chaos/mesh";
import { createTestDatabase } from "../../../scripts/test/test-database.js";
import { createEscrow } from "../core/escrow.js";
import { createGoldTransfers } from "../core/gold-transfers.js";
import { createGrants } from "../core/grants.js";
import { createAssetStore, type AssetStore } from "../store/asset-store.js";

// The order runService applies them in: the mesh's tables, then inventory's files.
const migrations = [...eventTableMigrations, ...readMigrations(fileURLToPath(new URL("../migrations", import.meta.url)))];
const beforeAccounts = migrations.filter((m) => !/^000[2-9]_/.test(m.name));

let created: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let store: AssetStore;
/** Text of every statement sent on the pool's connections while `statements.recording`. */
const statements = { recording: false, sent: [] as string[] };

beforeAll(async () => {
  created = await createTestDatabase(inject("infra").postgresAdminUrl);
  db = createDatabase(created.url);
  const wrapped = new WeakSet<pg.PoolClient>();
  db.pool.on("acquire", (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      if (statements.recording) statements.sent.push(String(args[0]).trim().split(/\s+/).slice(0, 3).join(" "));
      return query(...args);
    };
  });
  store = createAssetStore(db, "spiffe://chaos.world/ns/chaos/sa/inventory");
});
afterAll(async () => {
  await db?.close();
  await created?.drop();
});

async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  statements.sent = [];
  statements.recording = true;
  try {
    await work();
  } finally {
    statements.recording = false;
  }
  return statements.sent;
}

const hero = randomUUID();
const partner = randomUUID();
const itemsOnly = randomUUID();
const [openHold, releasedHold, transferredHold] = [randomUUID(), randomUUID(), randomUUID()];

describe("inventory's ledger on a deployed database (0002_accounts: running balances)", () => {
  it("backfills every wallet's balance from the ledger and each entry's balances per side, drops the lock-only wallets table, and keeps the ledger append-only", async () => {
    await migrate(db.pool, beforeAccounts);
    // As the previous version left them: every entry touched one wallet, whose balance_after it kept.
    const characters = [hero, partner, itemsOnly];
    await db.pool.query("INSERT INTO characters (character_id, player_id) SELECT id, 'a player' FROM unnest($1::uuid[]) AS id", [characters]);
    await db.pool.query("INSERT INTO wallets (character_id) SELECT unnest($1::uuid[])", [characters]);
    const w = (id: string) => `wallet:${id}`;
    const e = (id: string) => `escrow:${id}`;
    const old: [number, string, string, number, number][] = [
      [1, "mint", w(hero), 100, 100],
      [3, w(hero), e(releasedHold), 30, 70],
      [4, e(releasedHold), w(hero), 30, 100],
      [2, w(hero), "sink", 25, 75],
      [3, w(hero), e(openHold), 10, 65],
      [3, w(hero), e(transferredHold), 5, 60],
      [5, e(transferredHold), w(partner), 5, 5],
    ];
    for (const [kind, debit, credit, amount, balanceAfter] of old) {
      await db.pool.query(
        "INSERT INTO ledger_entries (entry_id, transaction_id, kind, debit_account, credit_account, amount, balance_after) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [randomUUID(), randomUUID(), kind, debit, credit, amount, balanceAfter],
      );
    }
    await db.pool.query(
      `INSERT INTO escrow_holds (hold_id, character_id, gold, status, to_character_id) VALUES
         ($1, $4, 10, 'held', NULL), ($2, $4, 30, 'released', NULL), ($3, $4, 5, 'transferred', $5)`,
      [openHold, releasedHold, transferredHold, hero, partner],
    );

    expect(await migrate(db.pool, migrations)).toEqual(["0002_accounts.sql", "0003_debts.sql", "0004_gift_restrictions.sql"]);

    const { rows: accounts } = await db.pool.query("SELECT account, balance::int FROM accounts ORDER BY balance DESC");
    expect(accounts).toEqual([
      { account: w(hero), balance: 60 },
      { account: w(partner), balance: 5 },
      { account: w(itemsOnly), balance: 0 },
    ]);
    const { rows: entries } = await db.pool.query("SELECT debit_account, debit_balance_after::int AS d, credit_balance_after::int AS c FROM ledger_entries ORDER BY seq");
    expect(entries.map((r: { d: number | null; c: number | null }) => [r.d, r.c])).toEqual([
      [null, 100],
      [70, null],
      [null, 100],
      [75, null],
      [65, null],
      [60, null],
      [null, 5],
    ]);
    expect((await db.pool.query("SELECT to_regclass('wallets') AS wallets")).rows).toEqual([{ wallets: null }]);
    expect(await store.wallet(hero)).toEqual({ balance: 60n, held: 10n, debt: 0n });

    await expect(db.pool.query("UPDATE ledger_entries SET amount = amount + 1")).rejects.toThrow(/append-only/);
    await expect(db.pool.query("DELETE FROM ledger_entries")).rejects.toThrow(/append-only/);
    await expect(db.pool.query("TRUNCATE ledger_entries")).rejects.toThrow(/append-only/);
    // A side that keeps a balance must say it, one that keeps none must not.
    await expect(
      db.pool.query("INSERT INTO ledger_entries (entry_id, transaction_id, kind, debit_account, credit_account, amount, credit_balance_after) VALUES ($1, $2, 8, $3, $4, 1, 1)", [
        randomUUID(),
        randomUUID(),
        w(hero),
        w(partner),
      ]),
    ).rejects.toThrow(/ledger_entries_debit_balance/);
  });

  it("moves gold on the migrated accounts with few statements per movement: the lock is the balance change", async () => {
    const transfers = createGoldTransfers(store);
    const escrow = createEscrow(store);
    const grants = createGrants(store);
    const guild = `guild:${randomUUID()}`;
    const moveGold = (from: string, to: string, amount: bigint) => transfers.move({ from, to, amount, idempotencyKey: randomUUID(), reason: "test" });
    let holdId = "";

    // Key claim, live characters, debit (locks), credit (locks), entry, outbox, key result; plus BEGIN and COMMIT.
    expect(await statementsOf(() => moveGold(`wallet:${hero}`, `wallet:${partner}`, 10n))).toHaveLength(9);
    expect(await statementsOf(() => moveGold(`wallet:${hero}`, guild, 20n))).toHaveLength(9);
    // No wallet: no character to check, no event to publish.
    expect(await statementsOf(() => moveGold(guild, `guild:${randomUUID()}`, 5n))).toHaveLength(7);
    // Key claim, live character, debit, entry, hold, outbox, key result.
    expect(await statementsOf(async () => (holdId = await escrow.place({ characterId: hero, items: [], gold: 7n, idempotencyKey: randomUUID() })))).toHaveLength(9);
    // Hold with its items, live receiver, giver's lock, receiver's credit, entry, settle, outbox.
    expect(await statementsOf(() => escrow.transfer(holdId, partner))).toHaveLength(9);
    const released = await escrow.place({ characterId: partner, items: [], gold: 3n, idempotencyKey: randomUUID() });
    // Hold, credit, entry, settle, outbox.
    expect(await statementsOf(() => escrow.release(released))).toHaveLength(7);
    // Key claim, debit, entry, outbox, wallet read, key result.
    expect(await statementsOf(() => grants.spendGold({ characterId: hero, amount: 1n, idempotencyKey: randomUUID(), reason: "test" }))).toHaveLength(8);

    expect(await store.wallet(hero)).toEqual({ balance: 60n - 10n - 20n - 7n - 1n, held: 10n, debt: 0n });
    expect(await store.wallet(partner)).toEqual({ balance: 5n + 10n + 7n, held: 0n, debt: 0n });
    expect(await store.balance(guild)).toBe(15n);
  });
});
