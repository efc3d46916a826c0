import type { ServiceImpl } from "@connectrpc/connect";
import { WebhookOutcome, type PaymentInternalService } from "@chaos/gen/chaos/payment/v1/payment_internal_service_pb.js";
import type { ProviderWebhooks } from "../core/provider-webhooks.js";

const outcomes = { applied: WebhookOutcome.APPLIED, duplicate: WebhookOutcome.DUPLICATE, parked: WebhookOutcome.PARKED, ignored: WebhookOutcome.IGNORED } as const;

/** The internal API: the gateway hands over the provider's webhooks, byte for byte. */
export function createPaymentInternalHandlers(webhooks: ProviderWebhooks): ServiceImpl<typeof PaymentInternalService> {
  return {
    async handleProviderWebhook(request) {
      const { eventId, outcome } = await webhooks.handle(request.rawBody, request.signatureHeader);
      return { eventId, outcome: outcomes[outcome] };
    },
  };
}
