import http from "node:http";
import type { AddressInfo } from "node:net";
import { signatureHeader, verifyWebhookSignature } from "../core/webhook-signature.js";

/** One request the receiver got, with whether its signature verified against each secret it was given. */
export interface ReceivedWebhook {
  readonly body: string;
  readonly deliveryId: string;
  readonly signature: string;
  /** Per secret of `secrets` (in order): verified on the raw body. */
  readonly verified: readonly boolean[];
  readonly json: { id: string; type: string; attempt: number; notification: Record<string, unknown> };
}

/**
 * A webhook endpoint on 127.0.0.1, as a studio or a player would run one:
 * it verifies Chaos-Signature on the raw body with the secrets it holds, and
 * answers with `status` (200 unless told otherwise). `hold` keeps requests
 * without an answer until released, to stop the sender between its send and
 * its record.
 */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  const secrets: string[] = [];
  let status = 200;
  let holding = false;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signature = String(request.headers[signatureHeader.toLowerCase()] ?? "");
      received.push({
        body,
        signature,
        deliveryId: String(request.headers["chaos-delivery-id"] ?? ""),
        verified: secrets.map((secret) => verifyWebhookSignature(signature, body, secret) === undefined),
        json: JSON.parse(body) as ReceivedWebhook["json"],
      });
      if (holding) {
        held.push(response);
        return;
      }
      response.writeHead(status, { "Content-Type": "text/plain" }).end(status < 300 ? "ok" : "receiver is down for maintenance");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/chaos`,
    received,
    /** The secrets the receiver verifies with (the registration's, then a rotation's). */
    secrets,
    answerWith(code: number) {
      status = code;
    },
    hold(on: boolean) {
      holding = on;
    },
    /** Answers the requests held so far, with `status`. */
    release() {
      for (const response of held.splice(0)) if (!response.destroyed) response.writeHead(status).end("ok");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
