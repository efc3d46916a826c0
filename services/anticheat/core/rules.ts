import type { PlacedAt } from "./records.js";

/** What a rule found: the evidence a moderator reads. */
export interface Finding {
  readonly evidence: string;
}

type Point = Omit<PlacedAt, "at">;

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);

/**
 * A move farther than the top speed allows since the character's previous
 * move. Measured from the move's own `from` (what the client claimed) to `to`,
 * over the time since the last move anticheat saw; the first move of a
 * character tells no time, and a change of zone (a portal) is not measured.
 */
export function speedFinding(previous: PlacedAt | undefined, from: Point, to: Point, at: Date, limits: { maxSpeed: number; minMoveIntervalMs: number }): Finding | undefined {
  if (previous === undefined || from.zoneId !== to.zoneId) return undefined;
  const seconds = Math.max(at.getTime() - previous.at.getTime(), limits.minMoveIntervalMs) / 1000;
  const moved = distance(from, to);
  const speed = moved / seconds;
  if (speed <= limits.maxSpeed) return undefined;
  return { evidence: `moved ${moved.toFixed(1)} in ${seconds.toFixed(2)} s in ${to.zoneId} (${speed.toFixed(1)}/s, top speed ${limits.maxSpeed}/s)` };
}

/**
 * A spell as the cast-rate and damage rules see it: what combat's SpellCast
 * said of it at the cast (0 where an older combat did not say: no signal).
 */
export interface SpellLimits {
  readonly cooldownMs: number;
  readonly baseDamage: number;
}

/** A recast of a spell before its cooldown (less the tolerance) had passed since the previous cast of it. */
export function castRateFinding(spellId: string, spell: SpellLimits | undefined, previousCastAt: Date | undefined, at: Date, tolerance: number): Finding | undefined {
  if (spell === undefined || spell.cooldownMs === 0 || previousCastAt === undefined) return undefined;
  const gap = at.getTime() - previousCastAt.getTime();
  if (gap >= spell.cooldownMs * (1 - tolerance)) return undefined;
  return { evidence: `cast ${spellId} ${gap} ms after the previous one; cooldown ${spell.cooldownMs} ms` };
}

/** When a character was last defeated and last brought back, by event time. */
export interface DefeatState {
  readonly defeatedAt: Date | undefined;
  readonly revivedAt: Date | undefined;
}

/** A cast by a character defeated (and not brought back) more than `graceMs` before it. */
export function castWhileDefeatedFinding(state: DefeatState | undefined, at: Date, graceMs: number): Finding | undefined {
  const defeatedAt = state?.defeatedAt;
  if (defeatedAt === undefined) return undefined;
  const revived = state!.revivedAt !== undefined && state!.revivedAt.getTime() >= defeatedAt.getTime();
  if (revived || at.getTime() - defeatedAt.getTime() <= graceMs) return undefined;
  return { evidence: `cast ${at.getTime() - defeatedAt.getTime()} ms after being defeated` };
}

/**
 * The most a spell can hit for: combat's formula base × (1 + power/20) ×
 * (1 − resistance/100) at the highest power and no resistance, rounded up.
 */
export function maxDamageOf(spell: SpellLimits, maxSpellPower: number): number {
  return Math.ceil((spell.baseDamage * (20 + maxSpellPower)) / 20);
}

/** A hit above the spell's most. */
export function impossibleDamageFinding(spellId: string, spell: SpellLimits | undefined, amount: number, maxSpellPower: number): Finding | undefined {
  if (spell === undefined || spell.baseDamage === 0) return undefined;
  const most = maxDamageOf(spell, maxSpellPower);
  if (amount <= most) return undefined;
  return { evidence: `${spellId} hit for ${amount}; at most ${most} is possible` };
}

/** What one side of a settled trade gave. */
export interface Given {
  readonly playerId: string;
  readonly gold: bigint;
  readonly items: number;
}

/** Gold one player gave another for nothing in return. */
export interface Gift {
  readonly giverPlayerId: string;
  readonly receiverPlayerId: string;
  readonly gold: bigint;
}

/** The trade's gift, if one side gave at least `minGold` and got nothing back: what a gold-selling ring's mules do. */
export function giftOf(a: Given, b: Given, minGold: bigint): Gift | undefined {
  const nothing = (g: Given) => g.gold === 0n && g.items === 0;
  if (a.gold >= minGold && nothing(b)) return { giverPlayerId: a.playerId, receiverPlayerId: b.playerId, gold: a.gold };
  if (b.gold >= minGold && nothing(a)) return { giverPlayerId: b.playerId, receiverPlayerId: a.playerId, gold: b.gold };
  return undefined;
}

/** Gold from `givers` distinct players (within the window) to one receiver, at or above the threshold. */
export function funnelFinding(givers: number, gold: bigint, threshold: number, windowMs: number): Finding | undefined {
  if (givers < threshold) return undefined;
  return { evidence: `received ${gold} gold for nothing from ${givers} players within ${(windowMs / 3_600_000).toFixed(1)} h` };
}

/**
 * Whether an address tells players apart. Empty (a call that did not come
 * through the gateway) and loopback addresses are shared by everyone on the
 * machine, so they count for nothing. Addresses carry no location here, so
 * impossible travel cannot be inferred; many accounts behind one address can.
 */
export function distinguishableAddress(ipAddress: string): boolean {
  const address = ipAddress.trim().toLowerCase();
  return address !== "" && address !== "::1" && !address.startsWith("127.") && !address.startsWith("::ffff:127.") && address !== "localhost";
}

/** `accounts` distinct accounts logged in from one address within the window, at or above the threshold. */
export function sharedAddressFinding(ipAddress: string, accounts: number, threshold: number): Finding | undefined {
  if (!distinguishableAddress(ipAddress) || accounts < threshold) return undefined;
  return { evidence: `${accounts} accounts logged in from ${ipAddress}` };
}
