import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { keepScreenshot, password, textOf, type ConsoleHarness } from "./console-harness.js";

/**
 * A player adds a passkey (the password first), logs out and back in with the
 * passkey alone — no email, no password — then removes it, after which the
 * same authenticator's passkey is refused. The authenticator is Chromium's
 * virtual one (DevTools protocol, WebAuthn domain): a platform authenticator
 * that keeps passkeys and verifies the user, as a laptop's would.
 */
export async function passkeyLogin(harness: ConsoleHarness, page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const email = `e2e-passkey-${randomBytes(6).toString("hex")}@example.com`;
  await harness.signUp(page, email);
  const panel = page.getByTestId("passkeys");
  await expect.poll(() => textOf(page, "passkey-list")).toContain("No passkeys yet");

  await panel.getByLabel("Passkey name").fill("Laptop");
  await panel.getByLabel("Current password").fill(password);
  await panel.getByRole("button", { name: "Add a passkey" }).click();
  await expect.poll(() => panel.getByTestId("passkey").count()).toBe(1);
  expect(await textOf(page, "passkey")).toContain("Laptop");
  // The authenticator holds it for this site, discoverable: what lets the login ask for no email.
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]).toMatchObject({ rpId: "localhost", isResidentCredential: true });
  await keepScreenshot(page, "passkeys");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByTestId("passkey-login").click();
  await page.getByTestId("account-email").waitFor();
  expect(await textOf(page, "account-email")).toBe(email);
  await expect.poll(() => textOf(page, "passkey")).toContain("last used");

  // Removing it needs the password again; the authenticator's passkey is then refused.
  await panel.getByLabel("Current password").fill(password);
  await panel.getByTestId("passkey-remove").click();
  await expect.poll(() => textOf(page, "passkey-list")).toContain("No passkeys yet");
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByTestId("passkey-login").click();
  await expect.poll(() => textOf(page, "auth-error")).toContain("That passkey was not accepted");
}
