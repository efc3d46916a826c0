import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { createCharacter, keepScreenshot, logInAgain, textOf, type ConsoleHarness } from "./console-harness.js";

/**
 * The operator's dashboard, end to end: a player registers, creates a mage
 * and casts a fireball at a training dummy; an operator makes them an admin,
 * and at their next login the console charts what the read side counted
 * from those events (casts by spell, registrations, gold minted by the
 * starting purse), and rebuilds the aggregates from the recorded events.
 */
export async function analyticsDashboard(harness: ConsoleHarness, page: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const email = `analyst-${suffix}@example.com`;
  await harness.signUp(page, email);
  expect(await page.getByTestId("analytics-view").count()).toBe(0);
  await createCharacter(page, `Sage${suffix}`, "Mage");
  await expect.poll(() => page.getByTestId("target").filter({ hasText: "Training Dummy" }).count()).toBeGreaterThanOrEqual(1);
  await page.getByTestId("target").filter({ hasText: "Training Dummy" }).first().getByRole("button").click();
  await page.getByTestId("spell-fireball").click();
  await page.getByTestId("cast-result").filter({ hasText: "damage" }).waitFor();

  await harness.stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "email", value: email }, roles: [Role.ADMIN], reason: "e2e: studio analyst" });
  await logInAgain(page, email);
  await page.getByTestId("analytics-view").waitFor();

  const chart = (title: string) => page.getByTestId("analytics-chart").and(page.locator(`[data-title="${title}"]`));
  const drawn = async (title: string) => {
    // The dashboard refreshes every 15 s; Refresh asks now, once analytics has consumed the events.
    await page.getByTestId("analytics-refresh").click();
    return chart(title).getAttribute("data-state");
  };
  await expect.poll(() => drawn("Casts by spell"), { timeout: 30_000 }).toBe("drawn");
  expect(await chart("Casts by spell").getAttribute("data-lines")).toContain("fireball");
  expect(Number(await chart("Casts by spell").getAttribute("data-total"))).toBeGreaterThanOrEqual(1);
  await expect.poll(() => drawn("Registrations and active players")).toBe("drawn");
  await expect.poll(() => drawn("Gold minted vs sunk")).toBe("drawn");
  // uPlot drew on canvases: one per chart.
  expect(await chart("Casts by spell").locator("canvas").count()).toBeGreaterThanOrEqual(1);

  // Switching to days keeps the counts (the same events, bucketed by day).
  const hourlyTotal = Number(await chart("Casts by spell").getAttribute("data-total"));
  await page.getByTestId("analytics-range").selectOption("fortnight");
  await expect.poll(async () => Number(await chart("Casts by spell").getAttribute("data-total"))).toBeGreaterThanOrEqual(hourlyTotal);

  // A rebuild from the recorded events: its progress, then the same charts.
  await page.getByTestId("analytics-rebuild").click();
  await expect.poll(() => page.getByTestId("analytics-view").getAttribute("data-rebuild-state"), { timeout: 60_000 }).toBe("succeeded");
  expect(await textOf(page, "analytics-rebuild-status")).toMatch(/^Rebuilt from \d+ recorded events\.$/);
  await expect.poll(() => chart("Casts by spell").getAttribute("data-state")).toBe("drawn");
  await page.getByTestId("analytics-view").scrollIntoViewIfNeeded();
  await keepScreenshot(page, "analytics-dashboard");
}
