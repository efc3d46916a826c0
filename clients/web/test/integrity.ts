import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { ActionKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { AnticheatService } from "@chaos/gen/chaos/anticheat/v1/anticheat_service_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { createCharacter, keepScreenshot, logIn, logInAgain, password, textOf, walletGold, type ConsoleHarness } from "./console-harness.js";

/**
 * Money and fair play in the console, end to end: a player buys a gold pack
 * on the provider's checkout page and the gold arrives; they ask for a refund,
 * an admin approves it at the moderation desk, and the gold goes back. A
 * banned player's login leads to the appeal desk, where they see the ban and
 * appeal; a moderator overturns it and the player logs in again.
 */

/** Gives the account `roles` (as an operator would) and logs the page in again, so its token carries them. */
async function promote(harness: ConsoleHarness, page: Page, email: string, roles: Role[]): Promise<void> {
  await harness.stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "email", value: email }, roles, reason: "e2e: studio staff" });
  await logInAgain(page, email);
  await page.getByTestId("moderation").waitFor();
}

export async function buyAndRefund(harness: ConsoleHarness, buyer: Page, admin: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const adminEmail = `cashier-${suffix}@example.com`;
  await Promise.all([harness.signUp(buyer, `buyer-${suffix}@example.com`), harness.signUp(admin, adminEmail)]);
  await createCharacter(buyer, `Coin${suffix}`, "Rogue");
  await expect.poll(() => walletGold(buyer)).not.toBeNaN();
  const before = await walletGold(buyer);

  // Buy the first pack: the provider's checkout opens in a window of its own, where the player pays.
  await buyer.getByRole("tab", { name: "Store" }).click();
  const pack = buyer.getByTestId("store-product").first();
  await pack.waitFor();
  const gold = Number((await pack.locator(".store-gold").textContent())?.replace(/[^\d]/g, ""));
  const [checkout] = await Promise.all([buyer.waitForEvent("popup"), pack.getByTestId("store-buy").click()]);
  await checkout.getByRole("button", { name: /^Pay / }).click();
  await checkout.getByRole("heading", { name: "Payment received" }).waitFor();
  await checkout.close();

  // The provider's signed webhook reaches payment through the gateway; inventory's ledger grants the gold once.
  const order = buyer.getByTestId("store-order").first();
  await expect.poll(() => order.getAttribute("data-state"), { timeout: 20_000 }).toBe("FULFILLED");
  await expect.poll(() => walletGold(buyer), { timeout: 10_000 }).toBe(before + gold);
  await keepScreenshot(buyer, "store-bought");

  // A refund, asked by the player and approved by an admin: the clawback takes the unspent gold back.
  await order.getByTestId("store-refund").click();
  await expect.poll(() => textOf(buyer, "store-refund-state")).toMatch(/^Refund: Awaiting a decision/);
  await promote(harness, admin, adminEmail, [Role.ADMIN]);
  const request = admin.getByTestId("mod-refund").filter({ hasText: `${gold.toLocaleString("en")} gold` });
  await expect.poll(() => request.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  await request.first().getByTestId("mod-refund-approve").click();
  await expect.poll(() => order.getAttribute("data-state"), { timeout: 20_000 }).toBe("REFUNDED");
  // The purse follows at once (it re-reads itself only every 10 s): the order is refunded once the ledger took the gold back.
  await expect.poll(() => walletGold(buyer), { timeout: 4_000 }).toBe(before);
  await keepScreenshot(admin, "moderation-refund");
}

export async function restrictAndAppeal(harness: ConsoleHarness, player: Page, moderator: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const playerEmail = `suspect-${suffix}@example.com`;
  const moderatorEmail = `moderator-${suffix}@example.com`;
  await Promise.all([harness.signUp(player, playerEmail), harness.signUp(moderator, moderatorEmail)]);
  await expect.poll(() => textOf(player, "standing-summary")).toBe("In good standing.");

  // A moderator bans the player (by hand, as after a report; the rules do it from signals). Identity ends their sessions.
  await harness.stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "email", value: moderatorEmail }, roles: [Role.PLAYER, Role.MODERATOR], reason: "e2e: studio staff" });
  const identity = harness.stack.operator.client(IdentityService, "identity");
  const { account } = await identity.login({ email: playerEmail, password });
  const { tokens } = await identity.login({ email: moderatorEmail, password });
  await harness.stack.operator
    .client(AnticheatService, "anticheat")
    .applyAction({ playerId: account!.accountId, kind: ActionKind.BAN, reason: "Teleporting across the Ember Plains" }, { headers: { [principalHeader]: tokens!.accessToken } });
  await expect.poll(() => identity.login({ email: playerEmail, password }).then(() => "let in", (error: unknown) => String(error)), { timeout: 15_000, interval: 500 }).toMatch(/banned/);

  // The banned player's right password leads to the appeal desk, not a dead end: the ban, and an appeal through the gateway.
  await logInAgain(player, playerEmail);
  await player.getByTestId("appeal-desk").waitFor();
  expect(await textOf(player, "appeal-desk-reason")).toMatch(/banned/);
  await expect.poll(() => textOf(player, "standing-summary"), { timeout: 10_000 }).toBe("You cannot log in while this is in force.");
  const action = player.getByTestId("standing-action").filter({ hasText: "Banned" });
  await expect.poll(() => action.count()).toBe(1);
  await action.getByTestId("standing-statement").fill("I was lagging, the server saw me jump.");
  await action.getByTestId("standing-appeal").click();
  await expect.poll(() => textOf(player, "standing-appeal-state"), { timeout: 10_000 }).toMatch(/^Your appeal open/);
  await keepScreenshot(player, "appeal-desk");

  // The moderator reads it at the desk and overturns the ban; the player logs in again and plays.
  await promote(harness, moderator, moderatorEmail, [Role.PLAYER, Role.MODERATOR]);
  const appeal = moderator.getByTestId("mod-appeal").filter({ hasText: "I was lagging" });
  await expect.poll(() => appeal.count(), { timeout: 15_000 }).toBe(1);
  await appeal.getByTestId("mod-appeal-overturn").click();
  await expect.poll(() => textOf(player, "standing-summary"), { timeout: 15_000 }).toBe("In good standing.");
  await keepScreenshot(moderator, "moderation-appeal");
  await player.getByTestId("appeal-desk-leave").click();
  await logIn(player, playerEmail);
  await expect.poll(() => textOf(player, "account-email"), { timeout: 15_000 }).toBe(playerEmail);
}
