import { describe, expect, it } from "vitest";
import { createSeasonSchedule, seasonAt, seasonsToOpen } from "./season-clock.js";

const at = (iso: string) => new Date(iso);

describe("the season clock", () => {
  const monthly = createSeasonSchedule("0 0 1 * *");

  it("opens the first season at the first round, ending at the schedule's next start", () => {
    expect(seasonsToOpen(monthly, undefined, at("2026-12-02T14:00:00Z"))).toEqual([{ number: 1, startsAt: at("2026-12-02T14:00:00Z"), endsAt: at("2027-01-01T00:00:00Z") }]);
  });

  it("keeps the season up to the last millisecond before the boundary and opens the next exactly at it", () => {
    const current = { number: 3, startsAt: at("2026-11-01T00:00:00Z"), endsAt: at("2026-12-01T00:00:00Z") };
    expect(seasonsToOpen(monthly, current, at("2026-11-30T23:59:59.999Z"))).toEqual([]);
    expect(seasonsToOpen(monthly, current, at("2026-12-01T00:00:00Z"))).toEqual([{ number: 4, startsAt: at("2026-12-01T00:00:00Z"), endsAt: at("2027-01-01T00:00:00Z") }]);
  });

  it("numbers every season the schedule started while nobody looked", () => {
    const current = { number: 1, startsAt: at("2026-09-15T00:00:00Z"), endsAt: at("2026-10-01T00:00:00Z") };
    expect(seasonsToOpen(monthly, current, at("2026-12-15T00:00:00Z")).map((s) => [s.number, s.startsAt.toISOString()])).toEqual([
      [2, "2026-10-01T00:00:00.000Z"],
      [3, "2026-11-01T00:00:00.000Z"],
      [4, "2026-12-01T00:00:00.000Z"],
    ]);
  });

  it("reads the cron in UTC whatever the machine's zone, seconds field included", () => {
    expect(createSeasonSchedule("30 0 0 * * *").nextStart(at("2026-12-01T23:00:00Z")).toISOString()).toBe("2026-12-02T00:00:30.000Z");
  });

  it("finds the season a moment falls in, half-open at the end", () => {
    const seasons = [
      { number: 1, startsAt: at("2026-11-01T00:00:00Z"), endsAt: at("2026-12-01T00:00:00Z") },
      { number: 2, startsAt: at("2026-12-01T00:00:00Z"), endsAt: at("2027-01-01T00:00:00Z") },
    ];
    expect(seasonAt(seasons, at("2026-11-30T23:59:59.999Z"))?.number).toBe(1);
    expect(seasonAt(seasons, at("2026-12-01T00:00:00Z"))?.number).toBe(2);
  });
});
