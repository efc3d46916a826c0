import { ItemRarity } from "@chaos/gen/chaos/inventory/v1/item_pb.js";

/** What an item is; stacks refer to it by id. */
export interface ItemDefinition {
  readonly id: string;
  readonly displayName: string;
  readonly rarity: ItemRarity;
}

/**
 * The items of this slice, kept in code: they change with game releases, not
 * at run time. Every one of them is a consumable (UseItem spends it);
 * equipment arrives with its own rules.
 */
const definitions: readonly ItemDefinition[] = [
  { id: "potion_of_mana", displayName: "Potion of Mana", rarity: ItemRarity.COMMON },
  { id: "potion_of_health", displayName: "Potion of Health", rarity: ItemRarity.COMMON },
  { id: "scroll_of_recall", displayName: "Scroll of Recall", rarity: ItemRarity.COMMON },
  { id: "ember_shard", displayName: "Ember Shard", rarity: ItemRarity.UNCOMMON },
  { id: "frost_crystal", displayName: "Frost Crystal", rarity: ItemRarity.RARE },
  { id: "phoenix_feather", displayName: "Phoenix Feather", rarity: ItemRarity.EPIC },
];

const byId = new Map(definitions.map((d) => [d.id, d]));

/** The definition named `id`, or undefined when the game has no such item. */
export function itemDefinition(id: string): ItemDefinition | undefined {
  return byId.get(id);
}
