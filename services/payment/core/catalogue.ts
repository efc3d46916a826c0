/** A gold pack for sale, with its price in minor units per ISO-4217 currency. */
export interface ProductRecord {
  readonly productId: string;
  readonly displayName: string;
  readonly gold: bigint;
  readonly prices: ReadonlyMap<string, bigint>;
}

/**
 * Reads the declarative catalogue (catalogue.json's shape): every product
 * needs an id, a name, a positive gold amount and at least one positive
 * price in a three-letter currency. A bad file stops start-up, naming the entry.
 */
export function parseCatalogue(text: string, origin: string): ProductRecord[] {
  const raw = JSON.parse(text) as { products?: unknown };
  if (!Array.isArray(raw.products) || raw.products.length === 0) throw new Error(`${origin}: "products" must be a non-empty list`);
  const ids = new Set<string>();
  return raw.products.map((entry: unknown, i: number) => {
    const p = entry as { productId?: unknown; displayName?: unknown; gold?: unknown; prices?: unknown };
    const where = `${origin}: products[${i}]`;
    if (typeof p.productId !== "string" || !/^[a-z0-9_]{1,64}$/.test(p.productId) || ids.has(p.productId)) throw new Error(`${where}.productId must be a unique [a-z0-9_]{1,64}`);
    ids.add(p.productId);
    if (typeof p.displayName !== "string" || p.displayName === "") throw new Error(`${where}.displayName is required`);
    if (typeof p.gold !== "number" || !Number.isSafeInteger(p.gold) || p.gold <= 0 || p.gold > 1_000_000_000) throw new Error(`${where}.gold must be a whole number from 1 to 1e9`);
    const prices = Object.entries((p.prices ?? {}) as Record<string, unknown>);
    if (prices.length === 0) throw new Error(`${where}.prices needs at least one currency`);
    for (const [currency, amount] of prices) {
      if (!/^[A-Z]{3}$/.test(currency) || typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
        throw new Error(`${where}.prices.${currency} must be a positive whole number of minor units under a three-letter currency`);
      }
    }
    return { productId: p.productId, displayName: p.displayName, gold: BigInt(p.gold), prices: new Map(prices.map(([c, a]) => [c, BigInt(a as number)])) };
  });
}
