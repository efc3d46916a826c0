import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRateLimiter, createRedis } from "../src/index.js";

const infra = inject("infra");
let gateway: Redis;
let combat: Redis;

beforeAll(() => {
  gateway = createRedis(infra.redisUrl, `gateway-test-${randomUUID()}`);
  combat = createRedis(infra.redisUrl, `combat-test-${randomUUID()}`);
});

afterAll(() => {
  gateway?.disconnect();
  combat?.disconnect();
});

describe("Redis conventions", () => {
  it("namespaces keys per service", async () => {
    await gateway.set("shared-name", "gateway's");
    await combat.set("shared-name", "combat's");
    expect(await gateway.get("shared-name")).toBe("gateway's");
    expect(await combat.get("shared-name")).toBe("combat's");
  });

  it("GCRA allows the burst, refuses the next with a retry time, and refills at the rate", async () => {
    const limiter = createRateLimiter(gateway);
    const subject = `player:${randomUUID()}`;
    const rate = { limit: 5, periodMs: 1_000 };
    const decisions = await Promise.all(Array.from({ length: 8 }, () => limiter.check(subject, rate)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(3);
    for (const decision of refused) {
      expect(decision.retryAfterMs).toBeGreaterThan(0);
      expect(decision.retryAfterMs).toBeLessThanOrEqual(200);
    }
    await new Promise((r) => setTimeout(r, 220));
    expect((await limiter.check(subject, rate)).allowed).toBe(true);
    expect((await limiter.check(subject, rate)).allowed).toBe(false);
  });

  it("takes rates whose interval is not a whole number of milliseconds (100,000 a minute: one per 0.6 ms)", async () => {
    const limiter = createRateLimiter(gateway);
    const subject = `player:${randomUUID()}`;
    const rate = { limit: 100_000, periodMs: 60_000 };
    const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.check(subject, rate)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
  });
});
