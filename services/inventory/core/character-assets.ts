import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetStore, AssetTransaction } from "../store/asset-store.js";
import type { StackRecord, WalletRecord } from "./asset-records.js";
import { itemsRemoved } from "./asset-events.js";
import { requireGiftsAllowed } from "./gift-restrictions.js";
import { requireTwoAccounts, transferGold } from "./gold-transfers.js";
import { jsonResult, once } from "./idempotency.js";
import { usableStack } from "./item-movements.js";
import { walletAccount } from "./ledger-accounts.js";
import { ledgerPage, type LedgerPage } from "./ledger-pages.js";

/** What a player sees of, and does with, their own characters' assets. */
export interface CharacterAssets {
  listItems(playerId: string, characterId: string): Promise<StackRecord[]>;
  wallet(playerId: string, characterId: string): Promise<WalletRecord>;
  ledger(playerId: string, characterId: string, beforeSeq: bigint | undefined, pageSize: number): Promise<LedgerPage>;
  /** Consumes items; with an idempotency key, a retry answers the first result. */
  useItem(playerId: string, characterId: string, itemId: string, quantity: bigint, idempotencyKey: string): Promise<StackRecord>;
  /** Destroys items; the stack afterwards has quantity zero when it is gone. */
  discardItem(playerId: string, characterId: string, itemId: string, quantity: bigint): Promise<StackRecord>;
  /**
   * Gives gold from one of the player's characters to any live character
   * (CHARACTER_NOT_FOUND otherwise); returns the giver's wallet afterwards. A
   * retry with the same key answers the first result and sends nothing again.
   * GOLD_TRANSFER_RESTRICTED while anti-cheat bars either side's player: the
   * one move here a player starts (see gift-restrictions.ts for why only it).
   */
  sendGold(playerId: string, fromCharacterId: string, toCharacterId: string, amount: bigint, idempotencyKey: string): Promise<WalletRecord>;
}

const stackResult = jsonResult<StackRecord>();
const walletResult = jsonResult<WalletRecord>();

export function createCharacterAssets(store: AssetStore): CharacterAssets {
  /**
   * NOT_CHARACTER_OWNER both for someone else's character and for one that
   * does not exist (or is not known here yet): a caller learns nothing about
   * characters that are not theirs.
   */
  const requireOwner = async (playerId: string, characterId: string) => {
    if ((await store.liveCharacters([characterId])).get(characterId) !== playerId) {
      throw new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "the character is not one of yours", { character_id: characterId });
    }
  };

  const remove = async (tx: AssetTransaction, characterId: string, itemId: string, quantity: bigint, reason: string): Promise<StackRecord> => {
    await tx.lockAccount(walletAccount(characterId));
    const stack = await usableStack(tx, characterId, itemId, quantity);
    const after = { ...stack, quantity: stack.quantity - quantity };
    await tx.saveStack(after);
    await tx.publish([itemsRemoved(characterId, [{ definitionId: stack.definitionId, quantity }], reason, new Date())]);
    return after;
  };

  return {
    async listItems(playerId, characterId) {
      await requireOwner(playerId, characterId);
      return store.listStacks(characterId);
    },
    async wallet(playerId, characterId) {
      await requireOwner(playerId, characterId);
      return { characterId, ...(await store.wallet(characterId)) };
    },
    async ledger(playerId, characterId, beforeSeq, pageSize) {
      await requireOwner(playerId, characterId);
      return ledgerPage(store, walletAccount(characterId), beforeSeq, pageSize);
    },
    async useItem(playerId, characterId, itemId, quantity, idempotencyKey) {
      await requireOwner(playerId, characterId);
      return store.transaction((tx) => {
        const use = () => remove(tx, characterId, itemId, quantity, "used");
        // The key is scoped to the character: two players' clients may well pick the same key.
        return idempotencyKey === "" ? use() : once(tx, `use:${characterId}:${idempotencyKey}`, "use_item", [characterId, itemId, quantity], stackResult, use);
      });
    },
    async discardItem(playerId, characterId, itemId, quantity) {
      await requireOwner(playerId, characterId);
      return store.transaction((tx) => remove(tx, characterId, itemId, quantity, "discarded"));
    },
    async sendGold(playerId, fromCharacterId, toCharacterId, amount, idempotencyKey) {
      await requireOwner(playerId, fromCharacterId);
      const from = walletAccount(fromCharacterId);
      const to = walletAccount(toCharacterId);
      requireTwoAccounts(from, to);
      return store.transaction((tx) =>
        // Scoped to the giver, as UseItem's key is to its character.
        once(tx, `send:${fromCharacterId}:${idempotencyKey}`, "send_gold", [fromCharacterId, toCharacterId, amount], walletResult, async () => {
          // Checked inside the key's transaction: a retry of a gift sent before the restriction still answers its first result.
          const live = await tx.liveCharacters([fromCharacterId, toCharacterId]);
          const sides = [fromCharacterId, toCharacterId].flatMap((characterId) => {
            const playerId = live.get(characterId);
            // An unknown or deleted receiver is transferGold's CHARACTER_NOT_FOUND.
            return playerId === undefined ? [] : [{ characterId, playerId }];
          });
          await requireGiftsAllowed(tx, sides);
          await transferGold(tx, from, to, amount, new Date());
          return { characterId: fromCharacterId, ...(await tx.wallet(fromCharacterId)) };
        }),
      );
    },
  };
}
