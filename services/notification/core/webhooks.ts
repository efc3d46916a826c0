import { randomBytes, randomUUID } from "node:crypto";
import type { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { NotificationStore } from "./notification-store.js";
import type { WebhookRecord } from "./records.js";
import { webhookUrlProblem } from "./webhook-url.js";

/** Who registers or manages webhooks: a player for their own, or an admin for the studio's. */
export type WebhookOwner = { readonly scope: "player"; readonly playerId: string } | { readonly scope: "studio" };

/** Who acts on an existing webhook: a player may act on their own, an admin on the studio's. */
export interface WebhookCaller {
  /** Undefined for the operator acting with no end user. */
  readonly playerId: string | undefined;
  readonly admin: boolean;
}

/** Webhooks and their rotating secrets. */
export interface Webhooks {
  register(owner: WebhookOwner, url: string, categories: readonly Category[]): Promise<{ webhook: WebhookRecord; secret: string }>;
  list(owner: WebhookOwner): Promise<WebhookRecord[]>;
  rotate(caller: WebhookCaller, webhookId: string): Promise<{ webhook: WebhookRecord; secret: string }>;
  delete(caller: WebhookCaller, webhookId: string): Promise<void>;
}

/** Limits and policy of {@link createWebhooks}. */
export interface WebhookLimits {
  readonly maxPerPlayer: number;
  /** How long secrets rotated out keep signing. */
  readonly secretOverlapMs: number;
  readonly allowPrivate: boolean;
}

const newSecret = () => `whsec_${randomBytes(24).toString("base64url")}`;
const ownerOf = (owner: WebhookOwner) => (owner.scope === "player" ? owner.playerId : undefined);

export function createWebhooks(store: NotificationStore, limits: WebhookLimits): Webhooks {
  const notFound = (webhookId: string) => new DomainError(ErrorReason.WEBHOOK_NOT_FOUND, "no such webhook of yours", { webhook_id: webhookId });
  const mayManage = (caller: WebhookCaller, webhook: WebhookRecord | undefined): webhook is WebhookRecord =>
    webhook !== undefined && !webhook.deleted && (webhook.scope === "studio" ? caller.admin : webhook.playerId === caller.playerId);

  return {
    async register(owner, url, categories) {
      const problem = webhookUrlProblem(url, limits.allowPrivate);
      if (problem !== undefined) throw new DomainError(ErrorReason.INVALID_WEBHOOK_URL, `webhook url ${problem}`, { url, why: problem });
      const secret = newSecret();
      const webhookId = randomUUID();
      await store.transaction(async (tx) => {
        if (owner.scope === "player" && (await tx.countWebhooks(owner.playerId)) >= limits.maxPerPlayer) {
          throw new DomainError(ErrorReason.TOO_MANY_WEBHOOKS, `a player may register ${limits.maxPerPlayer} webhooks; delete one first`, { max_webhooks: String(limits.maxPerPlayer) });
        }
        await tx.insertWebhook({ webhookId, scope: owner.scope, playerId: ownerOf(owner), url, categories: [...new Set(categories)], createdAt: new Date() });
        await tx.addSecret(webhookId, secret, undefined);
      });
      return { webhook: (await store.webhook(webhookId))!, secret };
    },
    list: (owner) => store.webhooks(ownerOf(owner)),
    async rotate(caller, webhookId) {
      const secret = newSecret();
      await store.transaction(async (tx) => {
        if (!mayManage(caller, await tx.lockWebhook(webhookId))) throw notFound(webhookId);
        await tx.addSecret(webhookId, secret, new Date(Date.now() + limits.secretOverlapMs));
      });
      return { webhook: (await store.webhook(webhookId))!, secret };
    },
    async delete(caller, webhookId) {
      await store.transaction(async (tx) => {
        if (!mayManage(caller, await tx.lockWebhook(webhookId))) throw notFound(webhookId);
        await tx.deleteWebhook(webhookId);
      });
    },
  };
}
