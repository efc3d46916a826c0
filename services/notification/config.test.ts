import { describe, expect, it } from "vitest";
import { loadNotificationConfig } from "./config.js";

describe("notification settings", () => {
  it("defaults to the local Mailpit, hours of retries and no private webhooks", () => {
    const config = loadNotificationConfig({});
    expect(config).toMatchObject({ smtpUrl: "smtp://127.0.0.1:51025", retryInitialMs: 30_000, retryMaxMs: 3_600_000, maxAttempts: 12, allowPrivateWebhooks: false });
  });

  it("stops start-up on a bad value, naming the variable", () => {
    expect(() => loadNotificationConfig({ CHAOS_NOTIFICATION_SMTP_URL: "http://mail" })).toThrow("CHAOS_NOTIFICATION_SMTP_URL must start with smtp: or smtps:");
    expect(() => loadNotificationConfig({ CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS: "yes" })).toThrow("CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS must be 1 or 0");
    expect(() => loadNotificationConfig({ CHAOS_NOTIFICATION_RETRY_INITIAL_MS: "5000", CHAOS_NOTIFICATION_RETRY_MAX_MS: "1000" })).toThrow("CHAOS_NOTIFICATION_RETRY_MAX_MS (1000) must not be below");
    expect(() => loadNotificationConfig({ CHAOS_NOTIFICATION_MAX_ATTEMPTS: "0" })).toThrow("CHAOS_NOTIFICATION_MAX_ATTEMPTS");
  });
});
