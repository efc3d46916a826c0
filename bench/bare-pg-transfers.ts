import { randomBytes } from "node:crypto";
import pg from "pg";
import { createTestDatabase } from "../scripts/test/test-database.js";
import type { TransferPath } from "./transfer-path.js";

/** Options of {@link createBarePgTransfers}. */
export interface BarePgBank {
  readonly accounts: number;
  readonly initialBalance: bigint;
  /** Connections, one per worker of the load. */
  readonly clients: number;
}

/**
 * The floor for a transfer: bare SQL from Node with `pg`, no service, on a
 * plain table `accounts(id int primary key, balance bigint)` in a scratch
 * database of the same PostgreSQL server (dropped by close()). One
 * transaction per transfer: both rows locked with SELECT ... FOR UPDATE in id
 * order (so two transfers never deadlock), the payer's balance checked,
 * both rows updated, COMMIT. Statements are named, so each connection
 * prepares them once, as a careful Node programmer would.
 */
export async function createBarePgTransfers(adminUrl: string, bank: BarePgBank): Promise<TransferPath & { readonly databaseName: string }> {
  const databaseName = `chaos_bench_bank_${randomBytes(4).toString("hex")}`;
  const database = await createTestDatabase(adminUrl, databaseName);
  const clients: pg.Client[] = [];
  try {
    const setup = new pg.Client(database.url);
    await setup.connect();
    await setup.query("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
    await setup.query("INSERT INTO accounts (id, balance) SELECT id, $2 FROM generate_series(0, $1 - 1) AS id", [bank.accounts, bank.initialBalance.toString()]);
    await setup.query("VACUUM ANALYZE accounts");
    await setup.end();
    for (let i = 0; i < bank.clients; i += 1) {
      const client = new pg.Client(database.url);
      await client.connect();
      clients.push(client);
    }
  } catch (error) {
    await Promise.all(clients.map((c) => c.end()));
    await database.drop();
    throw error;
  }
  return {
    databaseName,
    async transfer(worker, from, to, amount) {
      const client = clients[worker]!;
      await client.query("BEGIN");
      try {
        const { rows } = await client.query<{ id: number; balance: string }>({
          name: "lock-both",
          text: "SELECT id, balance FROM accounts WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE",
          values: [[from, to]],
        });
        const payer = rows.find((r) => r.id === from);
        if (payer === undefined || rows.length !== 2) throw new Error("ACCOUNT_NOT_FOUND");
        if (BigInt(payer.balance) < amount) throw new Error("INSUFFICIENT_FUNDS");
        await client.query({ name: "debit", text: "UPDATE accounts SET balance = balance - $2 WHERE id = $1", values: [from, amount.toString()] });
        await client.query({ name: "credit", text: "UPDATE accounts SET balance = balance + $2 WHERE id = $1", values: [to, amount.toString()] });
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    },
    async close() {
      await Promise.all(clients.map((c) => c.end()));
      await database.drop();
    },
  };
}
