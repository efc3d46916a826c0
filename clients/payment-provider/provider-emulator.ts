import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for a Stripe-shaped payment provider: a real HTTP server
 * with hosted checkout pages (the player clicks Pay), refunds, and signed
 * webhooks sent to the game's edge exactly as Stripe signs them. It keeps
 * everything in memory: it plays a third party, not part of the game.
 *
 * API (JSON bodies, where Stripe uses form encoding):
 *   POST /v1/checkout/sessions  {client_reference_id, amount_total, currency, metadata}
 *                               → {id: "cs_…", url, payment_status: "unpaid"}
 *   GET  /checkout/<cs>         the hosted checkout page, with a Pay button
 *   POST /checkout/<cs>/pay     pays: event checkout.session.completed
 *   POST /v1/refunds            {payment_intent, metadata} → {id: "re_…"}: event charge.refunded
 * and, for tests and demos (a provider's dashboard):
 *   POST /_emulator/refunds     {payment_intent}: a provider-initiated refund (charge.refunded)
 *   POST /_emulator/disputes    {payment_intent}: a chargeback (charge.dispute.created)
 */
export interface ProviderEmulatorOptions {
  /** Where webhooks go (the gateway's POST /webhooks/payment); settable later with setWebhookUrl. Default none: events are kept, not sent. */
  readonly webhookUrl?: string;
  /** The endpoint's signing secrets; each delivery carries one v1 per secret (Stripe does so while a secret is rolled). */
  readonly signingSecrets: readonly string[];
  /** Loopback port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Bind address. Default 127.0.0.1. */
  readonly host?: string;
  /** Send each event when it happens. Default true; false keeps them until deliver() (reordering tests). */
  readonly autoDeliver?: boolean;
}

/** One webhook event as the provider keeps and sends it. */
export interface ProviderEvent {
  readonly id: string;
  readonly type: string;
  /** The exact bytes sent (and signed). */
  readonly body: string;
}

/** How one delivery went. */
export interface Delivery {
  readonly eventId: string;
  readonly status: number;
  readonly responseBody: string;
}

/** A checkout session (one order's payment page). */
interface Session {
  readonly id: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly metadata: Record<string, string>;
  paymentIntent?: string;
}

export interface ProviderEmulator {
  /** The base URL, e.g. http://127.0.0.1:57470. */
  readonly url: string;
  setWebhookUrl(url: string): void;
  /** Whether events are sent when they happen (true) or kept for deliver() (false). */
  setAutoDeliver(on: boolean): void;
  /** Every event so far, oldest first. */
  readonly events: readonly ProviderEvent[];
  /** Every delivery attempt so far, oldest first. */
  readonly deliveries: readonly Delivery[];
  /** Pays a session as the Pay button does; resolves once its event was delivered (or kept). */
  pay(sessionId: string): Promise<ProviderEvent>;
  /** A refund the provider starts on its own (its dashboard). */
  refund(paymentIntent: string): Promise<ProviderEvent>;
  /** A chargeback: the payer disputed at their bank. */
  dispute(paymentIntent: string): Promise<ProviderEvent>;
  /** Sends an event (again): a re-send, a duplicate, or a held event now. `signedAt` overrides the signing time (stale-timestamp tests). */
  deliver(eventId: string, options?: { signedAt?: number }): Promise<Delivery>;
  close(): Promise<void>;
}

/** Stripe's signature: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>") as hex, one v1 per secret. */
export function stripeSignature(timestamp: number, body: string, secrets: readonly string[]): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${createHmac("sha256", s).update(`${timestamp}.${body}`).digest("hex")}`)].join(",");
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** How often a refused delivery is tried again (Stripe retries for days; a test needs seconds). */
const deliveryAttempts = 5;
const retryBaseMs = 200;

export async function startProviderEmulator(options: ProviderEmulatorOptions): Promise<ProviderEmulator> {
  let webhookUrl = options.webhookUrl;
  let autoDeliver = options.autoDeliver ?? true;
  const sessions = new Map<string, Session>();
  const sessionsByIntent = new Map<string, Session>();
  const events: ProviderEvent[] = [];
  const deliveries: Delivery[] = [];

  async function send(event: ProviderEvent, signedAt = nowSeconds()): Promise<Delivery> {
    if (webhookUrl === undefined) return { eventId: event.id, status: 0, responseBody: "no webhook endpoint configured" };
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": stripeSignature(signedAt, event.body, options.signingSecrets) },
      body: event.body,
    }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (error: unknown) => ({ status: 0, body: String(error) }),
    );
    const delivery = { eventId: event.id, status: response.status, responseBody: response.body };
    deliveries.push(delivery);
    return delivery;
  }

  /** Delivers until acknowledged (2xx) or out of attempts, backing off as a provider does. */
  async function deliverWithRetries(event: ProviderEvent): Promise<void> {
    for (let attempt = 0; attempt < deliveryAttempts; attempt++) {
      const delivery = await send(event);
      if (delivery.status >= 200 && delivery.status < 300) return;
      if (delivery.status === 0 && webhookUrl === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, retryBaseMs * 2 ** attempt));
    }
  }

  async function emit(type: string, object: Record<string, unknown>): Promise<ProviderEvent> {
    const id = newId("evt");
    const body = JSON.stringify({ id, object: "event", type, created: nowSeconds(), livemode: false, data: { object } }, null, 2);
    const event = { id, type, body };
    events.push(event);
    if (autoDeliver) await deliverWithRetries(event);
    return event;
  }

  const sessionOf = (paymentIntent: string) => {
    const session = sessionsByIntent.get(paymentIntent);
    if (session === undefined) throw new Error(`no payment ${paymentIntent}`);
    return session;
  };

  async function pay(sessionId: string): Promise<ProviderEvent> {
    const session = sessions.get(sessionId);
    if (session === undefined) throw new Error(`no checkout session ${sessionId}`);
    if (session.paymentIntent === undefined) {
      session.paymentIntent = newId("pi");
      sessionsByIntent.set(session.paymentIntent, session);
    }
    return emit("checkout.session.completed", {
      id: session.id,
      object: "checkout.session",
      client_reference_id: session.orderId,
      payment_intent: session.paymentIntent,
      payment_status: "paid",
      amount_total: session.amount,
      currency: session.currency,
      metadata: session.metadata,
    });
  }

  const refundEvent = (session: Session, refundMetadata: Record<string, string>) =>
    emit("charge.refunded", {
      id: newId("ch"),
      object: "charge",
      payment_intent: session.paymentIntent,
      amount: session.amount,
      amount_refunded: session.amount,
      currency: session.currency,
      refunded: true,
      metadata: { ...session.metadata, ...refundMetadata },
      refunds: { data: [{ id: newId("re"), object: "refund", amount: session.amount, metadata: refundMetadata }] },
    });

  const disputeEvent = (session: Session) =>
    emit("charge.dispute.created", {
      id: newId("dp"),
      object: "dispute",
      payment_intent: session.paymentIntent,
      amount: session.amount,
      currency: session.currency,
      reason: "fraudulent",
      metadata: session.metadata,
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void route(req, Buffer.concat(chunks).toString("utf8")).then(
        ({ status, type, body }) => res.writeHead(status, { "content-type": type }).end(body),
        (error: unknown) => res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(error) } })),
      );
    });
  });

  const json = (status: number, value: unknown) => ({ status, type: "application/json", body: JSON.stringify(value) });
  const html = (status: number, body: string) => ({ status, type: "text/html; charset=utf-8", body });

  async function route(req: http.IncomingMessage, body: string): Promise<{ status: number; type: string; body: string }> {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const input = (body === "" ? {} : JSON.parse(body)) as Record<string, unknown>;
    if (req.method === "POST" && path === "/v1/checkout/sessions") {
      const session: Session = {
        id: newId("cs"),
        orderId: String(input.client_reference_id ?? ""),
        amount: Number(input.amount_total),
        currency: String(input.currency ?? "").toLowerCase(),
        metadata: (input.metadata ?? {}) as Record<string, string>,
      };
      if (!Number.isSafeInteger(session.amount) || session.amount <= 0 || session.orderId === "") return json(400, { error: { message: "amount_total and client_reference_id are required" } });
      sessions.set(session.id, session);
      return json(200, { id: session.id, object: "checkout.session", url: `${emulator.url}/checkout/${session.id}`, payment_status: "unpaid" });
    }
    const checkout = /^\/checkout\/(cs_[0-9a-f]+)(\/pay)?$/.exec(path);
    if (checkout !== null) {
      const session = sessions.get(checkout[1]!);
      if (session === undefined) return html(404, "<h1>No such checkout</h1>");
      const price = `${(session.amount / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
      if (req.method === "POST" && checkout[2] !== undefined) {
        await pay(session.id);
        return html(200, `<!doctype html><title>Paid</title><h1>Payment received</h1><p>${price} paid. You can close this page and return to the game.</p>`);
      }
      if (req.method === "GET" && checkout[2] === undefined) {
        const paid = session.paymentIntent !== undefined;
        return html(
          200,
          `<!doctype html><html><head><meta charset="utf-8"><title>Checkout</title></head><body>
<h1>Chaos World (test payments)</h1><p>Order ${session.orderId}</p><p>Total: <strong>${price}</strong></p>
${paid ? "<p>Already paid.</p>" : `<form method="post" action="/checkout/${session.id}/pay"><button type="submit">Pay ${price}</button></form>`}
</body></html>`,
        );
      }
    }
    if (req.method === "POST" && path === "/v1/refunds") {
      const session = sessionOf(String(input.payment_intent));
      const event = await refundEvent(session, (input.metadata ?? {}) as Record<string, string>);
      return json(200, { id: newId("re"), object: "refund", payment_intent: session.paymentIntent, status: "succeeded", event: event.id });
    }
    if (req.method === "POST" && path === "/_emulator/refunds") return json(200, { event: (await refundEvent(sessionOf(String(input.payment_intent)), {})).id });
    if (req.method === "POST" && path === "/_emulator/disputes") return json(200, { event: (await disputeEvent(sessionOf(String(input.payment_intent)))).id });
    return json(404, { error: { message: `no route ${req.method} ${path}` } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;

  const emulator: ProviderEmulator = {
    url: `http://${address.address}:${address.port}`,
    setWebhookUrl: (url) => (webhookUrl = url),
    setAutoDeliver: (on) => (autoDeliver = on),
    events,
    deliveries,
    pay,
    refund: (paymentIntent) => refundEvent(sessionOf(paymentIntent), {}),
    dispute: (paymentIntent) => disputeEvent(sessionOf(paymentIntent)),
    deliver(eventId, deliverOptions) {
      const event = events.find((e) => e.id === eventId);
      if (event === undefined) throw new Error(`no event ${eventId}`);
      return send(event, deliverOptions?.signedAt);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emulator;
}
