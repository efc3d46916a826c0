import { describe, expect, it } from "vitest";
import { loadGatewayConfig, parseRate } from "./config.js";

describe("gateway settings", () => {
  it("default to 100/s burst 200 per address, 50/s burst 100 per player, the console's origins and 5 s of session cache", () => {
    const config = loadGatewayConfig({});
    expect(config.ipRate).toEqual({ limit: 100, periodMs: 1_000, burst: 200 });
    expect(config.playerRate).toEqual({ limit: 50, periodMs: 1_000, burst: 100 });
    expect(config.corsOrigins).toEqual(["http://127.0.0.1:8080", "http://localhost:8080"]);
    expect(config.sessionCacheMs).toBe(5_000);
    expect(config.maxStreamsPerPlayer).toBe(5);
    expect(config.maxMessageBytes).toBe(65_536);
  });

  it.each([
    ["5/s", { limit: 5, periodMs: 1_000, burst: 5 }],
    ["600/m", { limit: 600, periodMs: 60_000, burst: 600 }],
    ["5/s burst 2", { limit: 5, periodMs: 1_000, burst: 2 }],
    [" 10 / m burst 20 ", { limit: 10, periodMs: 60_000, burst: 20 }],
  ])("read the rate %j", (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });

  it.each(["", "5", "5/h", "0/s", "-1/s", "1.5/s", "5/s burst", "5/s burst 0", "fast"])("refuse the rate %j", (text) => {
    expect(parseRate(text)).toBeUndefined();
  });

  it("stop start-up with a message naming the variable", () => {
    expect(() => loadGatewayConfig({ CHAOS_GATEWAY_PLAYER_RATE: "lots" })).toThrow(/CHAOS_GATEWAY_PLAYER_RATE.*"lots"/);
    expect(() => loadGatewayConfig({ CHAOS_GATEWAY_IP_RATE: "10/h" })).toThrow(/CHAOS_GATEWAY_IP_RATE/);
    expect(() => loadGatewayConfig({ CHAOS_GATEWAY_SESSION_CACHE_MS: "-5" })).toThrow(/CHAOS_GATEWAY_SESSION_CACHE_MS/);
    expect(() => loadGatewayConfig({ CHAOS_GATEWAY_CORS_ORIGINS: "http://localhost:8080/console" })).toThrow(/CHAOS_GATEWAY_CORS_ORIGINS/);
    expect(() => loadGatewayConfig({ CHAOS_GATEWAY_MAX_STREAMS_PER_PLAYER: "0" })).toThrow(/CHAOS_GATEWAY_MAX_STREAMS_PER_PLAYER/);
  });

  it("accept a list of origins, or any", () => {
    expect(loadGatewayConfig({ CHAOS_GATEWAY_CORS_ORIGINS: "https://play.chaos.world, http://localhost:5173" }).corsOrigins).toEqual([
      "https://play.chaos.world",
      "http://localhost:5173",
    ]);
    expect(loadGatewayConfig({ CHAOS_GATEWAY_CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
  });
});
