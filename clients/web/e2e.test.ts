/**
 * The web console end to end: a real browser (Debian's Chromium, headless)
 * drives the console against a real stack (identity, player, combat,
 * inventory, progression and the gateway as separate processes) the way a
 * new player would: sign up, turn on two-factor, log in again with a TOTP
 * code, create a mage and burn down a training dummy.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as OTPAuth from "otpauth";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureDebianPackages } from "../../scripts/infra/debian.js";
import { freePort, useStack } from "../../scripts/test/stack.js";
import { startConsoleServer, type ConsoleServer } from "./server.js";

const resultsDir = fileURLToPath(new URL("../../test-results/", import.meta.url));
const password = "correct horse battery staple";

// The gateway's CORS allow-list is fixed at start-up, so the console's origin must be known before the stack starts.
const consolePort = await freePort();
const stack = useStack(["identity", "player", "combat", "inventory", "progression", "gateway"], {
  env: { CHAOS_GATEWAY_CORS_ORIGINS: `http://127.0.0.1:${consolePort}` },
});

let browser: Browser;
let consoleServer: ConsoleServer;
let bundleDir: string;

beforeAll(async () => {
  // Fonts too: installed without recommends, chromium would render the screenshot with whatever fonts the machine happens to have.
  await ensureDebianPackages(["chromium", "fonts-liberation"], "the browser end-to-end test");
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-console-"));
  consoleServer = await startConsoleServer({ port: consolePort, gatewayUrl: stack.gateway.http1, outDir: bundleDir });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await consoleServer?.close();
  if (bundleDir !== undefined) fs.rmSync(bundleDir, { recursive: true, force: true });
});

it("takes a new player from sign-up with two-factor to a defeated training dummy", async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  try {
    await journey(page);
    expect(pageErrors).toEqual([]);
  } catch (error) {
    fs.mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, "e2e-failure.png"), fullPage: true }).catch(() => undefined);
    throw new Error(`${(error as Error).message}\npage errors: ${pageErrors.join(" | ") || "none"}`, { cause: error });
  } finally {
    await page.close();
  }
}, 90_000);

async function journey(page: Page): Promise<void> {
  const email = `e2e-${randomBytes(6).toString("hex")}@example.com`;
  const characterName = `Mage${randomBytes(4).toString("hex")}`;
  const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim() ?? "";

  // The console loads and offers to log in or create an account.
  await page.goto(consoleServer.url);
  await page.getByRole("heading", { name: "Enter the Chaos" }).waitFor();

  // Register: the console logs the new account straight in.
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("account-email").waitFor();
  expect(await text("account-email")).toBe(email);
  expect(await text("mfa-status")).toBe("2FA off");

  // Enrol two-factor: a QR code and the secret are shown; a first code turns it on and reveals recovery codes.
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
  await page.getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => page.getByTestId("auth-error").getAttribute("data-reason")).toBe("INVALID_CREDENTIALS");
  expect(await text("auth-error")).toBe("Wrong email or password.");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => page.getByTestId("auth-error").getAttribute("data-reason")).toBe("MFA_REQUIRED");
  // The verification code's time step is used up (a replay is refused); the next step's code is
  // inside the server's ±1 step window and newer, so it is accepted without waiting.
  await page.getByLabel("Authenticator code").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("account-email").waitFor();
  expect(await text("mfa-status")).toBe("2FA on");

  // Create a mage: it is picked at once and enters the Ember Plains with the training dummies in sight.
  await page.getByLabel("Character name").fill(characterName);
  await page.getByLabel("Class").selectOption({ label: "Mage" });
  await page.getByRole("button", { name: "Create character" }).click();
  await page.getByRole("heading", { name: characterName }).waitFor();
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

  fs.mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, "e2e-journey.png"), fullPage: true, animations: "disabled" });
}
