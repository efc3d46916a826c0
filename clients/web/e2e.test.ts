/**
 * The web console end to end: a real browser (Debian's Chromium, headless)
 * drives the console against a real stack (every service the console talks
 * to, the Go game server among them, as separate processes) the way players
 * would. One new player signs up, turns on two-factor, logs in again with a
 * TOTP code, creates a mage and burns down a training dummy; another adds a
 * passkey and logs in with it alone. Two players, each
 * in their own browser context (one on a desktop, one on a phone), trade a
 * potion for gold through the escrow saga, then join one guild and use its
 * bank. Two players duel in the arena (test/competition.ts); a player claims a
 * live event's tier and walks the world map. Two players chat in their zone
 * and by direct message until one blocks the other; a level up reaches its
 * player in the notification centre, the live feed and by email (read through
 * Mailpit's API); an admin searches and verifies the audit log. Screenshots
 * are kept in test-results/.
 */
import { randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import type { Page } from "playwright-core";
import { expect, inject, it, vi } from "vitest";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { mailpit } from "../../services/notification/test/mailpit.js";
import { createCharacter, desktop, keepScreenshot, logInAgain, password, phone, textOf, useConsole, walletGold } from "./test/console-harness.js";
import { analyticsDashboard } from "./test/analytics.js";
import { duel, liveEvent } from "./test/competition.js";
import { buyAndRefund, restrictAndAppeal } from "./test/integrity.js";
import { passkeyLogin } from "./test/passkeys.js";

// The console polls what it shows (every 1 to 5 s), and other test files share the machine: an expectation
// about the page waits up to 10 s for it, not vitest's default of 1 s.
vi.setConfig({ expect: { poll: { timeout: 10_000 } } });

const harness = await useConsole(
  [
    ...["identity", "player", "combat", "inventory", "progression", "trading", "guild", "chat", "notification", "audit"],
    ...["matchmaking", "gameserver", "liveops", "world", "anticheat", "payment", "analytics", "gateway"],
  ],
  {
    env: {
      CHAOS_NOTIFICATION_SMTP_URL: inject("infra").smtpUrl,
      // Rounds every half second and a two-second match: the duel is decided while the test watches.
      CHAOS_MATCHMAKING_ROUND_MS: "500",
      CHAOS_GAMESERVER_MATCH_MS: "2000",
    },
  },
);
const { stack, inPages, signUp } = harness;
const mail = mailpit(inject("infra").mailpitUrl);

it("takes a new player from sign-up with two-factor to a defeated training dummy", async () => {
  await inPages([desktop], ([page]) => journey(page!), "e2e-failure");
}, 90_000);

it("lets a player add a passkey and log in with it alone (Chromium's virtual authenticator), then remove it", async () => {
  await inPages([desktop], ([page]) => passkeyLogin(harness, page!), "e2e-passkey-failure");
}, 120_000);

it("lets two players, on a desktop and on a phone, trade a potion for gold and join one guild", async () => {
  await inPages(
    [desktop, phone],
    async ([ava, bram]) => {
      const players = await tradePotionForGold(ava!, bram!);
      await joinOneGuild(ava!, bram!, players);
    },
    "e2e-trade-guild-failure",
  );
}, 180_000);

it("lets two players queue for a ranked duel, pass the ready check and see the game server's result move their ratings", async () => {
  await inPages([desktop, desktop], ([ava, bram]) => duel(harness, ava!, bram!), "e2e-duel-failure");
}, 180_000);

it("lets a player join a live event, cast towards its goal and claim the tier reached, and walk the world map", async () => {
  await inPages([desktop], ([ava]) => liveEvent(harness, ava!), "e2e-live-event-failure");
}, 180_000);

it("lets a player buy a gold pack on the provider's checkout page and get the gold, and an admin approve its refund", async () => {
  await inPages([desktop, desktop], ([buyer, admin]) => buyAndRefund(harness, buyer!, admin!), "e2e-store-failure");
}, 180_000);

it("leads a banned player's login to the appeal desk, takes their appeal, and lets them back in once a moderator overturns the ban", async () => {
  await inPages([desktop, desktop], ([player, moderator]) => restrictAndAppeal(harness, player!, moderator!), "e2e-fair-play-failure");
}, 180_000);

it("shows an admin the analytics dashboard charted from real events, and rebuilds it", async () => {
  await inPages([desktop], ([page]) => analyticsDashboard(harness, page!), "e2e-analytics-failure");
}, 180_000);

it("lets two players chat in their zone and by direct message until one blocks the other, and an admin verify the audit log", async () => {
  await inPages([desktop, desktop], ([ava, bram]) => chatThenAudit(ava!, bram!), "e2e-chat-audit-failure");
}, 180_000);

async function journey(page: Page): Promise<void> {
  const email = `e2e-${randomBytes(6).toString("hex")}@example.com`;
  const characterName = `Mage${randomBytes(4).toString("hex")}`;
  const text = (testId: string) => textOf(page, testId);

  // The console loads and offers to log in or create an account; a new account is logged straight in.
  await signUp(page, email);
  expect(await text("mfa-status")).toBe("2FA off");

  // Enrol two-factor, which asks for the password again: a QR code and the secret are shown; a first
  // code turns it on and reveals recovery codes.
  await page.getByTestId("mfa").getByLabel("Current password").fill(password);
  await page.getByRole("button", { name: "Enable two-factor" }).click();
  await page.getByTestId("mfa-qr").locator("svg").waitFor();
  const secret = await text("mfa-secret");
  expect(secret).toMatch(/^[A-Z2-7]+=*$/);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });
  await page.getByLabel("Verification code").fill(totp.generate());
  await page.getByRole("button", { name: "Verify and enable" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  expect(await page.getByTestId("recovery-codes").locator("li").count()).toBeGreaterThan(0);
  expect(await text("mfa-status")).toBe("2FA on");
  await page.getByRole("button", { name: "I have saved these codes" }).click();

  // Log out, then log in: a wrong password is refused in plain words; the right one alone is
  // refused with MFA_REQUIRED and the code field appears.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByTestId("login-form").waitFor();
  expect(await text("auth-notice")).toBe("You have logged out.");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(`${password}!`);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect.poll(() => page.getByTestId("auth-error").getAttribute("data-reason")).toBe("INVALID_CREDENTIALS");
  expect(await text("auth-error")).toBe("Wrong email or password.");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect.poll(() => page.getByTestId("auth-error").getAttribute("data-reason")).toBe("MFA_REQUIRED");
  // The verification code's time step is used up (a replay is refused); the next step's code is
  // inside the server's ±1 step window and newer, so it is accepted without waiting.
  await page.getByLabel("Authenticator code").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByTestId("account-email").waitFor();
  expect(await text("mfa-status")).toBe("2FA on");

  // Levels and achievements come by email too: the player says so in the notification preferences.
  await page.getByTestId("preferences").locator("summary").click();
  await expect.poll(() => page.getByTestId("pref-time-zone").inputValue()).not.toBe("");
  expect(await page.getByTestId("pref-PROGRESSION-IN_APP").isChecked()).toBe(true);
  await page.getByTestId("pref-PROGRESSION-EMAIL").check();
  await page.getByTestId("pref-time-zone").fill("Mars/Olympus_Mons");
  await page.getByTestId("pref-save").click();
  await expect.poll(() => page.getByTestId("pref-error").getAttribute("data-reason")).toBe("INVALID_TIME_ZONE");
  await page.getByTestId("pref-time-zone").fill("UTC");
  await page.getByTestId("pref-save").click();
  await expect.poll(() => text("pref-result")).toBe("Saved.");

  // Create a mage: it is picked at once and enters the Ember Plains with the training dummies in sight.
  await createCharacter(page, characterName, "Mage");
  await expect.poll(() => page.getByTestId("target").filter({ hasText: "Training Dummy" }).count()).toBeGreaterThanOrEqual(3);
  const dummy = page.getByTestId("target").filter({ hasText: "Training Dummy 1" });
  await dummy.getByRole("button").click();
  expect(await dummy.getByRole("button").getAttribute("aria-pressed")).toBe("true");
  const dummyHealth = dummy.getByRole("progressbar");
  await expect.poll(async () => Number(await dummyHealth.getAttribute("aria-valuenow"))).toBeGreaterThan(0);

  // Cast a fireball: damage is reported, mana drops and the button shows the cooldown.
  const mana = page.getByTestId("mana");
  await expect.poll(async () => Number(await mana.getAttribute("aria-valuemax"))).toBeGreaterThan(0);
  const manaBefore = Number(await mana.getAttribute("aria-valuenow"));
  const healthBefore = Number(await dummyHealth.getAttribute("aria-valuenow"));
  const fireball = page.getByTestId("spell-fireball");
  await fireball.click();
  await page.getByTestId("cast-result").filter({ hasText: "damage" }).waitFor();
  const damage = Number(/for (\d+) damage/.exec(await text("cast-result"))?.[1]);
  expect(damage).toBeGreaterThan(0);
  expect(Number(await mana.getAttribute("aria-valuenow"))).toBeLessThan(manaBefore);
  expect(Number(await fireball.getAttribute("data-cooldown-ms"))).toBeGreaterThan(0);
  expect(await fireball.isDisabled()).toBe(true);
  expect(await text("cooldown-fireball")).toMatch(/^\d+\.\d s$/);
  expect(Number(await dummyHealth.getAttribute("aria-valuenow"))).toBe(Math.max(0, healthBefore - damage));

  // Keep casting as the cooldown allows (click waits for the button to be enabled) until the dummy falls.
  const castLog = page.getByTestId("combat-log").locator("li");
  for (let casts = 1; !(await text("cast-result")).includes("defeated"); casts++) {
    expect(casts, "the dummy should fall within a few fireballs").toBeLessThan(10);
    const logged = await castLog.count();
    await fireball.click({ timeout: 10_000 });
    await expect.poll(async () => (await castLog.count()) > logged || (await page.getByTestId("combat-error").isVisible())).toBe(true);
  }
  expect(await text("cast-result")).toContain("Training Dummy 1 is defeated!");
  expect(await dummy.getByTestId("target-status").textContent()).toBe("Defeated");

  // Hitting the fallen dummy again (it respawns only after a while) is refused with a clear reason.
  await fireball.click({ timeout: 10_000 });
  await expect.poll(() => page.getByTestId("combat-error").getAttribute("data-reason")).toBe("TARGET_DEFEATED");
  expect(await text("combat-error")).toBe("That target is already defeated; it will respawn shortly.");

  // The experience arrives through the event pipeline: 120 damage plus 50 for the defeat is level 2.
  await expect.poll(() => text("progress-level"), { timeout: 15_000 }).toBe("Level 2");
  expect(Number(await page.getByTestId("progress-xp").getAttribute("aria-valuenow"))).toBeGreaterThan(0);
  expect(await text("progress-xp")).toMatch(/^\d+ XP/);

  // The mage is on the level leaderboard, and the live feed has shown the level up or the first achievement.
  const ownEntry = page.getByTestId("leaderboard-entry").filter({ hasText: characterName });
  await expect.poll(() => ownEntry.count(), { timeout: 15_000 }).toBe(1);
  await expect.poll(async () => Number(await ownEntry.locator(".score").textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(170);
  const feedItems = page.getByTestId("feed-item");
  await expect.poll(() => feedItems.filter({ hasText: /reached level 2|First Blood|first_blood/ }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
  expect(await text("feed-status")).toBe("live");

  // The level up is a notification: in the centre (unread), in the live feed, and as an email with an unsubscribe link.
  const levelUp = page.getByTestId("notification").filter({ hasText: `${characterName} reached level 2` });
  await expect.poll(() => levelUp.count(), { timeout: 20_000 }).toBe(1);
  expect(await levelUp.getAttribute("data-read")).toBe("false");
  await expect.poll(() => feedItems.filter({ hasText: `${characterName} reached level 2` }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
  const mails = await mail.waitFor(email, 1, 30_000);
  const levelMail = mails.find((m) => m.Subject.includes(`${characterName} reached level 2`));
  expect(levelMail, mails.map((m) => m.Subject).join("; ")).toBeDefined();
  expect((await mail.message(levelMail!.ID)).Text).toMatch(/unsubscribe/i);
  await levelUp.getByTestId("notification-mark-read").click();
  await expect.poll(() => levelUp.getAttribute("data-read")).toBe("true");

  await keepScreenshot(page, "e2e-journey");
}

interface Players {
  readonly avaName: string;
  readonly bramName: string;
  readonly suffix: string;
}

/**
 * Ava (desktop) offers Bram (phone) a mana potion for 30 gold; Bram sees the
 * offer arrive, accepts it, and both see the trade settle and their purses change.
 */
async function tradePotionForGold(ava: Page, bram: Page): Promise<Players> {
  const suffix = randomBytes(3).toString("hex");
  const avaName = `Ava${suffix}`;
  const bramName = `Bram${suffix}`;
  const price = 30;

  await Promise.all([signUp(ava, `ava-${suffix}@example.com`), signUp(bram, `bram-${suffix}@example.com`)]);
  await createCharacter(ava, avaName, "Mage");
  await createCharacter(bram, bramName, "Warrior");

  // Ava opens the trade window: her starter purse is there, and Bram is among the players nearby.
  await ava.getByRole("tab", { name: "Trade" }).click();
  await expect.poll(() => walletGold(ava), { timeout: 15_000 }).toBe(100);
  const avaGold = await walletGold(ava);
  const potions = ava.getByLabel("Potion of Mana");
  await potions.waitFor();
  expect(await potions.getAttribute("max")).toBe("3");
  const partner = ava.getByTestId("trade-partner").filter({ hasText: bramName });
  await partner.click({ timeout: 15_000 });
  expect(await partner.getAttribute("aria-pressed")).toBe("true");
  await potions.fill("1");
  await ava.getByLabel("Gold you ask for").fill(String(price));
  expect(await textOf(ava, "offer-summary")).toBe(`You give ${bramName} 1 × Potion of Mana; you ask for ${price} gold.`);

  // Propose. Trading learns of new characters from player's events a moment after they are created; until
  // then the console says so, and sending the same offer again (with the same idempotency key) goes through.
  const outgoing = ava.getByTestId("outgoing-trades").getByTestId("trade-card");
  const refusal = ava.getByTestId("trade-error");
  for (let attempt = 1; (await outgoing.count()) === 0; attempt++) {
    expect(attempt, "trading should know both characters within a few seconds").toBeLessThan(10);
    await ava.getByRole("button", { name: /Propose trade|Send again/ }).click();
    await expect.poll(async () => (await outgoing.count()) > 0 || (await refusal.isVisible())).toBe(true);
    if ((await outgoing.count()) > 0) break;
    expect(await refusal.getAttribute("data-reason"), await textOf(ava, "trade-error")).toBe("NOT_CHARACTER_OWNER");
    expect(await textOf(ava, "trade-error")).toMatch(/^The trading post has not heard of/);
    await ava.waitForTimeout(1_000);
  }
  expect(await outgoing.first().getAttribute("data-state")).toBe("PROPOSED");
  expect(await textOf(ava, "trade-result")).toMatch(new RegExp(`^Offer sent to ${bramName}\\.`));
  const tradeId = await outgoing.first().getAttribute("data-trade-id");

  // Bram, on his phone, sees the offer arrive: a badge on the Trade tab, then the offer with both sides.
  await expect.poll(() => textOf(bram, "tab-badge-trade"), { timeout: 15_000 }).toBe("1");
  await bram.getByRole("tab", { name: "Trade" }).click();
  const offer = bram.getByTestId("incoming-trades").locator(`[data-trade-id="${tradeId}"]`);
  await offer.waitFor();
  expect(await offer.getByTestId("trade-gets").textContent()).toBe("1 × Potion of Mana");
  expect(await offer.getByTestId("trade-gives").textContent()).toBe(`${price} gold`);
  await expect.poll(() => walletGold(bram)).toBe(100);
  await keepScreenshot(bram, "trade-phone-offer");

  // He accepts: the saga holds and transfers both sides, and his purse shows the exchange.
  await offer.getByRole("button", { name: "Accept" }).click();
  await expect.poll(() => bram.getByTestId("trade-result").getAttribute("data-state"), { timeout: 15_000 }).toBe("SETTLED");
  expect(await textOf(bram, "trade-result")).toBe(`Trade with ${avaName} settled: you got 1 × Potion of Mana and gave ${price} gold.`);
  await expect.poll(() => walletGold(bram)).toBe(100 - price);
  await expect.poll(async () => bram.getByLabel("Potion of Mana").getAttribute("max")).toBe("4");
  const settledForBram = bram.getByTestId("trade-history").locator(`[data-trade-id="${tradeId}"]`);
  expect(await settledForBram.getAttribute("data-state")).toBe("SETTLED");
  expect(await bram.getByTestId("incoming-trades").getByTestId("trade-card").count()).toBe(0);
  expect(await bram.getByTestId("tab-badge-trade").isHidden()).toBe(true);

  // Ava's window learns of it by itself: the offer moves to her history as settled, her purse changes.
  const settledForAva = ava.getByTestId("trade-history").locator(`[data-trade-id="${tradeId}"]`);
  await expect.poll(() => settledForAva.getAttribute("data-state"), { timeout: 15_000 }).toBe("SETTLED");
  expect(await textOf(ava, "trade-result")).toBe(`Trade with ${bramName} settled: you got ${price} gold and gave 1 × Potion of Mana.`);
  await expect.poll(() => walletGold(ava)).toBe(avaGold + price);
  await expect.poll(async () => potions.getAttribute("max")).toBe("2");
  expect(await outgoing.count()).toBe(0);

  // An offer asking for more gold than Bram has is refused at once, in plain words, and nothing is offered.
  await potions.fill("1");
  await ava.getByLabel("Gold you ask for").fill("1000");
  await ava.getByRole("button", { name: "Propose trade" }).click();
  await expect.poll(() => ava.getByTestId("trade-error").getAttribute("data-reason")).toBe("ASSETS_UNAVAILABLE");
  expect(await textOf(ava, "trade-error")).toBe(`${bramName} does not have 1000 gold to give. Change the offer and try again.`);
  expect(await outgoing.count()).toBe(0);

  await keepScreenshot(ava, "trade-desktop");
  await keepScreenshot(bram, "trade-phone");
  return { avaName, bramName, suffix };
}

/**
 * Ava founds a guild (for its fee), invites Bram, who joins from his
 * invitations; both see the roster with their roles. Ava deposits gold, lets
 * recruits withdraw a little a day in the role editor, and Bram withdraws;
 * both see the bank's history.
 */
async function joinOneGuild(ava: Page, bram: Page, { avaName, bramName, suffix }: Players): Promise<void> {
  const guildName = `Ember Wardens ${suffix}`;
  const tag = `E${suffix.slice(0, 4).toUpperCase()}`;
  const avaGold = await walletGold(ava);
  const fee = 50;

  // Bram is in no guild: his guild page shows no invitations yet, and his character id to share.
  await bram.getByRole("tab", { name: "Guild" }).click();
  await bram.getByTestId("create-guild").waitFor();
  expect(await bram.getByTestId("my-invites").getByTestId("invite").count()).toBe(0);

  // Ava founds the guild: she leads it, alone, and the fee left her wallet.
  await ava.getByRole("tab", { name: "Guild" }).click();
  await ava.getByLabel("Guild name").fill(guildName);
  await ava.getByLabel("Tag").fill(tag);
  await ava.getByRole("button", { name: "Found guild" }).click();
  await expect.poll(() => textOf(ava, "guild-name"), { timeout: 15_000 }).toBe(guildName);
  expect(await textOf(ava, "guild-tag")).toBe(tag);
  expect(await textOf(ava, "own-role")).toBe("Leader");
  const avaRoster = ava.getByTestId("guild-members").getByTestId("guild-member");
  await expect.poll(() => avaRoster.count()).toBe(1);
  await ava.getByRole("tab", { name: "Trade" }).click();
  await expect.poll(() => walletGold(ava)).toBe(avaGold - fee);
  await ava.getByRole("tab", { name: "Guild" }).click();

  // She invites Bram, picked among the players nearby.
  await ava.getByTestId("invite-partner").filter({ hasText: bramName }).click({ timeout: 15_000 });
  await ava.getByRole("button", { name: "Send invitation" }).click();
  await expect.poll(() => textOf(ava, "guild-invite-status")).toBe(`Invitation sent to ${bramName}.`);
  await expect.poll(() => ava.getByTestId("guild-invites").getByTestId("guild-invite").count()).toBe(1);

  // Bram sees the invitation (a badge on the Guild tab too) and joins.
  await expect.poll(() => textOf(bram, "tab-badge-guild"), { timeout: 15_000 }).toBe("1");
  const invite = bram.getByTestId("my-invites").getByTestId("invite").filter({ hasText: guildName });
  await invite.waitFor();
  expect(await invite.textContent()).toContain(`Invited by ${avaName}`);
  await keepScreenshot(bram, "guild-phone-invite");
  await invite.getByRole("button", { name: "Join" }).click();
  await expect.poll(() => textOf(bram, "guild-name"), { timeout: 15_000 }).toBe(guildName);
  expect(await textOf(bram, "own-role")).toBe("Recruit");
  expect(await bram.getByTestId("tab-badge-guild").isHidden()).toBe(true);

  // Both see the same roster, highest rank first, with their roles.
  const roster = async (page: Page) =>
    Promise.all((await page.getByTestId("guild-members").getByTestId("guild-member").all()).map(async (row) => `${await row.getByTestId("member-name").textContent()}: ${await row.getByTestId("member-role").textContent()}`));
  const expected = [`${avaName}: Leader`, `${bramName} (you): Recruit`];
  await expect.poll(() => roster(bram)).toEqual(expected);
  await expect.poll(() => roster(ava)).toEqual([`${avaName} (you): Leader`, `${bramName}: Recruit`]);
  await expect.poll(() => ava.getByTestId("guild-invites").getByTestId("guild-invite").count()).toBe(0);

  // Ava deposits 20 gold; the bank and its history show it on both sides.
  await ava.getByLabel("Gold to deposit").fill("20");
  await ava.getByRole("button", { name: "Deposit" }).click();
  await expect.poll(() => ava.getByTestId("bank-balance").getAttribute("data-gold")).toBe("20");
  expect(await textOf(ava, "bank-status")).toBe("Deposited 20 gold.");
  await expect.poll(() => ava.getByTestId("bank-entry").count()).toBe(1);
  expect(await ava.getByTestId("bank-entry").first().textContent()).toContain(`deposited by ${avaName}`);
  await expect.poll(() => bram.getByTestId("bank-balance").getAttribute("data-gold")).toBe("20");
  // Recruits may not withdraw until a role editor says so.
  expect(await bram.getByTestId("bank-withdraw").isHidden()).toBe(true);
  expect(await textOf(bram, "withdrawal-remaining")).toBe("Your role may not withdraw.");

  // Ava lets recruits withdraw 5 gold a day in the role editor.
  const recruit = ava.getByTestId("guild-role").filter({ hasText: "Recruit" });
  await recruit.getByText("Edit Recruit").click();
  await recruit.getByLabel("Withdraw gold").check();
  await recruit.getByLabel("Daily withdrawal limit").fill("5");
  await recruit.getByRole("button", { name: "Save role" }).click();
  await expect.poll(() => textOf(ava, "roles-status")).toBe("Recruit saved.");
  await expect.poll(() => recruit.locator(".role-perms").textContent()).toBe("Withdraw gold · 5 gold a day");

  // Bram now may, and does; too much is refused with the limit in plain words.
  await expect.poll(() => textOf(bram, "withdrawal-remaining")).toBe("You may withdraw 5 gold more today.");
  const bramGold = await walletGold(bram);
  await bram.getByLabel("Gold to withdraw").fill("6");
  await bram.getByRole("button", { name: "Withdraw" }).click();
  await expect.poll(() => bram.getByTestId("bank-error").getAttribute("data-reason")).toBe("WITHDRAWAL_LIMIT_EXCEEDED");
  expect(await textOf(bram, "bank-error")).toBe("That passes your daily withdrawal limit: 5 gold left today.");
  await bram.getByLabel("Gold to withdraw").fill("5");
  await bram.getByRole("button", { name: "Withdraw" }).click();
  await expect.poll(() => bram.getByTestId("bank-balance").getAttribute("data-gold")).toBe("15");
  expect(await textOf(bram, "withdrawal-remaining")).toBe("You may withdraw 0 gold more today.");
  expect(await walletGold(bram)).toBe(bramGold + 5);
  await expect.poll(() => ava.getByTestId("bank-entry").count()).toBe(2);
  expect(await ava.getByTestId("bank-entry").first().textContent()).toContain(`withdrawn by ${bramName}`);

  await keepScreenshot(ava, "guild-desktop");
  await keepScreenshot(bram, "guild-phone");
}

async function chatThenAudit(ava: Page, bram: Page): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const avaName = `Ava${suffix}`;
  const bramName = `Bram${suffix}`;
  const avaEmail = `chat-ava-${suffix}@example.com`;
  await Promise.all([signUp(ava, avaEmail), signUp(bram, `chat-bram-${suffix}@example.com`)]);
  await createCharacter(ava, avaName, "Mage");
  await createCharacter(bram, bramName, "Warrior");
  for (const page of [ava, bram]) await page.getByRole("tab", { name: "Chat" }).click();

  // Both stand in the Ember Plains: its channel is open and live. Chat learns of new characters from
  // player's events a moment after they are created, so the zone channel may take a few seconds to appear.
  for (const page of [ava, bram]) {
    await expect.poll(() => page.getByTestId("chat-channel").filter({ hasText: "ember_plains" }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByTestId("chat-status").getAttribute("data-state"), { timeout: 15_000 }).toBe("live");
  }
  const hello = `Well met, travellers ${suffix}`;
  await ava.getByTestId("chat-input").fill(hello);
  await ava.getByTestId("chat-send").click();
  const bramSees = (text: string) => bram.getByTestId("chat-message").filter({ hasText: text });
  await expect.poll(() => bramSees(hello).count(), { timeout: 10_000 }).toBe(1);
  expect(await bramSees(hello).locator(".chat-sender").textContent()).toBe(avaName);

  // Ava writes to Bram directly: the channel shows up on his side with an unread count.
  await expect.poll(() => ava.getByTestId("chat-dm-target").locator("option").filter({ hasText: bramName }).count(), { timeout: 15_000 }).toBe(1);
  await ava.getByTestId("chat-dm-target").selectOption({ label: bramName });
  await ava.getByTestId("chat-dm-open").click();
  await expect.poll(() => textOf(ava, "chat-channel-title")).toBe(`Direct · ${bramName}`);
  const secret = `Meet me at the old mill ${suffix}`;
  await ava.getByTestId("chat-input").fill(secret);
  await ava.getByTestId("chat-send").click();
  const direct = bram.getByTestId("chat-channel").filter({ hasText: avaName });
  await expect.poll(() => direct.count(), { timeout: 15_000 }).toBe(1);
  await expect.poll(() => direct.getByTestId("chat-unread").textContent(), { timeout: 10_000 }).toBe("1");
  await direct.click();
  await expect.poll(() => bramSees(secret).count()).toBe(1);
  await keepScreenshot(bram, "chat-direct");

  // Bram blocks Ava: he no longer sees her direct messages — the earlier ones, and the next, which is stored
  // for her but never reaches him, live or in history.
  await bram.getByTestId("chat-block").click();
  await expect.poll(() => textOf(bram, "chat-block")).toBe("Unblock");
  const after = `Are you ignoring me? ${suffix}`;
  await ava.getByTestId("chat-input").fill(after);
  await ava.getByTestId("chat-send").click();
  await expect.poll(() => ava.getByTestId("chat-message").filter({ hasText: after }).count()).toBe(1);
  // A zone message posted after hers shows his stream is live, so hers was withheld, not late.
  const zoneCheck = `Still here ${suffix}`;
  await ava.getByTestId("chat-channel").filter({ hasText: "ember_plains" }).click();
  await ava.getByTestId("chat-input").fill(zoneCheck);
  await ava.getByTestId("chat-send").click();
  await bram.getByTestId("chat-channel").filter({ hasText: "ember_plains" }).click();
  await expect.poll(() => bramSees(zoneCheck).count(), { timeout: 10_000 }).toBe(1);
  await direct.click();
  await expect.poll(() => bram.getByTestId("chat-channel-title").textContent()).toBe(`Direct · ${avaName}`);
  await bram.waitForTimeout(1_000);
  expect(await bramSees(after).count()).toBe(0);
  expect(await bramSees(secret).count()).toBe(0);

  // An operator makes Ava an admin; at her next login the console shows the audit log.
  await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "email", value: avaEmail }, roles: [Role.ADMIN], reason: "e2e: studio operator" });
  await logInAgain(ava, avaEmail);
  await ava.getByTestId("audit-view").waitFor();
  expect(await bram.getByTestId("audit-view").count()).toBe(0);

  // Her logins are in the log; the chains verify.
  await ava.getByTestId("audit-action").fill("identity.login");
  await ava.getByTestId("audit-search").click();
  await expect.poll(() => ava.getByTestId("audit-record").filter({ hasText: "identity.login" }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
  await ava.getByTestId("audit-verify").click();
  await expect.poll(() => ava.getByTestId("audit-verdict").getAttribute("data-intact"), { timeout: 15_000 }).toBe("true");
  expect(await textOf(ava, "audit-verdict")).toMatch(/^Intact: \d+ records in \d+ partition/);
  await keepScreenshot(ava, "audit-admin");
}
