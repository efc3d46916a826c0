import { describe, expect, it } from "vitest";
import { isKnownTimeZone, minutesOf, quietHoursEnd } from "./quiet-hours.js";

describe("quiet hours", () => {
  it("ends a window that spans midnight at its end on the player's wall clock", () => {
    // 23:30 in Berlin (CET, UTC+1) on 15 January is 22:30 UTC; the window ends at 07:00 Berlin = 06:00 UTC.
    const at = new Date("2026-01-15T22:30:00Z");
    expect(quietHoursEnd({ start: "22:00", end: "07:00" }, "Europe/Berlin", at)?.toISOString()).toBe("2026-01-16T06:00:00.000Z");
    // Same instant in Tokyo is 07:30: outside the window.
    expect(quietHoursEnd({ start: "22:00", end: "07:00" }, "Asia/Tokyo", at)).toBeUndefined();
  });

  it("treats a same-day window as [start, end) and no window as never quiet", () => {
    const at = new Date("2026-06-01T12:15:30Z");
    expect(quietHoursEnd({ start: "12:00", end: "13:00" }, "UTC", at)?.toISOString()).toBe("2026-06-01T13:00:00.000Z");
    expect(quietHoursEnd({ start: "12:16", end: "13:00" }, "UTC", at)).toBeUndefined();
    expect(quietHoursEnd({ start: "11:00", end: "12:15" }, "UTC", at)).toBeUndefined();
    expect(quietHoursEnd({ start: "12:00", end: "12:00" }, "UTC", at)).toBeUndefined();
    expect(quietHoursEnd(undefined, "UTC", at)).toBeUndefined();
  });

  it("knows IANA zones and 24-hour clock times, and nothing else", () => {
    expect(isKnownTimeZone("America/New_York")).toBe(true);
    expect(isKnownTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(minutesOf("07:05")).toBe(425);
    expect(minutesOf("24:00")).toBeUndefined();
    expect(minutesOf("7:05")).toBeUndefined();
  });
});
