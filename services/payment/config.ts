import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { integerSetting } from "@chaos/mesh/server";
import { parseCatalogue, type ProductRecord } from "./core/catalogue.js";

/** The payment service's settings, read from the environment at start-up. */
export interface PaymentConfig {
  /** The gold packs for sale. CHAOS_PAYMENT_CATALOGUE_FILE, default services/payment/catalogue.json. */
  readonly catalogue: readonly ProductRecord[];
  /** The provider's API (the local emulator by default). CHAOS_PAYMENT_PROVIDER_URL, default http://127.0.0.1:57470. */
  readonly providerUrl: string;
  /**
   * The webhook signing secrets; any of them verifies (several while one is
   * rolled). CHAOS_PAYMENT_WEBHOOK_SECRETS, comma-separated, default none:
   * every webhook is refused until one is set.
   */
  readonly webhookSecrets: readonly string[];
  /** How far a webhook's signed timestamp may be from now, in seconds. CHAOS_PAYMENT_WEBHOOK_TOLERANCE_SECONDS, default 300 (Stripe's). */
  readonly webhookToleranceSeconds: number;
  /** How long a pending order waits for its payment. CHAOS_PAYMENT_ORDER_TTL_SECONDS, default 1800 (30 minutes). */
  readonly orderTtlSeconds: number;
  /** Pending orders a player may have at once. CHAOS_PAYMENT_MAX_PENDING_ORDERS, default 5. */
  readonly maxPendingOrders: number;
  /** Days after fulfilment in which a player may ask for a refund. CHAOS_PAYMENT_REFUND_WINDOW_DAYS, default 14. */
  readonly refundWindowDays: number;
  /** How long a saga run holds its job; a crashed replica's work resumes after this. CHAOS_PAYMENT_SAGA_LEASE_SECONDS, default 15. */
  readonly sagaLeaseSeconds: number;
}

const defaultCatalogue = fileURLToPath(new URL("./catalogue.json", import.meta.url));

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadPaymentConfig(env: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const catalogueFile = env.CHAOS_PAYMENT_CATALOGUE_FILE || defaultCatalogue;
  const providerUrl = env.CHAOS_PAYMENT_PROVIDER_URL || "http://127.0.0.1:57470";
  if (!/^https?:\/\/[^/]+$/.test(providerUrl)) throw new Error(`CHAOS_PAYMENT_PROVIDER_URL must be an http(s) origin without a path, got "${providerUrl}"`);
  const webhookSecrets = (env.CHAOS_PAYMENT_WEBHOOK_SECRETS ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (webhookSecrets.some((s) => s.length < 16)) throw new Error("CHAOS_PAYMENT_WEBHOOK_SECRETS: each secret needs at least 16 characters");
  return {
    catalogue: parseCatalogue(readFileSync(catalogueFile, "utf8"), `CHAOS_PAYMENT_CATALOGUE_FILE (${catalogueFile})`),
    providerUrl,
    webhookSecrets,
    webhookToleranceSeconds: integerSetting(env, "CHAOS_PAYMENT_WEBHOOK_TOLERANCE_SECONDS", 300, 1, 86_400),
    orderTtlSeconds: integerSetting(env, "CHAOS_PAYMENT_ORDER_TTL_SECONDS", 1_800, 1, 86_400),
    maxPendingOrders: integerSetting(env, "CHAOS_PAYMENT_MAX_PENDING_ORDERS", 5, 1, 100),
    refundWindowDays: integerSetting(env, "CHAOS_PAYMENT_REFUND_WINDOW_DAYS", 14, 0, 365),
    sagaLeaseSeconds: integerSetting(env, "CHAOS_PAYMENT_SAGA_LEASE_SECONDS", 15, 5, 600),
  };
}
