import { createHash, randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { AssetsRefused, type Escrow } from "./escrow.js";
import { requireUnrestricted } from "./restrictions.js";
import type { Settlement } from "./settlement.js";
import { tradeEvent } from "./trade-events.js";
import { type AssetsRecord, type CharacterRecord, isEmpty, type PartyRecord, type TradeItemRecord, type TradeRecord, type TradeSide } from "./trade-records.js";
import type { TradeCursor, TradeFilter, TradeStore, TradeTransaction } from "./trade-store.js";

/** What one side gives, as the proposer asks for it (item ids of the giver's stacks). */
export interface AssetsRequest {
  readonly gold: bigint;
  readonly items: readonly { readonly itemId: string; readonly quantity: bigint }[];
}

export interface ProposeCommand {
  /** The caller's player id (the end-user token's subject). */
  readonly playerId: string;
  readonly proposerCharacterId: string;
  readonly counterpartyCharacterId: string;
  readonly offer: AssetsRequest;
  readonly request: AssetsRequest;
  /** How long the offer stands; the default when undefined. */
  readonly ttlMs: number | undefined;
  readonly idempotencyKey: string;
}

/** Decides whether a player may propose now (a rate over Redis, shared by every replica). */
export interface ProposalLimiter {
  check(playerId: string): Promise<{ readonly allowed: boolean; readonly retryAfterMs: number }>;
}

/** Trading's limits; see config.ts for their settings and defaults. */
export interface TradingLimits {
  /** Open trades a character may have on each side at once. */
  readonly maxOpenTradesPerCharacter: number;
  readonly defaultTtlMs: number;
  /** How long AcceptTrade waits for the saga to finish before it answers with the trade as it is. */
  readonly acceptWaitMs: number;
}

/** The trading use cases; handlers call these with the caller's player id. */
export interface Trades {
  propose(command: ProposeCommand): Promise<TradeRecord>;
  accept(playerId: string, tradeId: string): Promise<TradeRecord>;
  decline(playerId: string, tradeId: string): Promise<TradeRecord>;
  cancel(playerId: string, tradeId: string): Promise<TradeRecord>;
  get(playerId: string, tradeId: string): Promise<TradeRecord>;
  list(playerId: string, characterId: string, filter: TradeFilter, cursor: TradeCursor | undefined, limit: number): Promise<TradeRecord[]>;
  /** player's CharacterCreated, inside the consumer's inbox transaction. */
  characterCreated(tx: TradeTransaction, character: Omit<CharacterRecord, "deleted">): Promise<void>;
  /** player's CharacterDeleted: the character leaves, and the offers still waiting for an answer are cancelled. */
  characterDeleted(tx: TradeTransaction, characterId: string): Promise<void>;
}

/** How long after AcceptTrade's own run of the saga its job becomes due. */
const settleNetDelayMs = 3_000;

const notOwner = (characterId: string) => new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "the character is not one of yours", { character_id: characterId });
// A stranger asking about a trade learns nothing, not even that it exists.
const tradeNotFound = (tradeId: string) => new DomainError(ErrorReason.TRADE_NOT_FOUND, "no such trade among your characters' trades", { trade_id: tradeId });
const invalidState = (trade: TradeRecord, action: string) =>
  new DomainError(ErrorReason.INVALID_TRADE_STATE, `a ${trade.status} trade cannot be ${action}`, { trade_id: trade.tradeId, state: trade.status });

/** One quantity per stack: an offer naming a stack twice gives the sum. */
function merged(items: AssetsRequest["items"]): Map<string, bigint> {
  const quantities = new Map<string, bigint>();
  for (const { itemId, quantity } of items) quantities.set(itemId, (quantities.get(itemId) ?? 0n) + quantity);
  return quantities;
}

/** A stable hash of what was offered, to tell a retry of a proposal from a reuse of its key. */
function hashOf(command: ProposeCommand): string {
  const side = (a: AssetsRequest) => ({ gold: a.gold.toString(), items: [...merged(a.items)].sort(([a], [b]) => a.localeCompare(b)).map(([id, q]) => [id, q.toString()]) });
  const canonical = JSON.stringify([command.counterpartyCharacterId, side(command.offer), side(command.request), command.ttlMs ?? null]);
  return createHash("sha256").update(canonical).digest("hex");
}

const party = (c: CharacterRecord): PartyRecord => ({ characterId: c.characterId, playerId: c.playerId, name: c.name });

export function createTrades(deps: { store: TradeStore; escrow: Escrow; limiter: ProposalLimiter; settlement: Settlement; limits: TradingLimits }): Trades {
  const { store, escrow, limiter, settlement, limits } = deps;

  /** The given side's assets as they are in inventory now, with what each stack is; refused when they are not there. */
  async function checkedAssets(giver: CharacterRecord, wanted: AssetsRequest): Promise<AssetsRecord> {
    const quantities = merged(wanted.items);
    try {
      const [stacks, balance] = await Promise.all([
        quantities.size === 0 ? new Map() : escrow.stacks(giver.characterId, [...quantities.keys()]),
        wanted.gold === 0n ? 0n : escrow.balance(giver.characterId),
      ]);
      if (balance < wanted.gold) {
        throw new DomainError(ErrorReason.ASSETS_UNAVAILABLE, `${giver.name} does not have ${wanted.gold} gold to give`, {
          character_id: giver.characterId,
          inventory_reason: "ERROR_REASON_INSUFFICIENT_FUNDS",
        });
      }
      const items: TradeItemRecord[] = [];
      for (const [itemId, quantity] of quantities) {
        const stack = stacks.get(itemId);
        if (stack === undefined || stack.usable < quantity) {
          throw new DomainError(ErrorReason.ASSETS_UNAVAILABLE, `${giver.name} does not have ${quantity} of item ${itemId} free to give`, {
            character_id: giver.characterId,
            item_id: itemId,
            inventory_reason: stack === undefined ? "ERROR_REASON_ITEM_NOT_FOUND" : "ERROR_REASON_INSUFFICIENT_QUANTITY",
          });
        }
        items.push({ itemId, quantity, definitionId: stack.definitionId, displayName: stack.displayName });
      }
      return { gold: wanted.gold, items };
    } catch (error) {
      if (error instanceof AssetsRefused && error.characterGone) {
        throw new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "that character does not exist any more", { character_id: giver.characterId });
      }
      throw error;
    }
  }

  /** The trade `load` finds, if the caller's player is on one of its sides. */
  async function visible(playerId: string, tradeId: string, load: (tradeId: string) => Promise<TradeRecord | undefined>): Promise<TradeRecord> {
    const trade = await load(tradeId);
    if (trade === undefined || (trade.proposer.playerId !== playerId && trade.counterparty.playerId !== playerId)) throw tradeNotFound(tradeId);
    return trade;
  }

  /** Moves an open offer to a final state with its event, under the trade's lock. */
  async function close(tx: TradeTransaction, trade: TradeRecord, status: "declined" | "cancelled" | "expired", byCharacterId = ""): Promise<TradeRecord> {
    const closed = await tx.update(trade.tradeId, { status, closedAt: new Date() });
    const event = tradeEvent(closed, byCharacterId);
    if (event !== undefined) await tx.publish([event]);
    return closed;
  }

  return {
    async propose(command) {
      if (command.proposerCharacterId === command.counterpartyCharacterId) {
        throw new DomainError(ErrorReason.SELF_TRADE, "a character cannot trade with itself", { character_id: command.proposerCharacterId });
      }
      if (isEmpty(command.offer) && isEmpty(command.request)) {
        throw new DomainError(ErrorReason.EMPTY_TRADE, "a trade must give or ask for something");
      }
      const proposer = await store.character(command.proposerCharacterId);
      if (proposer === undefined || proposer.deleted || proposer.playerId !== command.playerId) throw notOwner(command.proposerCharacterId);
      const requestHash = hashOf(command);

      // A retry is answered before any limit: it asks for nothing new.
      const earlier = await store.tradeByKey(proposer.characterId, command.idempotencyKey);
      if (earlier !== undefined) return sameOffer(earlier, requestHash, command.idempotencyKey);

      const decision = await limiter.check(command.playerId);
      if (!decision.allowed) {
        throw new DomainError(ErrorReason.RATE_LIMITED, "too many trade offers; wait a moment", { limit: "proposals" }, { retryAfterMs: decision.retryAfterMs });
      }
      const counterparty = await store.character(command.counterpartyCharacterId);
      if (counterparty === undefined || counterparty.deleted) {
        throw new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "no such character to trade with", { character_id: command.counterpartyCharacterId });
      }
      // Checked now so that a hopeless offer is refused at once; the saga holds them for real on acceptance.
      await requireUnrestricted(store, [proposer, counterparty]);
      const [offer, request] = await Promise.all([checkedAssets(proposer, command.offer), checkedAssets(counterparty, command.request)]);

      return store.transaction(async (tx) => {
        const locked = await tx.lockCharacter(proposer.characterId);
        if (locked === undefined || locked.deleted) throw notOwner(proposer.characterId);
        const raced = await tx.tradeByKey(proposer.characterId, command.idempotencyKey);
        if (raced !== undefined) return sameOffer(raced, requestHash, command.idempotencyKey);
        for (const [character, side] of [[proposer, "proposer"], [counterparty, "counterparty"]] as const) {
          if ((await tx.countOpen(character.characterId, side)) >= limits.maxOpenTradesPerCharacter) {
            throw new DomainError(ErrorReason.TOO_MANY_OPEN_TRADES, `${character.name} already has ${limits.maxOpenTradesPerCharacter} open trades`, {
              character_id: character.characterId,
              max: String(limits.maxOpenTradesPerCharacter),
            });
          }
        }
        const now = new Date();
        const trade: TradeRecord = {
          tradeId: randomUUID(),
          proposer: party(proposer),
          counterparty: party(counterparty),
          offer,
          request,
          status: "proposed",
          idempotencyKey: command.idempotencyKey,
          requestHash,
          proposerHoldId: undefined,
          counterpartyHoldId: undefined,
          failureReason: undefined,
          failureMessage: undefined,
          failedSide: undefined,
          createdAt: now,
          expiresAt: new Date(now.getTime() + (command.ttlMs ?? limits.defaultTtlMs)),
          acceptedAt: undefined,
          updatedAt: now,
          closedAt: undefined,
        };
        await tx.insert(trade);
        await tx.publish([tradeEvent(trade)!]);
        await tx.schedule([{ kind: "expire", tradeId: trade.tradeId, at: trade.expiresAt }]);
        return trade;
      });
    },

    async accept(playerId, tradeId) {
      const offered = await visible(playerId, tradeId, store.get);
      // A party restricted since the offer was made cannot complete it either.
      if (offered.status === "proposed") await requireUnrestricted(store, [offered.proposer, offered.counterparty]);
      const outcome = await store.transaction(async (tx) => {
        const trade = await visible(playerId, tradeId, tx.lock);
        if (trade.counterparty.playerId !== playerId) {
          throw new DomainError(ErrorReason.NOT_TRADE_PARTY, "only the character the offer was made to can accept it", { trade_id: tradeId });
        }
        switch (trade.status) {
          case "proposed":
            break;
          case "declined":
          case "cancelled":
            throw invalidState(trade, "accepted");
          case "expired":
            return { expired: true, justAccepted: false, trade };
          default:
            // Accepted before: the same answer again, never an error.
            return { expired: false, justAccepted: false, trade };
        }
        // The timer may not have run yet; the offer's time is what counts.
        if (trade.expiresAt.getTime() <= Date.now()) return { expired: true, justAccepted: false, trade: await close(tx, trade, "expired") };
        const accepted = await tx.update(tradeId, { status: "accepted", acceptedAt: new Date() });
        await tx.publish([tradeEvent(accepted)!]);
        // The saga runs at once below; its job is the net for a run that fails or a process that dies.
        await tx.schedule([{ kind: "settle", tradeId, at: new Date(Date.now() + limits.acceptWaitMs + settleNetDelayMs) }]);
        return { expired: false, justAccepted: true, trade: accepted };
      });
      // Thrown after the commit, so that the expiry found here is recorded.
      if (outcome.expired) throw new DomainError(ErrorReason.TRADE_EXPIRED, "the offer expired before it was accepted", { trade_id: tradeId });
      // Accepted before: its saga is running or done; the trade as it is now.
      if (!outcome.justAccepted) return outcome.trade;
      await settlement.runNow(tradeId, limits.acceptWaitMs);
      return (await store.get(tradeId)) ?? outcome.trade;
    },

    decline: (playerId, tradeId) =>
      store.transaction(async (tx) => {
        const trade = await visible(playerId, tradeId, tx.lock);
        if (trade.counterparty.playerId !== playerId) {
          throw new DomainError(ErrorReason.NOT_TRADE_PARTY, "only the character the offer was made to can decline it; the proposer cancels", { trade_id: tradeId });
        }
        if (trade.status === "declined") return trade;
        if (trade.status !== "proposed") throw invalidState(trade, "declined");
        return close(tx, trade, "declined");
      }),

    cancel: (playerId, tradeId) =>
      store.transaction(async (tx) => {
        const trade = await visible(playerId, tradeId, tx.lock);
        if (trade.status === "cancelled") return trade;
        if (trade.status !== "proposed") throw invalidState(trade, "cancelled");
        const by: TradeSide = trade.proposer.playerId === playerId ? "proposer" : "counterparty";
        return close(tx, trade, "cancelled", by === "proposer" ? trade.proposer.characterId : trade.counterparty.characterId);
      }),

    get: (playerId, tradeId) => visible(playerId, tradeId, store.get),

    async list(playerId, characterId, filter, cursor, limit) {
      const character = await store.character(characterId);
      if (character === undefined || character.playerId !== playerId) throw notOwner(characterId);
      return store.list(characterId, filter, cursor, limit);
    },

    characterCreated: (tx, character) => tx.recordCharacter(character),

    async characterDeleted(tx, characterId) {
      await tx.markCharacterDeleted(characterId);
      for (const tradeId of await tx.proposedTradesOf(characterId)) {
        const trade = await tx.lock(tradeId);
        if (trade?.status === "proposed") await close(tx, trade, "cancelled", characterId);
      }
    },
  };
}

/** A retry of a proposal gets its first trade; the same key for another offer is refused. */
function sameOffer(trade: TradeRecord, requestHash: string, key: string): TradeRecord {
  if (trade.requestHash !== requestHash) {
    throw new DomainError(ErrorReason.IDEMPOTENCY_KEY_REUSED, `idempotency key "${key}" was used before for another offer`, { idempotency_key: key });
  }
  return trade;
}
