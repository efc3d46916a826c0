import type { Redis } from "ioredis";

/** The outcome of trying to pay for a cast. */
export type Payment =
  | { readonly kind: "paid"; readonly manaAfter: number; readonly cooldownMs: number }
  | { readonly kind: "on_cooldown"; readonly remainingMs: number }
  | { readonly kind: "insufficient_mana"; readonly currentMana: number };

/** What a spell costs one character. */
export interface Price {
  readonly spellId: string;
  readonly manaCost: number;
  readonly cooldownMs: number;
}

/** A character's mana and cooldowns right now. */
export interface CombatSnapshot {
  readonly mana: number;
  /** Per spell id asked for: milliseconds until ready, 0 when ready. */
  readonly cooldownsMs: ReadonlyMap<string, number>;
}

/**
 * Mana and cooldowns, the combat service's authority (Redis). Mana may be
 * fractional (regeneration is continuous); callers round down for display.
 */
export interface ManaAndCooldowns {
  /**
   * Checks the cooldown and the mana and, when both allow it, spends the mana
   * and starts the cooldown — atomically, so of two concurrent casts that
   * together cost more than the character has, one is refused. `castId`
   * marks the cooldown as this cast's, so a refund clears only its own.
   */
  pay(characterId: string, price: Price, maxMana: number, castId: string): Promise<Payment>;
  /** Gives a failed cast's mana back and, with `clearCooldown`, ends the cooldown it started. */
  refund(characterId: string, price: Price, maxMana: number, castId: string, clearCooldown: boolean): Promise<void>;
  snapshot(characterId: string, spellIds: readonly string[], maxMana: number): Promise<CombatSnapshot>;
}

/**
 * Mana per character is a hash {mana, updated_at_ms}; the mana a character
 * has now is computed lazily from it (regeneration since updated_at_ms,
 * capped at the maximum), from Redis's clock (TIME), so every combat replica
 * agrees. A missing hash means full mana, which lets the hash expire once
 * regeneration would have filled it. Each cooldown is its own key with a PX
 * expiry holding the cast id that started it. Keys of one character share
 * the hash tag {<character id>}, so the scripts stay valid on a Redis Cluster.
 */
const currentMana = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local maxMana = tonumber(ARGV[1])
local regen = tonumber(ARGV[2])
local mana = maxMana
local stored = redis.call('HMGET', KEYS[1], 'mana', 'updated_at_ms')
if stored[1] and stored[2] then
  mana = math.min(maxMana, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * regen / 1000)
end
`;

const storeMana = `
local function storeMana(value)
  redis.call('HSET', KEYS[1], 'mana', tostring(value), 'updated_at_ms', tostring(now))
  if regen > 0 then
    redis.call('PEXPIRE', KEYS[1], math.ceil((maxMana - value) * 1000 / regen) + 1000)
  else
    redis.call('PERSIST', KEYS[1])
  end
end
`;

/** KEYS: mana, cooldown. ARGV: max mana, regen/s, cost, cooldown ms, cast id. */
const payScript = `${currentMana}${storeMana}
local cost = tonumber(ARGV[3])
local cooldownMs = tonumber(ARGV[4])
local remaining = redis.call('PTTL', KEYS[2])
if remaining > 0 then
  return {'on_cooldown', tostring(remaining)}
end
if mana < cost then
  return {'insufficient_mana', tostring(mana)}
end
storeMana(mana - cost)
if cooldownMs > 0 then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', cooldownMs)
end
return {'paid', tostring(mana - cost), tostring(cooldownMs)}
`;

/** KEYS: mana, cooldown. ARGV: max mana, regen/s, amount, cast id, clear cooldown (1/0). */
const refundScript = `${currentMana}${storeMana}
storeMana(math.min(maxMana, mana + tonumber(ARGV[3])))
if ARGV[5] == '1' and redis.call('GET', KEYS[2]) == ARGV[4] then
  redis.call('DEL', KEYS[2])
end
return 1
`;

/** KEYS: mana, then one cooldown key per spell. ARGV: max mana, regen/s. Reads only. */
const snapshotScript = `${currentMana}
local result = {tostring(mana)}
for i = 2, #KEYS do
  result[i] = math.max(0, redis.call('PTTL', KEYS[i]))
end
return result
`;

interface CombatScripts {
  combatPay(manaKey: string, cooldownKey: string, maxMana: number, regen: number, cost: number, cooldownMs: number, castId: string): Promise<[string, string, string?]>;
  combatRefund(manaKey: string, cooldownKey: string, maxMana: number, regen: number, amount: number, castId: string, clear: string): Promise<number>;
  combatSnapshot(...args: (string | number)[]): Promise<[string, ...number[]]>;
}

const manaKey = (characterId: string) => `mana:{${characterId}}`;
const cooldownKey = (characterId: string, spellId: string) => `cooldown:{${characterId}}:${spellId}`;

/** Mana and cooldowns in Redis (keys under the client's "combat:" prefix); `regenPerSecond` as configured. */
export function createManaAndCooldowns(redis: Redis, options: { readonly regenPerSecond: number }): ManaAndCooldowns {
  redis.defineCommand("combatPay", { numberOfKeys: 2, lua: payScript });
  redis.defineCommand("combatRefund", { numberOfKeys: 2, lua: refundScript });
  redis.defineCommand("combatSnapshot", { lua: snapshotScript });
  const scripts = redis as unknown as CombatScripts;
  const regen = options.regenPerSecond;

  return {
    async pay(characterId, price, maxMana, castId) {
      const [outcome, value, cooldown] = await scripts.combatPay(manaKey(characterId), cooldownKey(characterId, price.spellId), maxMana, regen, price.manaCost, price.cooldownMs, castId);
      if (outcome === "on_cooldown") return { kind: "on_cooldown", remainingMs: Number(value) };
      if (outcome === "insufficient_mana") return { kind: "insufficient_mana", currentMana: Number(value) };
      return { kind: "paid", manaAfter: Number(value), cooldownMs: Number(cooldown) };
    },
    async refund(characterId, price, maxMana, castId, clearCooldown) {
      await scripts.combatRefund(manaKey(characterId), cooldownKey(characterId, price.spellId), maxMana, regen, price.manaCost, castId, clearCooldown ? "1" : "0");
    },
    async snapshot(characterId, spellIds, maxMana) {
      const keys = [manaKey(characterId), ...spellIds.map((spellId) => cooldownKey(characterId, spellId))];
      const [mana, ...remaining] = await scripts.combatSnapshot(keys.length, ...keys, maxMana, regen);
      return { mana: Number(mana), cooldownsMs: new Map(spellIds.map((spellId, i) => [spellId, Number(remaining[i] ?? 0)])) };
    },
  };
}
