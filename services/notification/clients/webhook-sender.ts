import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { WebhookSender } from "../core/senders.js";
import { isPrivateAddress } from "../core/webhook-url.js";

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  /** How long the receiver may take, from connecting to the end of its answer. */
  readonly timeoutMs: number;
  /** Let webhooks reach private and loopback addresses (development and tests). */
  readonly allowPrivate: boolean;
}

/**
 * POSTs signed webhooks with node:http(s). The host is resolved by a lookup
 * that refuses private addresses, and the connection goes to the address it
 * checked, so a name that resolves into the mesh's network is refused at
 * delivery time too (not only when the URL was registered).
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, "", 0);
      const list = addresses as dns.LookupAddress[];
      const refused = options.allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused !== undefined) return callback(new Error(`webhook host ${hostname} resolves to a private address (${refused.address})`), "", 0);
      if (lookupOptions.all === true) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (first === undefined) return callback(new Error(`webhook host ${hostname} has no address`), "", 0);
      callback(null, first.address, first.family);
    });
  };
  return {
    post(webhook) {
      const url = new URL(webhook.url);
      const client = url.protocol === "https:" ? https : http;
      return new Promise<void>((resolve, reject) => {
        const request = client.request(
          url,
          { method: "POST", headers: { ...webhook.headers, "Content-Length": Buffer.byteLength(webhook.body) }, lookup, timeout: options.timeoutMs, signal: AbortSignal.timeout(options.timeoutMs) },
          (response) => {
            // Only the status counts; the body is read to free the connection, and kept short for the error.
            let answer = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
              if (answer.length < 200) answer += chunk;
            });
            response.on("end", () => {
              const status = response.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve();
              else reject(new Error(`the receiver answered HTTP ${status}${answer === "" ? "" : `: ${answer.slice(0, 200)}`}`));
            });
            response.on("error", reject);
          },
        );
        request.on("timeout", () => request.destroy(new Error(`the receiver did not answer within ${options.timeoutMs} ms`)));
        request.on("error", reject);
        request.end(webhook.body);
      });
    },
  };
}
