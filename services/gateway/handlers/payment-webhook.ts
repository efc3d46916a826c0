import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { PaymentInternalService } from "@chaos/gen/chaos/payment/v1/payment_internal_service_pb.js";
import { errorInfoOf } from "@chaos/mesh/server";

/** The route the payment provider is configured to deliver to. */
export const paymentWebhookPath = "/webhooks/payment";

/** A webhook body larger than this is refused unread (payment's contract allows 64 KiB). */
const maxBodyBytes = 64 * 1024;

/** Refusals the provider must not retry (a forged or malformed request stays so); everything else is retried by it. */
const finalRefusals = new Set([Code.Unauthenticated, Code.InvalidArgument]);

export interface PaymentWebhookListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A plain HTTP listener for the provider's webhooks: it reads the body as
 * raw bytes and hands them with the Stripe-Signature header to payment,
 * which verifies the signature over exactly those bytes. 200 acknowledges
 * (the provider stops re-sending); 400 refuses for good with payment's
 * reason; 5xx asks the provider to try again later.
 */
export async function startPaymentWebhookListener(options: {
  readonly host: string;
  readonly port: number;
  readonly payment: () => Client<typeof PaymentInternalService>;
  readonly logger: { warn(fields: object, message: string): void };
}): Promise<PaymentWebhookListener> {
  const reply = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server = http.createServer((req, res) => {
    if ((req.url ?? "").split("?", 1)[0] !== paymentWebhookPath) return reply(res, 404, { error: "not found" });
    if (req.method !== "POST") return reply(res, 405, { error: "POST only" });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // The rest is read and dropped, so the sender gets the answer instead of a reset connection.
      if (size > maxBodyBytes) {
        if (!res.headersSent) reply(res, 413, { error: `the body exceeds ${maxBodyBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (res.headersSent) return;
      const signatureHeader = req.headers["stripe-signature"];
      const rawBody = Buffer.concat(chunks);
      if (typeof signatureHeader !== "string" || signatureHeader === "") return reply(res, 400, { error: "the Stripe-Signature header is missing", reason: "ERROR_REASON_SIGNATURE_MISSING" });
      if (rawBody.length === 0) return reply(res, 400, { error: "the body is empty", reason: "ERROR_REASON_MALFORMED_EVENT" });
      options
        .payment()
        .handleProviderWebhook({ rawBody, signatureHeader })
        .then(
          (answer) => reply(res, 200, { received: true, event_id: answer.eventId, outcome: answer.outcome }),
          (error: unknown) => {
            const refusal = ConnectError.from(error);
            const reason = errorInfoOf(refusal)?.reason;
            if (finalRefusals.has(refusal.code)) return reply(res, 400, { error: refusal.rawMessage, reason });
            options.logger.warn({ err: refusal.rawMessage, code: Code[refusal.code] }, "payment webhook not handed over; the provider will retry");
            reply(res, 503, { error: "try again later" });
          },
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
