import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { startProviderEmulator, type ProviderEmulator } from "../../payment-provider/provider-emulator.js";
import { ensureDebianPackages } from "../../../scripts/infra/debian.js";
import { freePort, useStack, type Stack, type StackOptions } from "../../../scripts/test/stack.js";
import type { OperationsTools } from "../operations-proxy.js";
import { startConsoleServer, type ConsoleServer } from "../server.js";

/**
 * The web console in a real browser (Debian's Chromium, headless) against a
 * real stack, for an end-to-end test file: the stack, the console's own
 * server and the browser start before the file's tests and stop after them.
 * Screenshots are kept in test-results/.
 */

const resultsDir = fileURLToPath(new URL("../../../test-results/", import.meta.url));

/** Every test player's password. */
export const password = "correct horse battery staple";
export const desktop = { viewport: { width: 1440, height: 1000 } };
export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

export interface ConsoleHarness {
  readonly stack: Stack;
  /** The console's address, as the browser opens it (http://localhost:<port>). */
  readonly url: string;
  /** The payment provider's emulator, when the stack has payment (its checkout pages are where players pay). */
  readonly provider: () => ProviderEmulator;
  /**
   * Runs `scenario` with one page per entry of `options`, each in its own
   * browser context (its own player: cookies and session storage are not
   * shared). On failure, every page is screenshotted as
   * `<failureName>-<index>.png` and the pages' errors are reported.
   */
  inPages(options: readonly Parameters<Browser["newContext"]>[0][], scenario: (pages: Page[]) => Promise<void>, failureName: string): Promise<void>;
  /** Opens the console and creates an account, which the console logs straight in. */
  signUp(page: Page, email: string): Promise<void>;
}

/**
 * Starts `services` (the gateway among them) with the console's origin
 * allowed, the console server and the browser; with payment among them, a
 * payment provider emulator too, whose webhooks reach the gateway.
 */
/** What a console test runs: the stack's options, and the operator's tools the console server reads (default none). */
export interface ConsoleOptions extends StackOptions {
  readonly tools?: OperationsTools;
}

export async function useConsole(services: readonly string[], options: ConsoleOptions = {}): Promise<ConsoleHarness> {
  // The gateway's CORS allow-list is fixed at start-up, so the console's origin must be known before the stack starts.
  const consolePort = await freePort();
  // Opened as localhost, not 127.0.0.1: a passkey's relying party is a domain name, never an address (identity's RP ID is localhost).
  const consoleUrl = `http://localhost:${consolePort}`;
  const env: Record<string, string> = { ...options.env, CHAOS_GATEWAY_CORS_ORIGINS: consoleUrl, CHAOS_IDENTITY_PASSKEY_ORIGINS: consoleUrl };
  let provider: ProviderEmulator | undefined;
  if (services.includes("payment")) {
    const secret = `whsec_${randomBytes(16).toString("hex")}`;
    env.CHAOS_PAYMENT_WEBHOOK_SECRETS = secret;
    env.CHAOS_GATEWAY_WEBHOOK_PORT = String(await freePort());
    // Registered before the stack's hooks, so the stack starts with the emulator's address in its env.
    beforeAll(async () => {
      provider = await startProviderEmulator({ signingSecrets: [secret], webhookUrl: `http://127.0.0.1:${env.CHAOS_GATEWAY_WEBHOOK_PORT}/webhooks/payment` });
      env.CHAOS_PAYMENT_PROVIDER_URL = provider.url;
    });
    afterAll(async () => {
      await provider?.close();
    });
  }
  const { tools, ...stackOptions } = options;
  const stack = useStack(services, { ...stackOptions, env });
  let browser: Browser | undefined;
  let consoleServer: ConsoleServer | undefined;
  let bundleDir: string | undefined;

  beforeAll(async () => {
    // Fonts too: installed without recommends, chromium would render the screenshot with whatever fonts the machine happens to have.
    await ensureDebianPackages(["chromium", "fonts-liberation"], "the browser end-to-end test");
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-console-"));
    consoleServer = await startConsoleServer({ port: consolePort, gatewayUrl: stack.gateway.http1, outDir: bundleDir, ...tools });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    if (bundleDir !== undefined) fs.rmSync(bundleDir, { recursive: true, force: true });
  });

  return {
    stack,
    url: consoleUrl,
    provider: () => {
      if (provider === undefined) throw new Error("this console stack has no payment service, and so no provider emulator");
      return provider;
    },
    async inPages(contextOptions, scenario, failureName) {
      const contexts: BrowserContext[] = [];
      const pages: Page[] = [];
      const pageErrors: string[] = [];
      try {
        for (const option of contextOptions) {
          const context = await browser!.newContext(option);
          contexts.push(context);
          const page = await context.newPage();
          page.on("pageerror", (error) => pageErrors.push(`page ${pages.length}: ${error.message}`));
          pages.push(page);
        }
        await scenario(pages);
        expect(pageErrors).toEqual([]);
      } catch (error) {
        for (const [index, page] of pages.entries()) await keepScreenshot(page, `${failureName}-${index}`).catch(() => undefined);
        throw new Error(`${(error as Error).message}\npage errors: ${pageErrors.join(" | ") || "none"}`, { cause: error });
      } finally {
        for (const context of contexts) await context.close();
      }
    },
    async signUp(page, email) {
      await page.goto(consoleUrl);
      await page.getByRole("heading", { name: "Enter the Chaos" }).waitFor();
      await page.getByRole("tab", { name: "Create account" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByTestId("account-email").waitFor();
      expect(await textOf(page, "account-email")).toBe(email);
    },
  };
}

/** The trimmed text of the element with this test id. */
/** Fills the login form with `email` and the tests' password, and submits it. */
export async function logIn(page: Page, email: string): Promise<void> {
  await page.getByTestId("login-form").waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
}

/** Logs the page out and in again, so its new token carries what changed (roles). */
export async function logInAgain(page: Page, email: string): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, email);
}

export async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent())?.trim() ?? "";
}

/** Creates a character, which the console picks at once. */
export async function createCharacter(page: Page, name: string, characterClass: string): Promise<void> {
  await page.getByLabel("Character name").fill(name);
  await page.getByLabel("Class").selectOption({ label: characterClass });
  await page.getByRole("button", { name: "Create character" }).click();
  await page.getByRole("heading", { name }).waitFor();
}

/** Keeps a screenshot of the whole page in test-results/ (scrolled to the top first: the sticky top bar would cover the middle). */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(resultsDir, { recursive: true });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: path.join(resultsDir, `${name}.png`), fullPage: true, animations: "disabled" });
}

/** The wallet's balance as the trade window shows it (data-gold), once it has been read. */
export async function walletGold(page: Page): Promise<number> {
  const gold = await page.getByTestId("wallet-balance").getAttribute("data-gold");
  return gold === null || gold === "" ? Number.NaN : Number(gold);
}
