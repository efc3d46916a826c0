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

/** One payment for a cast: a cast id may be paid twice (two racing retries of one key), a payment id only once. */
export interface PaymentRef {
  readonly castId: string;
  readonly paymentId: string;
}

/** A payment neither settled (its cast hit and is recorded) nor refunded yet. */
export interface UnsettledPayment extends PaymentRef {
  readonly characterId: string;
  readonly price: Price;
  readonly maxMana: number;
}

/**
 * Mana and cooldowns, the combat service's authority (Redis). Mana may be
 * fractional (regeneration is continuous); callers round down for display.
 *
 * Every payment stays on record as unsettled until it is settled (its cast hit
 * and is recorded) or refunded, so combat can find the payments whose cast it
 * lost (a crash, its database away) and give them back: mana is never spent
 * without a recorded outcome.
 */
export interface ManaAndCooldowns {
  /**
   * Checks the cooldown and the mana and, when both allow it, spends the mana
   * and starts the cooldown — atomically, so of two concurrent casts that
   * together cost more than the character has, one is refused. The cooldown
   * holds the cast id, so a refund clears only its own.
   */
  pay(characterId: string, price: Price, maxMana: number, payment: PaymentRef): Promise<Payment>;
  /** The payment bought a hit that is recorded: it stays spent and leaves the unsettled record. */
  settle(characterId: string, paymentId: string): Promise<void>;
  /**
   * Gives an unsettled payment's mana back and, with `clearCooldown`, ends the
   * cooldown its cast started; once only (false when already settled or refunded).
   */
  refund(characterId: string, price: Price, maxMana: number, payment: PaymentRef, clearCooldown: boolean): Promise<boolean>;
  /** Up to `limit` payments still unsettled `olderThanMs` after they were made, oldest first. */
  unsettled(olderThanMs: number, limit: number): Promise<UnsettledPayment[]>;
  snapshot(characterId: string, spellIds: readonly string[], maxMana: number): Promise<CombatSnapshot>;
}

/**
 * Mana per character is a hash {mana, updated_at_ms}; the mana a character
 * has now is computed lazily from it (regeneration since updated_at_ms,
 * capped at the maximum), from Redis's clock (TIME), so every combat replica
 * agrees. A missing hash means full mana, which lets the hash expire once
 * regeneration would have filled it. Each cooldown is its own key with a PX
 * expiry holding the cast id that started it. A character's unsettled
 * payments are a hash {payment id: what a refund needs}, written by the same
 * script that pays. Keys of one character share the hash tag {<character id>},
 * so the scripts stay valid on a Redis Cluster; the index of all unsettled
 * payments (a sorted set by time, for finding lost ones) is another slot, so it
 * is written beside the scripts: before paying, and after settling.
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

/** KEYS: mana, cooldown, unsettled payments. ARGV: max mana, regen/s, cost, cooldown ms, cast id, payment id, its record. */
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
redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
return {'paid', tostring(mana - cost), tostring(cooldownMs)}
`;

/** KEYS: mana, cooldown, unsettled payments. ARGV: max mana, regen/s, amount, cast id, clear cooldown (1/0), payment id. */
const refundScript = `${currentMana}${storeMana}
if redis.call('HDEL', KEYS[3], ARGV[6]) == 0 then
  return 0
end
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
  combatPay(manaKey: string, cooldownKey: string, paymentsKey: string, maxMana: number, regen: number, cost: number, cooldownMs: number, castId: string, paymentId: string, record: string): Promise<[string, string, string?]>;
  combatRefund(manaKey: string, cooldownKey: string, paymentsKey: string, maxMana: number, regen: number, amount: number, castId: string, clear: string, paymentId: string): Promise<number>;
  combatSnapshot(...args: (string | number)[]): Promise<[string, ...number[]]>;
}

/** A pipeline with the pay script queued like a built-in command (ioredis adds defined commands to pipelines too). */
interface CombatPipeline {
  combatPay(...args: Parameters<CombatScripts["combatPay"]>): { exec(): Promise<[Error | null, unknown][] | null> };
}

const manaKey = (characterId: string) => `mana:{${characterId}}`;
const cooldownKey = (characterId: string, spellId: string) => `cooldown:{${characterId}}:${spellId}`;
const paymentsKey = (characterId: string) => `payments:{${characterId}}`;
/** Every character's unsettled payments by time: members "<character id> <payment id>" (neither has a space). */
const unsettledIndex = "unsettled-payments";

/** What a refund of a payment needs, kept with it until it is settled or refunded. */
interface PaymentRecord {
  readonly castId: string;
  readonly price: Price;
  readonly maxMana: number;
}

/** Mana and cooldowns in Redis (keys under the client's "combat:" prefix); `regenPerSecond` as configured. */
export function createManaAndCooldowns(redis: Redis, options: { readonly regenPerSecond: number }): ManaAndCooldowns {
  redis.defineCommand("combatPay", { numberOfKeys: 3, lua: payScript });
  redis.defineCommand("combatRefund", { numberOfKeys: 3, lua: refundScript });
  redis.defineCommand("combatSnapshot", { lua: snapshotScript });
  const scripts = redis as unknown as CombatScripts;
  const regen = options.regenPerSecond;
  const member = (characterId: string, paymentId: string) => `${characterId} ${paymentId}`;
  /** The refund script for one payment: 1 when it gave the mana back, 0 when the payment was already settled or refunded. */
  const refundPayment = (characterId: string, price: Price, maxMana: number, { castId, paymentId }: PaymentRef, clearCooldown: boolean) =>
    scripts.combatRefund(manaKey(characterId), cooldownKey(characterId, price.spellId), paymentsKey(characterId), maxMana, regen, price.manaCost, castId, clearCooldown ? "1" : "0", paymentId);

  return {
    async pay(characterId, price, maxMana, { castId, paymentId }) {
      const record: PaymentRecord = { castId, price, maxMana };
      // Indexed first, in the same round trip: a payment then never exists unindexed, whatever happens to
      // this process after the script. The entry of a refused payment is removed below, or by the sweep
      // (its payment is not in the character's hash).
      const pipeline = redis.pipeline().zadd(unsettledIndex, Date.now(), member(characterId, paymentId)) as unknown as CombatPipeline;
      const results = await pipeline
        .combatPay(manaKey(characterId), cooldownKey(characterId, price.spellId), paymentsKey(characterId), maxMana, regen, price.manaCost, price.cooldownMs, castId, paymentId, JSON.stringify(record))
        .exec();
      const [[indexError], [payError, paid]] = results as [[Error | null, unknown], [Error | null, [string, string, string?]]];
      if (payError !== null) throw payError;
      const [outcome, value, cooldown] = paid;
      if (outcome === "paid") {
        if (indexError !== null) {
          // Not findable if lost: given back at once rather than risked.
          await refundPayment(characterId, price, maxMana, { castId, paymentId }, true);
          throw indexError;
        }
        return { kind: "paid", manaAfter: Number(value), cooldownMs: Number(cooldown) };
      }
      // Nothing was spent; a lost removal only leaves work for the sweep.
      redis.zrem(unsettledIndex, member(characterId, paymentId)).catch(() => undefined);
      if (outcome === "on_cooldown") return { kind: "on_cooldown", remainingMs: Number(value) };
      return { kind: "insufficient_mana", currentMana: Number(value) };
    },
    async settle(characterId, paymentId) {
      // A pipeline, not MULTI: the two keys are in different slots (see above), and each removal stands alone.
      await redis.pipeline().hdel(paymentsKey(characterId), paymentId).zrem(unsettledIndex, member(characterId, paymentId)).exec();
    },
    async refund(characterId, price, maxMana, payment, clearCooldown) {
      const refunded = await refundPayment(characterId, price, maxMana, payment, clearCooldown);
      await redis.zrem(unsettledIndex, member(characterId, payment.paymentId));
      return refunded === 1;
    },
    async unsettled(olderThanMs, limit) {
      const members = await redis.zrangebyscore(unsettledIndex, "-inf", Date.now() - olderThanMs, "LIMIT", 0, limit);
      if (members.length === 0) return [];
      const parsed = members.map((entry) => {
        const [characterId = "", paymentId = ""] = entry.split(" ");
        return { entry, characterId, paymentId };
      });
      // One round trip for all of them, not one per payment.
      const lookups = parsed.reduce((pipeline, { characterId, paymentId }) => pipeline.hget(paymentsKey(characterId), paymentId), redis.pipeline());
      const stored = ((await lookups.exec()) ?? []).map(([error, value]) => (error === null ? (value as string | null) : undefined));
      // Settled or refunded already (or refused): only the index entry was left behind. (An unanswered lookup is left for the next sweep.)
      const stale = parsed.filter((_, i) => stored[i] === null).map((p) => p.entry);
      if (stale.length > 0) await redis.zrem(unsettledIndex, ...stale);
      return parsed.flatMap(({ characterId, paymentId }, i) => {
        const record = stored[i];
        if (typeof record !== "string") return [];
        const { castId, price, maxMana } = JSON.parse(record) as PaymentRecord;
        return [{ characterId, paymentId, castId, price, maxMana }];
      });
    },
    async snapshot(characterId, spellIds, maxMana) {
      const keys = [manaKey(characterId), ...spellIds.map((spellId) => cooldownKey(characterId, spellId))];
      const [mana, ...remaining] = await scripts.combatSnapshot(keys.length, ...keys, maxMana, regen);
      return { mana: Number(mana), cooldownsMs: new Map(spellIds.map((spellId, i) => [spellId, Number(remaining[i] ?? 0)])) };
    },
  };
}
