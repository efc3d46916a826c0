import { randomBytes } from "node:crypto";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { GoalKind } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { LiveopsService } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { createCharacter, keepScreenshot, textOf, walletGold, type ConsoleHarness } from "./console-harness.js";

/**
 * The console's competitive side, end to end: two players queue for a
 * ranked duel, pass the ready check, a real Go game server plays the match
 * and reports it, and both see their rating move (one up, one down) and the
 * season's leaderboard (the notification centre announced the match); a player joins a live event, casts towards its goal,
 * claims the tier reached and finds the gold in the wallet; the world map
 * shows the zone's territories.
 */

const rankOf = (text: string) => Number(/Rank (-?[\d,.]+)/.exec(text)?.[1]?.replaceAll(",", "") ?? Number.NaN);

/** Ava and Bram queue for a ranked duel in the same region, accept, and the game server decides. */
export async function duel(harness: ConsoleHarness, ava: Page, bram: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  await Promise.all([harness.signUp(ava, `duel-ava-${suffix}@example.com`), harness.signUp(bram, `duel-bram-${suffix}@example.com`)]);
  await createCharacter(ava, `Ava${suffix}`, "Mage");
  await createCharacter(bram, `Bram${suffix}`, "Warrior");

  for (const page of [ava, bram]) {
    await page.getByRole("tab", { name: "Arena" }).click();
    await page.getByLabel("Queue").selectOption("ranked-1v1");
    await page.getByLabel("Region").selectOption("eu");
    await expect.poll(() => textOf(page, "arena-rating")).toMatch(/Unrated|Rank/);
  }
  // Alone in the queue, Ava waits: the console shows the time waited and the window in force.
  await ava.getByTestId("arena-find").click();
  await expect.poll(() => ava.getByTestId("arena-stage").getAttribute("data-state")).toBe("searching");
  await expect.poll(() => textOf(ava, "arena-window")).toMatch(/^Opponents within ±\d+ rating/);
  await keepScreenshot(ava, "arena-searching");

  // Bram queues: the next round pairs them and both get the ready check.
  await bram.getByTestId("arena-find").click();
  for (const page of [ava, bram]) await expect.poll(() => page.getByTestId("arena-stage").getAttribute("data-state"), { timeout: 20_000 }).toBe("ready-check");
  await keepScreenshot(bram, "arena-ready-check");
  for (const page of [ava, bram]) await page.getByTestId("arena-accept").click();

  // The match goes to the game server, which plays it and reports the result: both see it and their new rank.
  for (const page of [ava, bram]) await expect.poll(() => page.getByTestId("arena-stage").getAttribute("data-state"), { timeout: 30_000 }).toBe("result");
  const changes = await Promise.all([ava, bram].map((page) => textOf(page, "arena-rating-change")));
  for (const change of changes) expect(change).toMatch(/^Rating -?[\d,.]+ → -?[\d,.]+$/);
  const moved = changes.map((change) => {
    const [before, after] = change.replace("Rating ", "").split(" → ").map((n) => Number(n.replaceAll(",", "")));
    return after! - before!;
  });
  // The game server's seeded simulation decides; OpenSkill moves the winner's rank up and the loser's down,
  // and a draw between two new players raises both (their μ stays, their σ narrows).
  const outcomes = await Promise.all([ava, bram].map((page) => textOf(page, "arena-outcome")));
  if (outcomes.every((o) => o === "Draw")) expect(moved.every((delta) => delta > 0)).toBe(true);
  else {
    expect([...outcomes].sort()).toEqual(["Defeat", "Victory"]);
    expect(moved[outcomes.indexOf("Victory")]).toBeGreaterThan(0);
    expect(moved[outcomes.indexOf("Defeat")]).toBeLessThan(0);
  }
  await expect.poll(async () => rankOf(await textOf(ava, "arena-rating"))).not.toBeNaN();

  // The notification centre had told each of them of the match (notification's catalog line for MatchFound).
  for (const [page, name] of [[ava, `Ava${suffix}`], [bram, `Bram${suffix}`]] as const) {
    await expect.poll(() => page.getByTestId("notification").filter({ hasText: `Match found for ${name}` }).count(), { timeout: 15_000 }).toBe(1);
  }

  // The season's leaderboard lists both, the winner first.
  await expect.poll(() => ava.getByTestId("arena-leader").filter({ hasText: suffix }).count(), { timeout: 10_000 }).toBe(2);
  await keepScreenshot(ava, "arena-result");
}

/** An admin runs a fire-casting event; Ava joins, casts a fireball, claims the first tier and gets its gold. */
export async function liveEvent(harness: ConsoleHarness, ava: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const title = `Festival of Flames ${suffix}`;
  const now = Date.now();
  await harness.stack.operator.client(LiveopsService, "liveops").createLiveEvent({
    title,
    description: "Cast fire spells: every one counts.",
    goal: { kind: GoalKind.SPELL_CASTS, school: School.FIRE },
    tiers: [
      { tier: 1, threshold: 1n, gold: 75n },
      { tier: 2, threshold: 50n, gold: 500n },
    ],
    schedule: { startTime: timestampFromMs(now - 60_000), endTime: timestampFromMs(now + 3_600_000) },
  });

  await harness.signUp(ava, `event-ava-${suffix}@example.com`);
  await createCharacter(ava, `Ember${suffix}`, "Mage");
  await ava.getByRole("tab", { name: "Events" }).click();
  const card = ava.getByTestId("event-card").filter({ hasText: title });
  await card.waitFor({ timeout: 15_000 });
  await card.getByTestId("event-join").click();
  await card.getByTestId("event-progress").waitFor();
  expect(await card.getByTestId("event-progress").getAttribute("aria-valuenow")).toBe("0");

  // One fireball at a training dummy: the cast reaches liveops through Kafka and counts once.
  // The purse is read once the console has loaded it (read before, it was NaN and the sum below could never match).
  await expect.poll(() => walletGold(ava)).not.toBeNaN();
  const walletBefore = await walletGold(ava);
  await ava.getByRole("tab", { name: "Battle" }).click();
  await expect.poll(() => ava.getByTestId("target").filter({ hasText: "Training Dummy" }).count()).toBeGreaterThanOrEqual(1);
  await ava.getByTestId("target").filter({ hasText: "Training Dummy" }).first().getByRole("button").click();
  await ava.getByTestId("spell-fireball").click();
  await ava.getByTestId("cast-result").filter({ hasText: "damage" }).waitFor();
  await ava.getByRole("tab", { name: "Events" }).click();
  await expect.poll(() => card.getByTestId("event-progress").getAttribute("aria-valuenow"), { timeout: 20_000 }).toBe("1");

  // Tier 1 is reached: claimed once, its 75 gold arrives.
  await card.getByTestId("event-claim-1").click();
  await expect.poll(() => card.getByTestId("event-tier").filter({ hasText: "Claimed" }).count(), { timeout: 10_000 }).toBe(1);
  expect(await card.getByTestId("event-claim-2").count()).toBe(0);
  await keepScreenshot(ava, "live-event-claimed");
  await expect.poll(() => walletGold(ava), { timeout: 10_000 }).toBe(walletBefore + 75);

  // The world map: the Ember Plains and their territories, one of which Ava walks into.
  await ava.getByRole("tab", { name: "World" }).click();
  await expect.poll(() => ava.getByTestId("world-territory").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await expect.poll(() => ava.getByTestId("world-status").getAttribute("data-state")).toBe("live");
  await ava.getByTestId("world-territory").first().getByTestId("world-walk").click();
  await ava.getByTestId("world-territory").first().getByTestId("world-capture").waitFor();
  await keepScreenshot(ava, "world-map");
}
