import { create, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GoldCreditedSchema, GoldDebitedSchema, type GoldCredited, type GoldDebited } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { createEventStore, errorInfoOf, eventStoreMigrations, rebuildProjection, type Projection } from "../src/index.js";
import { useTestDatabase } from "./test-database.js";

const store = createEventStore("wallet", [GoldCreditedSchema, GoldDebitedSchema]);

const credit = (amount: number) => ({ schema: GoldCreditedSchema, message: create(GoldCreditedSchema, { amount: BigInt(amount) }) });
const debit = (amount: number) => ({ schema: GoldDebitedSchema, message: create(GoldDebitedSchema, { amount: BigInt(amount) }) });
const balanceOf = (state: { balance: number }, event: Message) => {
  if (event.$typeName === GoldCreditedSchema.typeName) return { balance: state.balance + Number((event as GoldCredited).amount) };
  if (event.$typeName === GoldDebitedSchema.typeName) return { balance: state.balance - Number((event as GoldDebited).amount) };
  return state;
};

const test = useTestDatabase([
  ...eventStoreMigrations,
  { name: "0001_balances.sql", checksum: "b1", sql: "CREATE TABLE balances (wallet_id text PRIMARY KEY, balance bigint NOT NULL); CREATE TABLE balances_rebuilt (wallet_id text PRIMARY KEY, balance bigint NOT NULL);" },
]);

describe("event-sourced aggregate store", () => {
  it("appends in version order and replays the history", async () => {
    const version = await test.db.transaction((client) => store.append(client, "w-1", 0, [credit(100), debit(30)]));
    expect(version).toBe(2);
    const state = await test.db.transaction((client) => store.rehydrate(client, "w-1", { balance: 0 }, balanceOf));
    expect(state).toEqual({ state: { balance: 70 }, version: 2 });
  });

  it("refuses a conflicting append with ABORTED, leaving the history as the winner wrote it", async () => {
    await test.db.transaction((client) => store.append(client, "w-2", 0, [credit(10)]));
    const [first, second] = await Promise.allSettled([
      test.db.transaction((client) => store.append(client, "w-2", 1, [debit(5)])),
      test.db.transaction((client) => store.append(client, "w-2", 1, [debit(7)])),
    ]);
    const outcomes = [first, second].map((r) => r.status);
    expect(outcomes.sort()).toEqual(["fulfilled", "rejected"]);
    const failure = (first.status === "rejected" ? first.reason : (second as PromiseRejectedResult).reason) as ConnectError;
    expect(failure.code).toBe(Code.Aborted);
    expect(errorInfoOf(failure)?.reason).toBe("ERROR_REASON_CONCURRENT_MODIFICATION");
    const events = await store.load(test.db.pool, "w-2");
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    // The loser reloads and retries, and succeeds.
    const retried = await test.db.transaction(async (client) => {
      const { version } = await store.rehydrate(client, "w-2", { balance: 0 }, balanceOf);
      return store.append(client, "w-2", version, [debit(7)]);
    });
    expect(retried).toBe(3);
  });

  it("snapshots long histories and replays only what came after", async () => {
    const many = Array.from({ length: 150 }, () => credit(1));
    await test.db.transaction((client) => store.append(client, "w-3", 0, many));
    const first = await test.db.transaction((client) => store.rehydrate(client, "w-3", { balance: 0 }, balanceOf, 100));
    expect(first).toEqual({ state: { balance: 150 }, version: 150 });
    const { rows } = await test.db.pool.query("SELECT version FROM mesh_snapshots WHERE aggregate_id = 'w-3'");
    expect(rows).toEqual([{ version: 150 }]);
    await test.db.transaction((client) => store.append(client, "w-3", 150, [debit(50)]));
    const second = await test.db.transaction((client) => store.rehydrate(client, "w-3", { balance: 0 }, balanceOf, 100));
    expect(second).toEqual({ state: { balance: 100 }, version: 151 });
  });
});

describe("projections", () => {
  const projectionInto = (table: string): Projection => ({
    name: table,
    reset: async (client) => {
      await client.query(`DELETE FROM ${table}`);
    },
    apply: async (client, event) => {
      const delta = balanceOf({ balance: 0 }, event.message).balance;
      await client.query(
        `INSERT INTO ${table} (wallet_id, balance) VALUES ($1, $2) ON CONFLICT (wallet_id) DO UPDATE SET balance = ${table}.balance + EXCLUDED.balance`,
        [event.aggregateId, delta],
      );
    },
  });

  it("rebuilds from history into a fresh read model equal to the live one", async () => {
    const live = projectionInto("balances");
    // The live model follows every append in the writer's transaction.
    for (let i = 0; i < 40; i++) {
      await test.db.transaction(async (client) => {
        const wallet = `p-${i % 5}`;
        const current = (await store.load(client, wallet)).length;
        await store.append(client, wallet, current, [i % 3 === 0 ? debit(2) : credit(5)]);
        for (const event of await store.load(client, wallet, current)) await live.apply(client, event);
      });
    }
    const replayed = await rebuildProjection(test.db, store, projectionInto("balances_rebuilt"));
    const { rows: total } = await test.db.pool.query("SELECT count(*)::int AS n FROM mesh_events WHERE aggregate_type = 'wallet'");
    expect(replayed).toBe(total[0].n);
    const liveRows = await test.db.pool.query("SELECT wallet_id, balance FROM balances ORDER BY wallet_id");
    const rebuiltRows = await test.db.pool.query("SELECT wallet_id, balance FROM balances_rebuilt WHERE wallet_id LIKE 'p-%' ORDER BY wallet_id");
    expect(rebuiltRows.rows).toEqual(liveRows.rows);
    expect(liveRows.rows).toHaveLength(5);
  });
});
