import { integerSetting } from "@chaos/mesh/server";

/** The notification service's settings, read from the environment at start-up. */
export interface NotificationConfig {
  /** Where email goes: smtp://host:port (smtps:// for implicit TLS). CHAOS_NOTIFICATION_SMTP_URL, default smtp://127.0.0.1:51025 (the local Mailpit). */
  readonly smtpUrl: string;
  /** The From of every email. CHAOS_NOTIFICATION_EMAIL_FROM, default "Chaos World <no-reply@chaos.world>". */
  readonly emailFrom: string;
  /**
   * The page an email's unsubscribe link opens, given the token as ?token=;
   * the page calls NotificationService.Unsubscribe with it.
   * CHAOS_NOTIFICATION_UNSUBSCRIBE_URL, default https://chaos.world/unsubscribe.
   */
  readonly unsubscribeUrl: string;
  /** Delay before the second attempt of a failed email or webhook; doubled per attempt, with jitter. CHAOS_NOTIFICATION_RETRY_INITIAL_MS, default 30000. */
  readonly retryInitialMs: number;
  /** The longest wait between two attempts. CHAOS_NOTIFICATION_RETRY_MAX_MS, default 3600000 (1 h). */
  readonly retryMaxMs: number;
  /**
   * Attempts before a delivery is dead-lettered. CHAOS_NOTIFICATION_MAX_ATTEMPTS,
   * default 12: with the defaults, about 6 hours of retries.
   */
  readonly maxAttempts: number;
  /** How long a webhook receiver may take to answer. CHAOS_NOTIFICATION_WEBHOOK_TIMEOUT_MS, default 10000. */
  readonly webhookTimeoutMs: number;
  /** How long an SMTP connection, greeting or reply may take. CHAOS_NOTIFICATION_SMTP_TIMEOUT_MS, default 10000. */
  readonly smtpTimeoutMs: number;
  /**
   * How long a delivery attempt holds its job; an attempt of a crashed process
   * is looked at again after it (and found interrupted). Longer than an
   * attempt's timeouts. CHAOS_NOTIFICATION_DELIVERY_LEASE_SECONDS, default 30.
   */
  readonly deliveryLeaseSeconds: number;
  /** Webhooks a player may register. CHAOS_NOTIFICATION_MAX_WEBHOOKS, default 5. */
  readonly maxWebhooksPerPlayer: number;
  /** How long a rotated-out webhook secret keeps signing. CHAOS_NOTIFICATION_SECRET_OVERLAP_SECONDS, default 86400 (24 h). */
  readonly secretOverlapSeconds: number;
  /**
   * Allow webhooks on loopback and private addresses, and over plain http
   * (local development and tests only: otherwise a webhook could reach the
   * mesh's own services). CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS=1, default off.
   */
  readonly allowPrivateWebhooks: boolean;
  /**
   * Events older than this make no notification (their read-model effects
   * still apply): a new deployment reading the topics from their beginning
   * must not mail players about years-old trades. CHAOS_NOTIFICATION_MAX_EVENT_AGE_SECONDS,
   * default 86400 (a day).
   */
  readonly maxEventAgeSeconds: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  const retryInitialMs = integerSetting(env, "CHAOS_NOTIFICATION_RETRY_INITIAL_MS", 30_000, 10, 3_600_000);
  const retryMaxMs = integerSetting(env, "CHAOS_NOTIFICATION_RETRY_MAX_MS", 3_600_000, 10, 86_400_000);
  if (retryMaxMs < retryInitialMs) throw new Error(`CHAOS_NOTIFICATION_RETRY_MAX_MS (${retryMaxMs}) must not be below CHAOS_NOTIFICATION_RETRY_INITIAL_MS (${retryInitialMs})`);
  return {
    smtpUrl: urlSetting(env, "CHAOS_NOTIFICATION_SMTP_URL", "smtp://127.0.0.1:51025", ["smtp:", "smtps:"]),
    emailFrom: env.CHAOS_NOTIFICATION_EMAIL_FROM || "Chaos World <no-reply@chaos.world>",
    unsubscribeUrl: urlSetting(env, "CHAOS_NOTIFICATION_UNSUBSCRIBE_URL", "https://chaos.world/unsubscribe", ["https:", "http:"]),
    retryInitialMs,
    retryMaxMs,
    maxAttempts: integerSetting(env, "CHAOS_NOTIFICATION_MAX_ATTEMPTS", 12, 1, 100),
    webhookTimeoutMs: integerSetting(env, "CHAOS_NOTIFICATION_WEBHOOK_TIMEOUT_MS", 10_000, 100, 60_000),
    smtpTimeoutMs: integerSetting(env, "CHAOS_NOTIFICATION_SMTP_TIMEOUT_MS", 10_000, 100, 60_000),
    deliveryLeaseSeconds: integerSetting(env, "CHAOS_NOTIFICATION_DELIVERY_LEASE_SECONDS", 30, 3, 600),
    maxWebhooksPerPlayer: integerSetting(env, "CHAOS_NOTIFICATION_MAX_WEBHOOKS", 5, 1, 100),
    secretOverlapSeconds: integerSetting(env, "CHAOS_NOTIFICATION_SECRET_OVERLAP_SECONDS", 86_400, 0, 30 * 86_400),
    allowPrivateWebhooks: flagSetting(env, "CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS"),
    maxEventAgeSeconds: integerSetting(env, "CHAOS_NOTIFICATION_MAX_EVENT_AGE_SECONDS", 86_400, 60, 30 * 86_400),
  };
}

function urlSetting(env: NodeJS.ProcessEnv, variable: string, fallback: string, protocols: readonly string[]): string {
  const raw = env[variable] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${variable} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new Error(`${variable} must start with ${protocols.join(" or ")}, got "${raw}"`);
  return raw;
}

function flagSetting(env: NodeJS.ProcessEnv, variable: string): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new Error(`${variable} must be 1 or 0, got "${raw}"`);
}
