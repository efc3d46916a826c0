import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import pg from "pg";
import { inject } from "vitest";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import type { LedgerEntry } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName, type KafkaAccess } from "@chaos/mesh";
import type { TestPlayer } from "../../../scripts/test/players.js";
import { useStack, type Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, type PublishedEvent } from "../../../scripts/test/topic-events.js";

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";

/** What inventory's test files share: one stack per file (identity + inventory), player's events published by the test. */
export interface InventoryStack {
  readonly stack: Stack;
  readonly inventory: () => Client<typeof InventoryService>;
  readonly internal: () => Client<typeof InventoryInternalService>;
  readonly brokers: () => KafkaAccess;
  /** A topic of the stack's world (the test process itself is in no world). */
  worldTopic(domain: string, stream: string): string;
  characterCreated(characterId: string, playerId: string): PublishedEvent;
  /** A character of `player`, as player's CharacterCreated announces it; resolves once inventory handed out the starter kit (100 gold). */
  newCharacter(player: TestPlayer): Promise<string>;
  /** Player's CharacterDeleted for a character of `player`; resolves once inventory no longer shows the character to its owner. */
  deleteCharacter(player: TestPlayer, characterId: string): Promise<void>;
  /** Every entry of a character's ledger through the public API, newest first, paging by `pageSize`. */
  allEntries(player: TestPlayer, characterId: string, pageSize?: number): Promise<LedgerEntry[]>;
  /** Runs SQL on inventory's own database (the test looks under the hood, as an auditor would). */
  sql<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** What an auditor checks of the whole ledger; see {@link LedgerAudit}. */
  audit(): Promise<LedgerAudit>;
}

/**
 * The books of the stack's inventory database. Clean books have no
 * mismatched account and no mismatched hold, and total zero.
 */
export interface LedgerAudit {
  /** Accounts whose kept balance is not what their ledger entries add up to (a ledger account without a row counts as kept NULL). */
  readonly mismatchedAccounts: { account: string; kept: string | null; derived: string }[];
  /** Holds whose escrow account does not hold their gold while open, or still holds some once settled. */
  readonly mismatchedHolds: { hold_id: string; status: string; gold: string; derived: string }[];
  /** Ledger accounts of no known kind. */
  readonly strayAccounts: string[];
  readonly mint: bigint;
  readonly sink: bigint;
  /** mint + sink + every kept balance + the gold of open holds: zero when no coin was made or lost inside the ledger. */
  readonly total: bigint;
}

const ledgerBalances = `ledger AS (
  SELECT account, sum(delta) AS balance FROM (
    SELECT credit_account AS account, amount AS delta FROM ledger_entries
    UNION ALL SELECT debit_account, -amount FROM ledger_entries) moves
  GROUP BY account)`;

export function useInventoryStack(): InventoryStack {
  const stack = useStack(["identity", "inventory"]);
  const inventory = () => stack.operator.client(InventoryService, "inventory");
  const brokers = () => inject("infra").kafka;
  const worldTopic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;
  const characterCreated = (characterId: string, playerId: string) => {
    const message = create(CharacterCreatedSchema, { characterId, playerId, name: `Hero${characterId.slice(0, 6)}`, characterClass: CharacterClass.MAGE });
    return cloudEvent(worldTopic("player", "characters"), playerSource, characterId, CharacterCreatedSchema, message);
  };
  const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client(stack.databaseUrl("inventory"));
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    stack,
    inventory,
    internal: () => stack.operator.client(InventoryInternalService, "inventory"),
    brokers,
    worldTopic,
    characterCreated,
    async newCharacter(player) {
      const characterId = randomUUID();
      await publish(brokers(), [characterCreated(characterId, player.accountId)]);
      await eventually(() => inventory().getWallet({ characterId }, player.asPlayer), (r) => r.wallet?.balance === 100n);
      return characterId;
    },
    async deleteCharacter(player, characterId) {
      const message = create(CharacterDeletedSchema, { characterId, playerId: player.accountId });
      await publish(brokers(), [cloudEvent(worldTopic("player", "characters"), playerSource, characterId, CharacterDeletedSchema, message)]);
      await eventually(
        () => inventory().getWallet({ characterId }, player.asPlayer).then(() => false, () => true),
        (refused) => refused,
      );
    },
    async allEntries(player, characterId, pageSize = 3) {
      const entries: LedgerEntry[] = [];
      let pageToken = "";
      do {
        const page = await inventory().listLedgerEntries({ characterId, pageSize, pageToken }, player.asPlayer);
        entries.push(...page.entries);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return entries;
    },
    sql,
    async audit() {
      const mismatchedAccounts = await sql<LedgerAudit["mismatchedAccounts"][number]>(
        `WITH ${ledgerBalances}
         SELECT account, a.balance::text AS kept, coalesce(l.balance, 0)::text AS derived
         FROM accounts a FULL JOIN (SELECT * FROM ledger WHERE account LIKE 'wallet:%' OR account LIKE 'guild:%') l USING (account)
         WHERE a.balance IS DISTINCT FROM coalesce(l.balance, 0)`,
      );
      const mismatchedHolds = await sql<LedgerAudit["mismatchedHolds"][number]>(
        `WITH ${ledgerBalances}
         SELECT h.hold_id, h.status, h.gold::text, coalesce(l.balance, 0)::text AS derived
         FROM escrow_holds h LEFT JOIN ledger l ON l.account = 'escrow:' || h.hold_id
         WHERE coalesce(l.balance, 0) <> CASE WHEN h.status = 'held' THEN h.gold ELSE 0 END`,
      );
      const stray = await sql<{ account: string }>(
        `WITH ${ledgerBalances}
         SELECT account FROM ledger
         WHERE account NOT IN ('mint', 'sink') AND account NOT LIKE 'wallet:%' AND account NOT LIKE 'guild:%'
           AND account NOT IN (SELECT 'escrow:' || hold_id FROM escrow_holds)`,
      );
      const [books] = await sql<{ mint: string; sink: string; total: string }>(
        `WITH ${ledgerBalances}, parts AS (
           SELECT coalesce((SELECT balance FROM ledger WHERE account = 'mint'), 0) AS mint,
                  coalesce((SELECT balance FROM ledger WHERE account = 'sink'), 0) AS sink,
                  coalesce((SELECT sum(balance) FROM accounts), 0) AS kept,
                  coalesce((SELECT sum(gold) FROM escrow_holds WHERE status = 'held'), 0) AS held)
         SELECT mint::text, sink::text, (mint + sink + kept + held)::text AS total FROM parts`,
      );
      return {
        mismatchedAccounts,
        mismatchedHolds,
        strayAccounts: stray.map((r) => r.account),
        mint: BigInt(books!.mint),
        sink: BigInt(books!.sink),
        total: BigInt(books!.total),
      };
    },
  };
}
