/** Gold as people read it: "1,250 gold". */
export function formatGold(amount: bigint): string {
  return `${amount.toLocaleString("en")} gold`;
}

/**
 * A whole, non-negative amount typed into a field, or undefined when the text
 * is not one (empty means 0). BigInt, because gold is an int64 on the wire.
 */
export function parseAmount(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return 0n;
  return /^\d{1,10}$/.test(trimmed) ? BigInt(trimmed) : undefined;
}
