import { describe, expect, it } from "vitest";
import { balancedSplit, formMatches, pickBackfill, type QueuedTicket } from "./matcher.js";
import type { QueueConfig } from "./queue-config.js";
import { ratingWindowAt } from "./rating-window.js";

const now = new Date("2026-12-02T12:00:00Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
let n = 0;
const ticket = (rating: number, waited = 0, region = "eu", size = 1): QueuedTicket => {
  n++;
  return { ticketId: `t${String(n).padStart(4, "0")}`, characterIds: Array.from({ length: size }, (_, i) => `c${n}-${i}`), region, rating, enqueuedAt: ago(waited) };
};
const duel: QueueConfig = { id: "ranked-1v1", teamSize: 1, ranked: true, initialWindow: 2, widenPerSecond: 0.5, maxWindow: 10, maxTeamGap: 10, maxLatencyMs: 200 };
const arena: QueueConfig = { id: "ranked-3v3", teamSize: 3, ranked: true, initialWindow: 3, widenPerSecond: 0.5, maxWindow: 12, maxTeamGap: 1, maxLatencyMs: 200 };

describe("the rating window", () => {
  it("starts at the initial width, widens per second in queue, and stops at the maximum", () => {
    expect(ratingWindowAt(duel, now, now)).toBe(2);
    expect(ratingWindowAt(duel, ago(4), now)).toBe(4);
    expect(ratingWindowAt(duel, ago(3600), now)).toBe(10);
  });
});

describe("a matching round", () => {
  it("pairs close ratings and leaves a far one waiting until its window has widened enough", () => {
    const [a, b, far] = [ticket(25), ticket(26), ticket(31)];
    const first = formMatches([a, b, far], duel, now);
    expect(first.map((m) => m.teams.map((t) => t.tickets[0]!.ticketId).sort())).toEqual([[a.ticketId, b.ticketId].sort()]);
    // 6 apart: both tickets need a window of 6, i.e. 8 seconds in queue.
    const c = ticket(25, 7);
    const lateFar = { ...far, enqueuedAt: ago(7) };
    expect(formMatches([c, lateFar], duel, now)).toEqual([]);
    expect(formMatches([{ ...c, enqueuedAt: ago(8) }, { ...lateFar, enqueuedAt: ago(8) }], duel, now)).toHaveLength(1);
  });

  it("respects the narrowest window: an old ticket cannot pull in a new one from far away", () => {
    expect(formMatches([ticket(20, 100), ticket(26, 0)], duel, now)).toEqual([]);
  });

  it("never mixes regions", () => {
    expect(formMatches([ticket(25, 0, "eu"), ticket(25, 0, "na")], duel, now)).toEqual([]);
  });

  it("balances three against three by mean rating and keeps a party together", () => {
    const party = ticket(30, 10, "eu", 2);
    const solos = [ticket(29, 10), ticket(31, 10), ticket(30, 10), ticket(28, 10)];
    const [match] = formMatches([party, ...solos], arena, now);
    expect(match).toBeDefined();
    const withParty = match!.teams.find((t) => t.tickets.includes(party))!;
    expect(withParty.tickets.reduce((s, t) => s + t.characterIds.length, 0)).toBe(3);
    expect(Math.abs(match!.teams[0]!.meanRating - match!.teams[1]!.meanRating)).toBeLessThanOrEqual(arena.maxTeamGap);
  });

  it("proposes nothing when the teams could not be balanced within the bound", () => {
    const strict = { ...arena, maxTeamGap: 0.1, initialWindow: 12 };
    expect(formMatches([ticket(20), ticket(20), ticket(20), ticket(20), ticket(20), ticket(31)], strict, now)).toEqual([]);
  });

  it("splits into the most even teams", () => {
    const [t0, t1] = balancedSplit([ticket(10), ticket(20), ticket(30), ticket(40)], 2)!;
    expect(t0.meanRating).toBe(t1.meanRating);
  });
});

describe("backfill", () => {
  it("takes the solo ticket inside the match's band nearest the short team's mean, in the match's region", () => {
    const band = { region: "eu", low: 24, high: 28, window: 5, teamMean: 27 };
    const near = ticket(27.5);
    expect(pickBackfill([ticket(30), ticket(27.5, 0, "na"), ticket(26, 0, "eu", 2), ticket(24.5), near], band)).toBe(near);
    expect(pickBackfill([ticket(30), ticket(22)], band)).toBeUndefined();
  });
});
