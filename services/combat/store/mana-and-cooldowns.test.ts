import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createRedis } from "@chaos/mesh";
import { createManaAndCooldowns, type PaymentRef, type UnsettledPayment } from "./mana-and-cooldowns.js";

// A prefix of its own, so this file never touches a running world's keys.
const redis = createRedis(inject("infra").redisUrl, `combat-test-${randomUUID()}`);
afterAll(() => redis.disconnect());

const fireball = { spellId: "fireball", manaCost: 25, cooldownMs: 60_000 };
/** A fresh payment of the cast `castId`. */
const payment = (castId: string) => ({ castId, paymentId: randomUUID() });
const arcaneBolt = { spellId: "arcane_bolt", manaCost: 30, cooldownMs: 0 };

describe("mana and cooldowns in Redis (real server)", () => {
  const resources = createManaAndCooldowns(redis, { regenPerSecond: 0 });

  it("starts at full mana, spends it, and starts the cooldown", async () => {
    const character = randomUUID();
    expect((await resources.snapshot(character, ["fireball"], 120)).mana).toBe(120);
    expect(await resources.pay(character, fireball, 120, payment("cast-1"))).toEqual({ kind: "paid", manaAfter: 95, cooldownMs: 60_000 });
    const after = await resources.snapshot(character, ["fireball", "arcane_bolt"], 120);
    expect(after.mana).toBe(95);
    expect(after.cooldownsMs.get("fireball")).toBeGreaterThan(0);
    expect(after.cooldownsMs.get("arcane_bolt")).toBe(0);
  });

  it("refuses a spell on cooldown with the time left, spending nothing", async () => {
    const character = randomUUID();
    await resources.pay(character, fireball, 120, payment("cast-1"));
    const refusal = await resources.pay(character, fireball, 120, payment("cast-2"));
    expect(refusal.kind).toBe("on_cooldown");
    expect(refusal.kind === "on_cooldown" && refusal.remainingMs).toBeGreaterThan(0);
    expect((await resources.snapshot(character, [], 120)).mana).toBe(95);
  });

  it("refuses when mana is short, reporting what there is", async () => {
    const character = randomUUID();
    for (let i = 0; i < 4; i++) expect((await resources.pay(character, arcaneBolt, 120, payment(`cast-${i}`))).kind).toBe("paid");
    expect(await resources.pay(character, arcaneBolt, 120, payment("cast-5"))).toEqual({ kind: "insufficient_mana", currentMana: 0 });
  });

  it("lets exactly as many concurrent casts pass as the mana pays for", async () => {
    const character = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => resources.pay(character, arcaneBolt, 120, payment(`cast-${i}`))));
    expect(outcomes.filter((o) => o.kind === "paid")).toHaveLength(4);
    expect((await resources.snapshot(character, [], 120)).mana).toBe(0);
  });

  it("refunds a payment once, and clears only the cooldown its own cast started", async () => {
    const character = randomUUID();
    const bolts = [payment("bolt-1"), payment("bolt-2")];
    for (const bolt of bolts) await resources.pay(character, arcaneBolt, 120, bolt);
    expect(await resources.refund(character, arcaneBolt, 120, bolts[0]!, true)).toBe(true);
    expect(await resources.refund(character, arcaneBolt, 120, bolts[0]!, true)).toBe(false);
    expect((await resources.snapshot(character, [], 120)).mana).toBe(90);

    const cast = payment("cast-1");
    await resources.pay(character, fireball, 120, cast);
    // A second payment of the same cast (racing retries of one key) is given back without touching the cooldown.
    await resources.refund(character, fireball, 120, { castId: "someone-else", paymentId: cast.paymentId }, true);
    let state = await resources.snapshot(character, ["fireball"], 120);
    expect(state.mana).toBe(90);
    expect(state.cooldownsMs.get("fireball")).toBeGreaterThan(0);

    const other = randomUUID();
    const own = payment("cast-2");
    await resources.pay(other, fireball, 120, own);
    await resources.refund(other, fireball, 120, own, true);
    state = await resources.snapshot(other, ["fireball"], 120);
    expect(state).toEqual({ mana: 120, cooldownsMs: new Map([["fireball", 0]]) });
    expect((await resources.pay(other, fireball, 120, payment("cast-3"))).kind).toBe("paid");
  });

  it("keeps every payment unsettled until it is settled or refunded, and lists those older than asked, oldest first", async () => {
    const character = randomUUID();
    const [settled, refunded, lostFirst, lostSecond, refused] = ["a", "b", "c", "d", "e"].map((c) => payment(`cast-${c}`)) as [PaymentRef, PaymentRef, PaymentRef, PaymentRef, PaymentRef];
    for (const paid of [settled, refunded, lostFirst, lostSecond]) {
      expect((await resources.pay(character, arcaneBolt, 120, paid)).kind).toBe("paid");
      // Payments are indexed by the millisecond; two in the same one would list in either order.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect((await resources.pay(character, arcaneBolt, 120, refused)).kind).toBe("insufficient_mana");
    await resources.settle(character, settled.paymentId);
    await resources.refund(character, arcaneBolt, 120, refunded, true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const ofCharacter = (all: readonly UnsettledPayment[]) => all.filter((p) => p.characterId === character);
    expect(ofCharacter(await resources.unsettled(20, 1_000))).toEqual([
      { characterId: character, ...lostFirst, price: arcaneBolt, maxMana: 120 },
      { characterId: character, ...lostSecond, price: arcaneBolt, maxMana: 120 },
    ]);
    expect(ofCharacter(await resources.unsettled(60_000, 1_000))).toEqual([]);
  });

  it("regenerates from the time stored with the mana, capped at the maximum", async () => {
    const regenerating = createManaAndCooldowns(redis, { regenPerSecond: 2 });
    const character = randomUUID();
    const [seconds, micros] = await redis.time();
    const redisNowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // As if the character had 10 mana five seconds ago (Redis's clock, as the scripts use).
    await redis.hset(`mana:{${character}}`, "mana", "10", "updated_at_ms", String(redisNowMs - 5_000));
    expect(Math.floor((await regenerating.snapshot(character, [], 120)).mana)).toBe(20);
    await redis.hset(`mana:{${character}}`, "mana", "10", "updated_at_ms", String(redisNowMs - 3_600_000));
    expect((await regenerating.snapshot(character, [], 120)).mana).toBe(120);
  });

  it("keeps each character's keys under the service's prefix", async () => {
    const character = randomUUID();
    await resources.pay(character, fireball, 120, payment("cast-1"));
    const raw = createRedis(inject("infra").redisUrl, "unprefixed-probe");
    try {
      const keys = await raw.call("KEYS", `*${character}*`) as string[];
      expect(keys.sort()).toEqual(
        [`${redis.options.keyPrefix}cooldown:{${character}}:fireball`, `${redis.options.keyPrefix}mana:{${character}}`, `${redis.options.keyPrefix}payments:{${character}}`].sort(),
      );
    } finally {
      raw.disconnect();
    }
  });
});
